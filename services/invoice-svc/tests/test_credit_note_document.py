"""The credit note document: rendered from a CreditNotePublic built here and read back with
pypdf (issued, draft, many pages, a currency without minor units), and GET
/v1/credit-notes/{id}/pdf against the real service for a credit note made through the API."""

import io
import os
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
from factories import (
    account_event,
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    publish_account_events,
    run_invoices,
)

from invoice_svc.bill_to_accounts.schemas import BillToPublic
from invoice_svc.credit_notes.schemas import CreditNotePublic
from invoice_svc.documents import credit_note_pdf_filename, render_credit_note_pdf
from invoice_svc.models import BillToAccount
from invoice_svc.settings import BankDetails, DocumentBrand
from q2c_shared.testing.waiting import eventually

NORTHWIND = DocumentBrand(
    display_name="Northwind",
    legal_name="Northwind Trading GmbH",
    color="#0E7C66",
    address_lines=["Friedrichstrasse 68", "10117 Berlin", "Germany"],
    email="billing@northwind.example",
    tax_id="DE123456789",
    tax_id_label="VAT ID",
    # A credit note has nothing to pay: these must never print on it.
    bank_details=BankDetails(
        bank_name="Deutsche Bank AG",
        iban="DE89 3704 0044 0532 0130 00",
        swift_bic="DEUTDEFFXXX",
    ),
    footer="Northwind Trading GmbH · Registered in Berlin, HRB 123456",
)

