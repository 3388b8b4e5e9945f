"""The quote document's first invoices come from the real invoice-svc: taxed at its rates for
the account's address, split as a run splits them, and no document while it is away."""

import asyncio
import io
import socket
import uuid

import pypdf
import pytest
from factories import create_account, create_price_book, create_priced_product

from q2c_shared.testing.processes import ServiceProcess
from q2c_shared.testing.service import running_service, unique_topic_prefix
from q2c_shared.testing.waiting import eventually
from quote_svc.app import create_app


def _text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


async def _quote(client, *, tax_code="SAAS", setup_line=None):
    """30 seats at 31.00 a month less 10% (837.00) and a 500.00 setup fee, from 2026-01-15
    (D=1), for an account in San Francisco, CA."""
    account = await create_account(client)
    book = await create_price_book(client)
    seat = await create_priced_product(
        client, book["id"], sku="seat", unit_price="31.00", tax_code=tax_code
    )
    setup = await create_priced_product(
        client, book["id"], sku="setup", unit_price="500.00", charge_type="one_time",
        tax_code=tax_code,
    )  # fmt: skip
    response = await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-01-15",
            "term_months": 12,
            "billing_day_of_month": 1,
            "lines": [
                {"product_id": seat["id"], "quantity": "30", "discount_percent": "10"},
                {"product_id": setup["id"], "quantity": "1"} | (setup_line or {}),
            ],
        },
    )
    assert response.status_code == 201, response.text
    return account, response.json()


async def test_the_first_invoices_are_taxed_at_invoice_svc_rates(with_invoices, invoice_service):
    tax_code = f"standard-{uuid.uuid4().hex[:8]}"
    async with invoice_service.client() as invoice_svc:
        rate = await invoice_svc.post(
            "/v1/tax-rates",
            json={"country": "US", "region": "CA", "tax_code": tax_code, "rate_percent": "7.25"},
        )
        assert rate.status_code == 201, rate.text
    _, quote = await _quote(with_invoices.client, tax_code=tax_code)

    async def taxed_document() -> str | None:
        # The account reaches invoice-svc's bill-to accounts over the broker: until it has,
        # invoice-svc knows no address to tax for (and one document's three previews may
        # straddle its arrival).
        response = await with_invoices.client.get(f"/v1/quotes/{quote['id']}/pdf")
        assert response.status_code == 200, response.text
        text = _text(response.content)
        return text if text.count("Tax 7.25%") == 3 else None

    text = await eventually(taxed_document, timeout=30, interval=0.3)

    # 837.00 x 17/31 = 459.00, taxed 33.2775 -> 33.28; 500.00 taxed 36.25; 837.00 taxed
    # 60.6825 -> 60.68. Each line's tax rounded on its own, the totals their sums.
    assert (
        "Seat 15 Jan – 31 Jan 2026 459.00 7.25% 33.28 Setup 15 Jan 2026 500.00 7.25% 36.25 "
        "Subtotal 959.00 Tax 7.25% 69.53 Total USD 1,028.53"
    ) in text
    assert (
        "Seat 1 Feb – 28 Feb 2026 837.00 7.25% 60.68 Subtotal 837.00 Tax 7.25% 60.68 "
        "Total USD 897.68"
    ) in text
    assert "INVOICE DATE 1 Mar 2026 DUE DATE 31 Mar 2026" in text
    assert "Seat 1 Mar – 31 Mar 2026 837.00 7.25% 60.68" in text


async def test_a_line_paid_by_another_account_is_a_second_invoice_on_the_same_date(
    with_invoices,
):
    payer = await create_account(with_invoices.client, name="Globex Holdings")
    _, quote = await _quote(with_invoices.client, setup_line={"billing_account_id": payer["id"]})

    response = await with_invoices.client.get(f"/v1/quotes/{quote['id']}/pdf")

    assert response.status_code == 200, response.text
    text = _text(response.content)
    assert text.count("INVOICE DATE 15 Jan 2026 DUE DATE 14 Feb 2026") == 2
    assert "BILLED TO Acme Corp" in text and "BILLED TO Globex Holdings" in text
    assert "Seat 15 Jan – 31 Jan 2026 459.00 — 0.00 Subtotal 459.00 Tax 0.00 Total USD 459.00" in (
        text
    )
    assert "Setup 15 Jan 2026 500.00 — 0.00 Subtotal 500.00 Tax 0.00 Total USD 500.00" in text
    assert text.count("INVOICE DATE 1 Feb 2026") == 1


async def test_a_separate_line_has_an_invoice_of_its_own(with_invoices):
    _, quote = await _quote(with_invoices.client, setup_line={"invoice_grouping": "separate"})

    response = await with_invoices.client.get(f"/v1/quotes/{quote['id']}/pdf")

    assert response.status_code == 200, response.text
    text = _text(response.content)
    assert text.count("INVOICE DATE 15 Jan 2026") == 2
    assert "BILLED TO Acme Corp INVOICED ON ITS OWN" in text
    assert "Setup 15 Jan 2026 500.00 — 0.00 Subtotal 500.00 Tax 0.00 Total USD 500.00" in text


async def _serve_until_closed(answer: bytes | None) -> tuple[asyncio.Server, int]:
    """An invoice-svc that answers `answer` to anything, or never answers (None)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if answer is None:
            await reader.read()  # until the client gives up and closes
        else:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, family=socket.AF_INET)
    return server, server.sockets[0].getsockname()[1]


_NONSENSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    b'{"items": [{}]}'
)
"""A 200 whose invoice has none of an invoice's fields."""


@pytest.mark.parametrize("invoice_svc", ["stopped", "hanging", "nonsense"])
async def test_invoice_svc_away_is_a_503_and_no_document(
    settings, invoice_service, invoice_svc, tmp_path
):
    from q2c_devstack.servers import free_port

    server = None
    if invoice_svc == "stopped":
        # A second invoice-svc of the same database, stopped once it has started.
        port = free_port()
        stopped = ServiceProcess(
            "invoice",
            port,
            invoice_service.env | {"KAFKA_TOPIC_PREFIX": unique_topic_prefix(), "PORT": str(port)},
            tmp_path / "invoice-svc.log",
        )
        stopped.start()
        stopped.stop()
        url = stopped.base_url
    else:
        server, port = await _serve_until_closed(None if invoice_svc == "hanging" else _NONSENSE)
        url = f"http://127.0.0.1:{port}"
    away = settings.model_copy(
        update={"invoice_service_url": url, "invoice_service_timeout_seconds": 0.3}
    )
    try:
        async with running_service(create_app(away)) as service:
            _, quote = await _quote(service.client)
            response = await service.client.get(f"/v1/quotes/{quote['id']}/pdf")
    finally:
        if server is not None:
            server.close()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invoice_service_unavailable"
    expected = {
        "stopped": "is unreachable",
        "hanging": "did not answer within 0.3 s",
        "nonsense": "answered with a preview quote-svc cannot read",
    }[invoice_svc]
    assert expected in response.json()["detail"]
