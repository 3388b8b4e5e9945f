"""The quote document must render whatever a client could put in a quote (issue 12): strings
with control characters, markup and scripts of every direction, the longest names, amounts of
18 digits, dates at the end of the business calendar. A 200 PDF, or a problem, never a 500."""

import io

import pypdf
import pytest
from factories import create_account, create_price_book, create_priced_product

HOSTILE = (
    "\u0001\u001b[31m<b>Acme</b></td><script>alert(1)</script> {{ 7*7 }} {% if %} &amp; "
    "\u202eevil\u200b\u00ad \U0001f600 \ufffe\uffff \u0627\u0644\u0639\u0631\u0628\u064a\u0629"
)


def _pages(content: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(
    "case",
    ["hostile strings", "longest strings", "largest amounts", "last business months"],
)
async def test_the_document_of_any_valid_quote_renders(with_invoices, case):
    client = with_invoices.client
    name = {"hostile strings": HOSTILE, "longest strings": "W" * 200}.get(case, "Acme")
    account = await create_account(
        client,
        name=name,
        legal_entity=name,
        billing_address={
            "line1": name,
            "line2": name,
            "city": name,
            "region": name,
            "postal_code": "9" * 20,
            "country": "US",
        },
    )
    book = await create_price_book(client)
    price = "999999999999999.999999" if case == "largest amounts" else "31.00"
    product = await create_priced_product(
        client, book["id"], sku=name[:100], unit_price=price, charge_type="one_time"
    )
    start, term = ("2199-01-01", 6) if case == "last business months" else ("2026-01-15", 12)
    response = await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": start,
            "term_months": term,
            "po_number": name[:100],
            "expires_on": "2199-12-31",
            "lines": [
                {
                    "product_id": product["id"],
                    "quantity": "999" if case == "largest amounts" else "1",
                    "invoice_grouping": "invoice_group_id",
                    "invoice_group_id": name[:100],
                }
            ],
        },
    )
    assert response.status_code == 201, response.text

    document = await client.get(f"/v1/quotes/{response.json()['id']}/pdf")

    assert document.status_code == 200, document.text
    assert document.headers["content-type"] == "application/pdf"
    assert _pages(document.content) >= 1


async def test_a_quote_whose_invoices_would_fall_due_after_2199_is_a_422(with_invoices):
    # Billed in December 2199, due 30 days later: invoice-svc refuses to draft it, so the
    # document, which shows the first invoices as they will be, is refused too; no 503 telling
    # the client to try again what will never work.
    client = with_invoices.client
    account = await create_account(client)
    book = await create_price_book(client)
    product = await create_priced_product(client, book["id"], sku="seat", unit_price="31.00")
    response = await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2199-12-01",
            "term_months": 1,
            "lines": [{"product_id": product["id"], "quantity": "1"}],
        },
    )
    assert response.status_code == 201, response.text

    document = await client.get(f"/v1/quotes/{response.json()['id']}/pdf")

    assert document.status_code == 422, document.text
    assert document.json()["code"] == "quote_not_invoiceable"
    assert document.headers["content-type"].startswith("application/problem+json")
