"""The quote document (GET /v1/quotes/{id}/pdf) against the real service, read back with pypdf."""

import io
import urllib.request
import uuid

import pypdf
import pytest
from factories import create_account, create_price_book, create_priced_product

from quote_svc.accounts.schemas import AccountPublic
from quote_svc.documents import render_quote_pdf
from quote_svc.quotes.schemas import QuotePublic

A4 = (595, 842)  # points, rounded
LETTER = (612, 792)


async def _quote(client, **quote_fields):
    """100 seats at 31.00 a month less 10%, and a 500.00 setup fee, from 2026-01-15 (D=1)."""
    account = await create_account(client)
    book = await create_price_book(client)
    seat = await create_priced_product(client, book["id"], sku="seat", unit_price="31.00")
    setup = await create_priced_product(
        client, book["id"], sku="setup", unit_price="500.00", charge_type="one_time"
    )
    response = await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-01-15",
            "term_months": 12,
            "billing_day_of_month": 1,
            "po_number": "PO-7731",
            "expires_on": "2026-02-15",
            "lines": [
                {"product_id": seat["id"], "quantity": "100", "discount_percent": "10"},
                {"product_id": setup["id"], "quantity": "1"},
            ],
        }
        | quote_fields,
    )
    assert response.status_code == 201, response.text
    return account, response.json()


