"""The invoice document (GET /v1/invoices/{id}/pdf) against the real service, read back with
pypdf: each selling legal entity's brand and bank details, drafts, problems, the environment."""

import io
import json
import urllib.request
import uuid

import pypdf
import pytest
from factories import (
    account_event,
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    payment_allocated,
    publish_account_events,
    run_invoices,
    setup_fee,
)
from pydantic import ValidationError

from invoice_svc.documents import render_invoice_pdf
from invoice_svc.invoices.schemas import InvoicePublic
from invoice_svc.settings import BankDetails, DocumentBrand, InvoiceSettings
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually

A4 = (595, 842)  # points, rounded
LETTER = (612, 792)

NORTHWIND = "Northwind Trading GmbH"
INC = "q2c Inc"


@pytest.fixture
def settings(settings, tmp_path):
    """Two legal entities with brands of their own; everything else prints in the default."""
    # An SVG logo that tries to load a remote image: the document must not fetch it.
    logo = tmp_path / "northwind.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="36">'
        '<rect width="36" height="36" rx="6" fill="#0e7c66"/>'
        '<image href="http://127.0.0.1:9/tracker.png" width="1" height="1"/></svg>'
    )
    return settings.model_copy(
        update={
            "document_brands": {
                NORTHWIND: DocumentBrand(
                    display_name="Northwind",
                    color="#0E7C66",
                    logo_path=logo,
                    address_lines=["Friedrichstrasse 68", "10117 Berlin", "Germany"],
                    email="billing@northwind.example",
                    tax_id="DE123456789",
                    tax_id_label="VAT ID",
                    bank_details=BankDetails(
                        bank_name="Deutsche Bank AG",
                        iban="DE89 3704 0044 0532 0130 00",
                        swift_bic="DEUTDEFFXXX",
                    ),
                    footer="Northwind Trading GmbH · Registered in Berlin, HRB 123456",
                ),
                INC: DocumentBrand(
                    display_name="q2c",
                    legal_name="q2c Inc.",
                    address_lines=["1 Market St", "San Francisco, CA 94105"],
                    tax_id="12-3456789",
                    tax_id_label="EIN",
                    bank_details=BankDetails(
                        bank_name="First Republic",
                        account_number="000123456789",
                        routing_number="321081669",
                        payment_reference_hint="Write {number} on the memo line.",
                    ),
                ),
            },
            "document_default_brand": DocumentBrand(display_name="Fallback Co"),
        }
    )


