"""The quote document's first invoices are the invoices the first run posts (issue 11): taxed
and split by invoice-svc, to the cent, before the quote is even accepted."""

import io
import re
import uuid
from decimal import Decimal

import pypdf
from test_amounts_from_the_front_door import _account, _created, _items, _price_book, _product, _run
from test_quote_to_cash import _one

from q2c_shared.testing.waiting import eventually

_CALIFORNIA = {
    "line1": "1 Market St",
    "city": "San Francisco",
    "region": "CA",
    "postal_code": "94105",
    "country": "US",
}

_INVOICE = re.compile(
    r"INVOICE DATE (?P<invoice_date>\d{1,2} \w{3} \d{4}) "
    r"DUE DATE (?P<due_date>\d{1,2} \w{3} \d{4}) "
    r"BILLED TO (?P<bill_to>.+?) CHARGE .+? Subtotal (?P<subtotal>[\d,.-]+) "
    r"Tax(?: [\d.%, ]+?)? (?P<tax_total>[\d,.-]+) Total USD (?P<total>[\d,.-]+)"
)


def _document_invoices(content: bytes) -> list[dict[str, str]]:
    """Each first invoice the document shows, its figures as printed."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    return [match.groupdict() for match in _INVOICE.finditer(text)]


def _amount(printed: str) -> Decimal:
    return Decimal(printed.replace(",", ""))


async def test_the_documents_first_invoices_are_what_the_first_run_posts(suite):
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
    ):
        tax_code = f"standard-{uuid.uuid4().hex[:8]}"
        await _created(
            invoice_svc,
            "/v1/tax-rates",
            {"country": "US", "region": "CA", "tax_code": tax_code, "rate_percent": "7.25"},
        )
        suffix = uuid.uuid4().hex[:6]
        account = await _account(quote_svc, name=f"Quoted {suffix}", billing_address=_CALIFORNIA)
        payer = await _account(quote_svc, name=f"Payer {suffix}", billing_address=_CALIFORNIA)
        seat = await _product(quote_svc, tax_code=tax_code)
        onboarding = await _product(quote_svc, charge_type="one_time", tax_code=tax_code)
        book = await _price_book(quote_svc, [(seat, "31.00"), (onboarding, "500.00")])
        quote = await _created(
            quote_svc,
            "/v1/quotes",
            {
                "account_id": account["id"],
                "price_book_id": book["id"],
                "start_date": "2026-01-15",
                "term_months": 12,
                "billing_day_of_month": 1,
                "lines": [
                    {"product_id": seat["id"], "quantity": "3", "discount_percent": "10"},
                    # Paid by another account: an invoice of its own on the same date.
                    {
                        "product_id": onboarding["id"],
                        "quantity": "1",
                        "billing_account_id": payer["id"],
                    },
                ],
            },
        )

        async def taxed_document() -> list[dict[str, str]] | None:
            # Both accounts reach invoice-svc over the broker; until then it knows no address
            # to tax for.
            response = await quote_svc.get(f"/v1/quotes/{quote['id']}/pdf")
            assert response.status_code == 200, response.text
            invoices = _document_invoices(response.content)
            first = [i for i in invoices if i["invoice_date"] == "15 Jan 2026"]
            return (
                invoices
                if len(first) == 2 and all(i["tax_total"] != "0.00" for i in first)
                else None
            )

        shown = await eventually(taxed_document, timeout=30, interval=0.3)
        promised = {
            invoice["bill_to"]: invoice
            for invoice in shown
            if invoice["invoice_date"] == "15 Jan 2026"
        }
        assert set(promised) == {account["name"], payer["name"]}

        await quote_svc.post(f"/v1/quotes/{quote['id']}/submit")
        accepted = await quote_svc.post(f"/v1/quotes/{quote['id']}/accept")
        assert accepted.json()["status"] == "accepted", accepted.text
        order = await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={quote['id']}"))
        activated = await order_svc.post(f"/v1/orders/{order['id']}/activate")
        assert activated.status_code == 200, activated.text
        await eventually(lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={order['id']}"))

        for bill_to in (account, payer):
            await _run(invoice_svc, bill_to["id"], "2026-01-15")
            (posted,) = await _items(invoice_svc, "/v1/invoices", account_id=bill_to["id"])
            assert posted["status"] == "posted"
            on_document = promised[bill_to["name"]]
            assert (
                _amount(on_document["subtotal"]),
                _amount(on_document["tax_total"]),
                _amount(on_document["total"]),
            ) == (
                Decimal(posted["subtotal"]),
                Decimal(posted["tax_total"]),
                Decimal(posted["total"]),
            )
            assert on_document["due_date"] == "14 Feb 2026" and posted["due_date"] == "2026-02-14"
        # 3 x 31.00 less 10% = 83.70 a month, x 17/31 = 45.90, taxed 3.33; 500.00 taxed 36.25.
        assert (promised[account["name"]]["total"], promised[payer["name"]]["total"]) == (
            "49.23",
            "536.25",
        )