ACME = BillToPublic.model_validate(
    {
        "name": "Acme AG",
        "email": "ap@acme.example",
        "billing_address": {
            "line1": "Hauptstrasse 1",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        "tax_exempt": False,
    }
)


def credit_line(
    *,
    description: str = "Seat",
    period: tuple[date, date] = (date(2026, 1, 15), date(2026, 1, 31)),
    quantity: str = "1",
    amount: str = "17.00",
    tax_rate_percent: str | None = "19",
    tax_amount: str = "3.23",
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "invoice_line_id": str(uuid.uuid4()),
        "billing_period_id": None,
        "order_id": str(uuid.uuid4()),
        "order_product_id": str(uuid.uuid4()),
        "product_id": str(uuid.uuid4()),
        "description": description,
        "period_start": period[0],
        "period_end": period[1],
        "quantity": quantity,
        "amount": amount,
        "tax_rate_percent": tax_rate_percent,
        "tax_amount": tax_amount,
    }


def credit_note(
    *,
    lines: list[dict[str, Any]],
    status: str = "issued",
    number: str | None = "CN-000007",
    currency: str = "EUR",
    invoice_number: str | None = "INV-000042",
    reason: str = "Service outage on 20-22 January: those days are credited.",
    grouping: dict[str, Any] | None = None,
) -> CreditNotePublic:
    """An issued credit note of `lines`, its totals summed from them."""
    subtotal = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    tax_total = sum((Decimal(line["tax_amount"]) for line in lines), Decimal(0))
    return CreditNotePublic.model_validate(
        {
            "id": str(uuid.uuid4()),
            "number": number,
            "status": status,
            "account_id": str(uuid.uuid4()),
            "legal_entity": "Northwind Trading GmbH",
            "currency": currency,
            "invoice_id": str(uuid.uuid4()) if invoice_number else None,
            "invoice_number": invoice_number,
            "invoice_run_id": None,
            "reason": reason,
            "issue_date": date(2026, 2, 10),
            "lines": lines,
            "subtotal": subtotal,
            "tax_total": tax_total,
            "total": subtotal + tax_total,
            "grouping": grouping,
            "created_at": datetime(2026, 2, 10, 9, 30, tzinfo=UTC),
            "issued_at": None if status == "draft" else datetime(2026, 2, 10, 9, 30, tzinfo=UTC),
        }
    )


def _pages(content: bytes) -> list[str]:
    """Each page's text, whitespace (no-break spaces too) collapsed to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_an_issued_credit_note_says_what_is_credited_against_which_invoice_and_why(tmp_path):
    note = credit_note(
        lines=[
            credit_line(),
            credit_line(
                description="Seat",
                period=(date(2026, 2, 1), date(2026, 2, 28)),
                quantity="2",
                amount="62.00",
                tax_amount="11.78",
            ),
            credit_line(
                description="Support",
                period=(date(2026, 2, 1), date(2026, 2, 28)),
                amount="1250.00",
                tax_rate_percent=None,
                tax_amount="0.00",
            ),
        ],
        grouping={"invoice_grouping": "po_number", "grouping_value": "PO-7731"},
    )

    content = render_credit_note_pdf(credit_note=note, bill_to=ACME, brand=NORTHWIND)

    # Drawn, to look at: CREDIT_NOTE_PNG=/tmp/credit-note.png pytest -k against_which_invoice
    document = pypdfium2.PdfDocument(content)
    document[0].render(scale=2).to_pil().save(
        Path(os.environ.get("CREDIT_NOTE_PNG", tmp_path / "credit-note.png"))
    )
    pages = _pages(content)
    text = " ".join(pages)
    assert text.startswith("Northwind Credit note CN-000007 FROM Northwind Trading GmbH")
    assert "ISSUED" not in text and "DRAFT" not in text
    assert "Friedrichstrasse 68 10117 Berlin Germany billing@northwind.example" in text
    assert "VAT ID DE123456789" in text
    assert "BILL TO Acme AG Hauptstrasse 1 10115 Berlin DE ap@acme.example" in text
    assert "Issue date 10 Feb 2026 Currency EUR PO number PO-7731" in text
    assert "TOTAL CREDITED EUR 1,344.01 Credits invoice INV-000042" in text
    assert "REASON Service outage on 20-22 January: those days are credited." in text
    assert "DESCRIPTION SERVICE PERIOD QTY AMOUNT TAX RATE TAX" in text
    assert "Seat 15 Jan – 31 Jan 2026 1 17.00 19% 3.23" in text
    assert "Seat 1 Feb – 28 Feb 2026 2 62.00 19% 11.78" in text
    assert "Support 1 Feb – 28 Feb 2026 1 1,250.00 – 0.00" in text  # no tax on the line
    assert "Subtotal 1,329.00 Tax 15.01 Total credited EUR 1,344.01" in text
    assert "Amounts in EUR. Tax is credited at the rate it was charged at." in text
    assert "netted" not in text  # no negative line
    # Nothing to pay: no payment instructions, whatever the brand's bank details.
    assert "HOW TO PAY" not in text and "Deutsche Bank" not in text and "IBAN" not in text
    assert "Northwind Trading GmbH · Registered in Berlin, HRB 123456" in text
    assert pages[0].endswith("Page 1 of 1")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata.title == "Credit note CN-000007"
    assert credit_note_pdf_filename(note) == "CN-000007.pdf"


def test_a_draft_is_marked_draft_and_an_account_credit_names_no_invoice():
    note = credit_note(
        status="draft",
        number=None,
        invoice_number=None,
        reason="Credits outweighed charges in the February run.",
        lines=[
            credit_line(amount="31.00", tax_amount="5.89"),
            # A charge the run netted against the credits.
            credit_line(description="Extra seat", amount="-10.00", tax_amount="-1.90"),
        ],
    )

    content = render_credit_note_pdf(
        credit_note=note, bill_to=None, brand=DocumentBrand(display_name="Fallback Co")
    )

    pages = _pages(content)
    text = " ".join(pages)
    assert all(page.startswith("DRAFT") for page in pages)  # the watermark, on every page
    assert "Credit note DRAFT NOT YET ISSUED" in text
    # No brand of its own: the legal entity is the seller, the default footer names the note.
    assert "FROM Northwind Trading GmbH" in text
    assert "Northwind Trading GmbH · Draft credit note" in text
    # No account event yet: the account id is what AR can look it up by.
    assert f"BILL TO Customer account {note.account_id}" in text
    assert "TOTAL CREDITED EUR 24.99 Credit to your account" in text
    assert "Credits invoice" not in text
    assert "Extra seat 15 Jan – 31 Jan 2026 1 -10.00 19% -1.90" in text
    assert "A negative amount is a charge netted against the credit." in text
    assert "Subtotal 21.00 Tax 3.99 Total credited EUR 24.99" in text
    assert pypdf.PdfReader(io.BytesIO(content)).metadata.title == "Draft credit note"
    assert credit_note_pdf_filename(note) == f"credit-note-draft-{note.id}.pdf"


def test_many_lines_run_over_pages_that_each_name_the_credit_note():
    note = credit_note(
        lines=[
            credit_line(description=f"Seat {index:03d}", amount="31.00", tax_amount="5.89")
            for index in range(1, 81)
        ]
    )

    pages = _pages(render_credit_note_pdf(credit_note=note, bill_to=ACME, brand=NORTHWIND))

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert page.endswith(f"Page {number} of {len(pages)}")
        if number > 1:  # the running header: which document a loose page belongs to
            assert "Credit note CN-000007" in page
    text = " ".join(pages)
    assert all(f"Seat {index:03d} 15 Jan – 31 Jan 2026 1 31.00" in text for index in (1, 40, 80))
    assert "Subtotal 2,480.00 Tax 471.20 Total credited EUR 2,951.20" in pages[-1]


def test_a_currency_without_minor_units_prints_whole_amounts():
    note = credit_note(
        currency="JPY",
        lines=[
            credit_line(amount="3100", tax_rate_percent="10", tax_amount="310"),
            credit_line(
                description="Storage",
                quantity="2.5",
                amount="1500",
                tax_rate_percent="10",
                tax_amount="150",
            ),
        ],
    )

    text = " ".join(_pages(render_credit_note_pdf(credit_note=note, bill_to=ACME, brand=NORTHWIND)))

    assert "Seat 15 Jan – 31 Jan 2026 1 3,100 10% 310" in text
    assert "Storage 15 Jan – 31 Jan 2026 2.5 1,500 10% 150" in text
    assert "Subtotal 4,600 Tax 460 Total credited JPY 5,060" in text
    assert "TOTAL CREDITED JPY 5,060" in text and "Currency JPY" in text
    assert ".00" not in text


async def test_a_credit_note_made_through_the_api_is_fetched_as_a_pdf(service, settings):
    # A tax code of the test's own: the tests share one database, and their rates stay.
    tax_code = f"SAAS-{uuid.uuid4().hex[:8]}"
    rate = await service.client.post(
        "/v1/tax-rates", json={"country": "DE", "tax_code": tax_code, "rate_percent": "19"}
    )
    assert rate.status_code == 201, rate.text
    account_id = str(uuid.uuid4())
    await publish_account_events(
        settings, account_event(account_id=account_id, name="Acme AG", email="ap@acme.example")
    )

    async def known() -> BillToAccount | None:
        async with service.database.transaction() as session:
            return await session.get(BillToAccount, uuid.UUID(account_id))

    await eventually(known, message=f"account {account_id} did not reach the read model")
    seller = f"Seller {uuid.uuid4()}"
    await activate_orders(
        service.client,
        settings,
        order_activated(
            account_id=account_id,
            legal_entity=seller,
            currency="EUR",
            products=[order_product(tax_code=tax_code)],
        ),
    )
    run = await run_invoices(
        service.client, target_date="2026-02-01", account_ids=[account_id], post=True
    )
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    created = await service.client.post(
        f"/v1/invoices/{invoice['id']}/credit-notes",
        json={"reason": "Service outage in January", "issue_date": "2026-02-10"},
    )
    assert created.status_code == 201, created.text
    note = created.json()

    response = await service.client.get(f"/v1/credit-notes/{note['id']}/pdf")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert note["number"] == "CN-000001"  # the seller's first
    assert response.headers["content-disposition"] == 'inline; filename="CN-000001.pdf"'
    text = " ".join(_pages(response.content))
    assert "Credit note CN-000001 FROM Seller" in text
    assert f"{seller} · Credit note CN-000001" in text  # the default footer
    # The bill-to comes from the read model: the credit note itself carries none.
    assert "BILL TO Acme AG Hauptstrasse 1 10115 Berlin DE ap@acme.example" in text
    assert f"Credits invoice {invoice['number']}" in text
    assert "REASON Service outage in January" in text
    assert "Seat 15 Jan – 31 Jan 2026 1 17.00 19% 3.23" in text
    assert "Seat 1 Feb – 28 Feb 2026 1 31.00 19% 5.89" in text
    assert "Subtotal 48.00 Tax 9.12 Total credited EUR 57.12" in text


async def test_an_unknown_credit_note_is_a_404_problem(service):
    response = await service.client.get(f"/v1/credit-notes/{uuid.uuid4()}/pdf")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "credit_note_not_found"