def _pages(content: bytes) -> list[str]:
    """Each page's text, whitespace (no-break spaces too) collapsed to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


async def test_the_pdf_of_a_quote_shows_what_the_customer_signs(with_invoices):
    service = with_invoices
    account, quote = await _quote(service.client)
    submitted = await service.client.post(f"/v1/quotes/{quote['id']}/submit")
    assert submitted.json()["status"] == "approved"

    response = await service.client.get(f"/v1/quotes/{quote['id']}/pdf")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'inline; filename="{quote["number"]}.pdf"'
    assert response.content.startswith(b"%PDF")
    pages = _pages(response.content)
    text = " ".join(pages)
    assert quote["number"] in text
    assert account["name"] in text and account["email"] in text
    assert "1 Market St" in text and "San Francisco, CA 94105" in text
    assert "Seat" in text and "seat" in text  # product name and sku
    assert "Setup" in text and "setup" in text
    assert "Net 30 days" in text and "PO-7731" in text
    assert "15 Feb 2026" in text and "14 Jan 2027" in text and "12 months" in text
    # The line: list 31.00, 10% off, net 27.90, 2,790.00 a month, 33,480.00 over the term.
    assert "100 31.00 10% 27.90 2,790.00 33,480.00" in text
    assert "One-time fees USD 500.00" in text
    assert "Monthly recurring USD 2,790.00" in text
    assert "Total contract value USD 33,980.00" in text
    assert quote["total_contract_value"] == "33980.00"
    # First invoices, as invoice-svc will bill them: 2,790.00 x 17/31 = 1,530.00 plus the
    # setup fee on the start date, then whole months from the 1st, each due 30 days later.
    # No tax rate is set up for SAAS in invoice-svc: no tax.
    assert "INVOICE DATE 15 Jan 2026 DUE DATE 14 Feb 2026 BILLED TO Acme Corp" in text
    assert (
        "Seat 15 Jan – 31 Jan 2026 1,530.00 — 0.00 Setup 15 Jan 2026 500.00 — 0.00 "
        "Subtotal 2,030.00 Tax 0.00 Total USD 2,030.00"
    ) in text
    assert "INVOICE DATE 1 Feb 2026 DUE DATE 3 Mar 2026" in text
    assert (
        "Seat 1 Feb – 28 Feb 2026 2,790.00 — 0.00 Subtotal 2,790.00 Tax 0.00 Total USD 2,790.00"
        in text
    )
    assert "INVOICE DATE 1 Mar 2026 DUE DATE 31 Mar 2026" in text
    assert (
        "Seat 1 Mar – 31 Mar 2026 2,790.00 — 0.00 Subtotal 2,790.00 Tax 0.00 Total USD 2,790.00"
        in text
    )
    assert "1 Apr 2026" not in text
    assert "TERMS AND CONDITIONS" in text and "SIGNATURE" in text and "TITLE" in text
    assert "DRAFT" not in text
    assert pages[-1].endswith(f"Page {len(pages)} of {len(pages)}")
    assert pypdf.PdfReader(io.BytesIO(response.content)).metadata.title == (
        f"Quote {quote['number']}"
    )


async def test_a_draft_quote_is_watermarked_draft_on_every_page(with_invoices):
    service = with_invoices
    _, quote = await _quote(service.client)

    response = await service.client.get(f"/v1/quotes/{quote['id']}/pdf")

    assert response.status_code == 200, response.text
    pages = _pages(response.content)
    assert len(pages) >= 2
    assert all(page.startswith("DRAFT") for page in pages)


async def test_an_unknown_quote_is_a_404_problem(service):
    response = await service.client.get(f"/v1/quotes/{uuid.uuid4()}/pdf")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "quote_not_found"


async def test_the_pdf_needs_the_api_key(service):
    _, quote = await _quote(service.client)

    response = await service.client.get(
        f"/v1/quotes/{quote['id']}/pdf", headers={"Authorization": ""}
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_brand_page_size_and_terms_come_from_settings(service, settings, tmp_path):
    account, quote = await _quote(service.client)
    # An SVG logo that tries to load a remote image: the document must not fetch it.
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">'
        '<rect width="30" height="30" fill="#0e7c66"/>'
        '<image href="http://127.0.0.1:9/tracker.png" width="1" height="1"/></svg>'
    )
    branded = settings.model_copy(
        update={
            "document_brand_name": "Northwind",
            "document_brand_color": "#0E7C66",
            "document_logo_path": logo,
            "document_default_legal_entity": "Northwind Trading GmbH",
            "document_footer": "Northwind Trading GmbH · Registered in Berlin",
            "document_terms": "First special term.\n\nSecond special term.",
            "document_page_size": "Letter",
        }
    )
    fetched: list[str] = []
    original_open = urllib.request.OpenerDirector.open

    def record(self, url, *args, **kwargs):
        fetched.append(url if isinstance(url, str) else url.full_url)
        return original_open(self, url, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(urllib.request.OpenerDirector, "open", record)
        content = render_quote_pdf(
            quote=QuotePublic.model_validate(quote),
            account=AccountPublic.model_validate(account),
            settings=branded,
            first_invoices=[],
        )

    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(_pages(content))
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == LETTER
    assert "Northwind Trading GmbH · Registered in Berlin" in text
    assert "First special term. Second special term." in text
    assert "This quote is valid until" not in text
    assert all(url.startswith("data:") for url in fetched), fetched


async def test_the_default_page_is_a4_and_the_seller_falls_back_to_the_default(service, settings):
    account, quote = await _quote(service.client)
    without_entity = QuotePublic.model_validate(quote | {"legal_entity": None})

    content = render_quote_pdf(
        quote=without_entity,
        account=AccountPublic.model_validate(account),
        settings=settings,
        first_invoices=[],
    )

    box = pypdf.PdfReader(io.BytesIO(content)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == A4
    assert f"FROM {settings.document_default_legal_entity}" in " ".join(_pages(content))


async def test_an_amendment_line_shows_the_change_it_is_priced_on(service, settings):
    account, quote = await _quote(service.client)
    seat = quote["lines"][0]
    # 100 seats down to 70: the line is priced on -30 (what service.py does for amendments).
    fewer_seats = seat | {
        "quantity": "70",
        "quantity_delta": "-30",
        "monthly_amount": "-837.00",
        "net_total": "-10044.00",
    }
    amendment = QuotePublic.model_validate(
        quote | {"type": "amendment", "lines": [fewer_seats], "contract_id": str(uuid.uuid4())}
    )

    text = " ".join(
        _pages(
            render_quote_pdf(
                quote=amendment,
                account=AccountPublic.model_validate(account),
                settings=settings,
                first_invoices=[],
            )
        )
    )

    assert "Amendment quote" in text
    assert "new total 70" in text
    assert "-30 31.00 10% 27.90 -837.00 -10,044.00" in text