def _pages(content: bytes) -> list[str]:
    """Each page's text, whitespace (no-break spaces too) collapsed to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


async def _invoices(service, settings, *orders, post=True):
    """Activate the orders, bill everything due on 2026-02-01, and return the run's invoices
    by legal entity."""
    await activate_orders(service.client, settings, *orders)
    run = await run_invoices(service.client, target_date="2026-02-01", post=post)
    return {
        i["legal_entity"]: i for i in await invoices_of(service.client, invoice_run_id=run["id"])
    }


async def _pdf(service, invoice_id) -> tuple[bytes, str]:
    response = await service.client.get(f"/v1/invoices/{invoice_id}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return response.content, response.headers["content-disposition"]


async def test_a_posted_invoice_shows_what_the_customer_pays_and_how(service, settings):
    account_id = str(uuid.uuid4())
    await publish_account_events(
        settings, account_event(account_id=account_id, name="Acme AG", email="ap@acme.example")
    )
    # 31.00 a month from 15 Jan (billing day 1) plus a 500.00 setup fee, under a PO.
    order = order_activated(
        account_id=account_id,
        legal_entity=NORTHWIND,
        currency="EUR",
        po_number="PO-7731",
        products=[
            order_product(invoice_grouping="po_number"),
            setup_fee(invoice_grouping="po_number"),
        ],
    )
    invoice = (await _invoices(service, settings, order))[NORTHWIND]
    # Half paid, and the bill-to account known: both show on the document.
    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic("q2c.payments"),
        payment_allocated(invoice=invoice, amount="100.00"),
        key=account_id,
    )

    async def paid_and_known():
        current = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
        return current if current["bill_to"] and current["amount_paid"] == "100.00" else None

    invoice = await eventually(paid_and_known)
    fetched: list[str] = []
    original_open = urllib.request.OpenerDirector.open

    def record(self, url, *args, **kwargs):
        fetched.append(url if isinstance(url, str) else url.full_url)
        return original_open(self, url, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(urllib.request.OpenerDirector, "open", record)
        content, disposition = await _pdf(service, invoice["id"])

    number = invoice["number"]
    assert number.startswith("INV-")
    assert disposition == f'inline; filename="{number}.pdf"'
    pages = _pages(content)
    text = " ".join(pages)
    assert f"Invoice {number} PARTIALLY PAID" in text
    # Seller and bill-to.
    assert "FROM Northwind Trading GmbH Friedrichstrasse 68 10117 Berlin Germany" in text
    assert "billing@northwind.example VAT ID DE123456789" in text
    assert "BILL TO Acme AG Hauptstrasse 1 10115 Berlin DE ap@acme.example" in text
    # The facts: dates, term, currency, the PO the lines were grouped by.
    assert "Invoice date 1 Feb 2026" in text and "Due date 3 Mar 2026" in text
    assert "Payment terms Net 30 days" in text and "Currency EUR" in text
    assert "PO number PO-7731" in text
    # Each line with its service period, quantity, amount and tax; then the totals.
    assert "Seat 15 Jan – 31 Jan 2026 1 17.00 0.00" in text
    assert "Setup 15 Jan 2026 1 500.00 0.00" in text
    assert "Seat 1 Feb – 28 Feb 2026 1 31.00 0.00" in text
    assert "Subtotal 548.00 Tax 0.00 Total EUR 548.00 Amount paid 100.00" in text
    assert "Balance due EUR 448.00" in text and "AMOUNT DUE EUR 448.00 Due 3 Mar 2026" in text
    # How to pay: this entity's bank, never another's.
    assert "Account holder Northwind Trading GmbH Bank Deutsche Bank AG" in text
    assert "IBAN DE89 3704 0044 0532 0130 00 BIC / SWIFT DEUTDEFFXXX" in text
    assert f"Reference {number} Please quote {number} with your payment." in text
    assert "First Republic" not in text and "321081669" not in text
    assert "DRAFT" not in text
    assert "Northwind Trading GmbH · Registered in Berlin, HRB 123456" in text
    assert pages[0].endswith("Page 1 of 1")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata.title == f"Invoice {number}"
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == A4
    # The logo was embedded; its remote image was never fetched.
    assert all(url.startswith("data:") for url in fetched), fetched


async def test_each_legal_entity_prints_in_its_own_brand(service, settings):
    account_id = str(uuid.uuid4())
    invoices = await _invoices(
        service,
        settings,
        order_activated(account_id=account_id, legal_entity=INC),
        order_activated(account_id=account_id, legal_entity=NORTHWIND, currency="EUR"),
        order_activated(account_id=account_id, legal_entity="Unbranded Ltd"),
    )

    inc = " ".join(_pages((await _pdf(service, invoices[INC]["id"]))[0]))
    northwind = " ".join(_pages((await _pdf(service, invoices[NORTHWIND]["id"]))[0]))
    unbranded = " ".join(_pages((await _pdf(service, invoices["Unbranded Ltd"]["id"]))[0]))

    inc_number = invoices[INC]["number"]
    assert "FROM q2c Inc. 1 Market St San Francisco, CA 94105 EIN 12-3456789" in inc
    assert "Bank First Republic Account number 000123456789 Routing number 321081669" in inc
    assert f"Write {inc_number} on the memo line." in inc
    assert f"q2c Inc. · Invoice {inc_number}" in inc  # the default footer
    assert "Deutsche Bank" not in inc and "Northwind" not in inc
    assert "Total USD 48.00" in inc
    assert "Bank Deutsche Bank AG" in northwind and "First Republic" not in northwind
    assert "Total EUR 48.00" in northwind
    # An entity without a brand of its own: the default brand, the entity named as the seller,
    # and no bank details to send anyone's money to the wrong entity.
    assert "Fallback Co" in unbranded and "FROM Unbranded Ltd" in unbranded
    assert "HOW TO PAY" not in unbranded
    assert "Deutsche Bank" not in unbranded and "First Republic" not in unbranded


async def test_a_draft_is_marked_draft_and_names_an_unknown_bill_to_by_its_account(
    service, settings
):
    account_id = str(uuid.uuid4())
    draft = (
        await _invoices(
            service,
            settings,
            order_activated(account_id=account_id, legal_entity=NORTHWIND, currency="EUR"),
            post=False,
        )
    )[NORTHWIND]
    assert draft["status"] == "draft" and draft["number"] is None

    content, disposition = await _pdf(service, draft["id"])

    assert disposition == f'inline; filename="draft-{draft["id"]}.pdf"'
    pages = _pages(content)
    text = " ".join(pages)
    assert all(page.startswith("DRAFT") for page in pages)  # the watermark, on every page
    assert "Invoice DRAFT NOT YET ISSUED" in text
    assert f"BILL TO Customer account {account_id}" in text
    assert "This is a draft, not a request for payment: please do not pay it yet." in text
    assert "Please quote" not in text and "Reference" not in text
    assert pypdf.PdfReader(io.BytesIO(content)).metadata.title == "Draft invoice"


async def test_an_unknown_invoice_is_a_404_problem(service):
    response = await service.client.get(f"/v1/invoices/{uuid.uuid4()}/pdf")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invoice_not_found"


async def test_the_pdf_needs_the_api_key(service, settings):
    invoice = (await _invoices(service, settings, order_activated(legal_entity=INC)))[INC]

    response = await service.client.get(
        f"/v1/invoices/{invoice['id']}/pdf", headers={"Authorization": ""}
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_page_size_is_a_setting(service, settings):
    invoice = (await _invoices(service, settings, order_activated(legal_entity=INC)))[INC]

    content = render_invoice_pdf(
        invoice=InvoicePublic.model_validate(invoice),
        brand=settings.document_brand(INC),
        page_size="Letter",
    )

    box = pypdf.PdfReader(io.BytesIO(content)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == LETTER


def test_brands_are_read_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv(
        "DOCUMENT_BRANDS",
        json.dumps(
            {
                "q2c GmbH": {
                    "display_name": "q2c",
                    "color": "#0E7C66",
                    "tax_id": "DE999",
                    "bank_details": {"bank_name": "GLS Bank", "iban": "DE02 4306 0967"},
                }
            }
        ),
    )
    monkeypatch.setenv(
        "DOCUMENT_DEFAULT_BRAND", '{"display_name": "q2c", "legal_name": "q2c Inc."}'
    )
    monkeypatch.setenv("DOCUMENT_PAGE_SIZE", "Letter")

    settings = InvoiceSettings()

    gmbh = settings.document_brand("q2c GmbH")
    assert (gmbh.color, gmbh.tax_id, gmbh.bank_details.iban) == (
        "#0E7C66",
        "DE999",
        "DE02 4306 0967",
    )
    assert settings.document_brand("Someone else").legal_name == "q2c Inc."
    assert settings.document_brand(None) is settings.document_default_brand
    assert settings.document_page_size == "Letter"


@pytest.mark.parametrize(
    "brand",
    [
        {"display_name": "q2c", "color": "blue"},  # not a hex colour
        {"display_name": ""},
        {"display_name": "q2c", "logo_path": "/nonexistent/logo.png"},
        {"display_name": "q2c", "bank_details": {"iban": "DE02"}},  # no bank name
    ],
)
def test_a_malformed_brand_stops_the_service_from_starting(monkeypatch, brand):
    monkeypatch.setenv("DOCUMENT_BRANDS", json.dumps({"q2c GmbH": brand}))

    with pytest.raises(ValidationError):
        InvoiceSettings()
