"""The invoice and credit note documents: an invoice and its seller's brand in, the PDF a
customer pays from out; a credit note, its bill-to and the brand in, the PDF that tells the
customer what was credited and why.

Pure apart from WeasyPrint: no database, no clock (every date comes from the document) and no
network. Every figure is written here in Python with the formatting quotes use
(`q2c_shared.documents.formatting`), so a quote and the invoices it becomes agree to the cent
and the templates only place strings. Both templates extend `_document.html.j2` and print with
`invoice.css`: a credit note looks like the invoice it credits.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import jinja2
import weasyprint
from weasyprint.urls import URLFetcher

from invoice_svc.bill_to_accounts.schemas import BillToPublic
from invoice_svc.credit_notes.schemas import CreditNotePublic
from invoice_svc.invoices.schemas import InvoicePublic
from invoice_svc.settings import BankDetails, DocumentBrand
from invoice_svc.statuses import CreditNoteStatus, InvoiceStatus, PaymentStatus
from q2c_shared.billing.catalog import InvoiceGrouping
from q2c_shared.documents import BASE_STYLESHEET
from q2c_shared.documents import formatting as fmt
from q2c_shared.documents.images import data_url

PageSize = Literal["A4", "Letter"]


def _stylesheet(name: str) -> str:
    return (resources.files("invoice_svc.documents") / "templates" / name).read_text(
        encoding="utf-8"
    )


_STYLESHEET = _stylesheet("invoice.css")
_CREDIT_NOTE_STYLESHEET = _stylesheet("credit_note.css")

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("invoice_svc.documents", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

_PAYMENT_STATUSES = {
    PaymentStatus.UNPAID: "Unpaid",
    PaymentStatus.PARTIALLY_PAID: "Partially paid",
    PaymentStatus.PAID: "Paid",
}

# What an invoice grouped by a rule was grouped on, worth printing for the customer's
# accounts payable; the other rules (separate, legal entity) say nothing they can match.
_GROUPING_LABELS = {
    InvoiceGrouping.PO_NUMBER: "PO number",
    InvoiceGrouping.CONTRACT_NUMBER: "Contract",
    InvoiceGrouping.ORDER: "Order",
    InvoiceGrouping.INVOICE_GROUP_ID: "Invoice group",
}


@dataclass(frozen=True)
class LineRow:
    description: str
    period: str
    quantity: str
    amount: str
    tax: str
    # Printed on credit notes only: the rate the credited tax was charged at.
    tax_rate: str = ""


@dataclass(frozen=True)
class Party:
    name: str
    lines: list[str] = field(default_factory=list)
    email: str | None = None
    meta: list[str] = field(default_factory=list)
    account_id: str | None = None


@dataclass(frozen=True)
class Detail:
    label: str
    value: str

    @property
    def long(self) -> bool:
        """Too long to sit beside its label (an order id): printed under it instead."""
        return len(self.value) > 18


def render_invoice_pdf(
    *, invoice: InvoicePublic, brand: DocumentBrand, page_size: PageSize = "A4"
) -> bytes:
    """The invoice as a PDF document. CPU-bound: call it off the event loop."""
    return _write_pdf(render_invoice_html(invoice=invoice, brand=brand, page_size=page_size))


def render_invoice_html(
    *, invoice: InvoicePublic, brand: DocumentBrand, page_size: PageSize = "A4"
) -> str:
    """The HTML the PDF is printed from (handy to inspect a layout in a browser)."""
    currency = invoice.currency
    draft = invoice.status == InvoiceStatus.DRAFT
    seller = brand.legal_name or invoice.legal_entity or brand.display_name
    number = invoice.number if invoice.number and not draft else "DRAFT"
    title = "Draft invoice" if draft else f"Invoice {number}"
    return _ENVIRONMENT.get_template("invoice.html.j2").render(
        brand=_brand(brand),
        page_size=page_size,
        title=title,
        draft=draft,
        number=number,
        status="Not yet issued" if draft else _PAYMENT_STATUSES[invoice.payment_status],
        status_class="draft" if draft else str(invoice.payment_status),
        seller=_seller(seller, brand),
        bill_to=_bill_to(invoice.bill_to, invoice.account_id),
        details=_details(invoice),
        amount_due={
            "amount": fmt.money_with_currency(invoice.balance, currency),
            "due": fmt.day(invoice.due_date),
            "settled": invoice.balance <= 0 and not draft,
        },
        lines=[
            LineRow(
                description=line.description,
                period=fmt.period(line.period_start, line.period_end),
                quantity=fmt.quantity(line.quantity),
                amount=fmt.money(line.amount, currency),
                tax=fmt.money(line.tax_amount, currency),
            )
            for line in invoice.lines
        ],
        tax_rates=False,
        note=_amounts_note(invoice),
        totals=[
            ("Subtotal", fmt.money(invoice.subtotal, currency), ""),
            ("Tax", fmt.money(invoice.tax_total, currency), ""),
            ("Total", fmt.money_with_currency(invoice.total, currency), "total"),
            ("Amount paid", fmt.money(invoice.amount_paid, currency), ""),
            ("Balance due", fmt.money_with_currency(invoice.balance, currency), "grand"),
        ],
        payment=_payment(brand.bank_details, seller=seller, number=number, draft=draft),
        footer=brand.footer or f"{seller} · {title}",
    )


def pdf_filename(invoice: InvoicePublic) -> str:
    """`INV-000123.pdf`; a draft has no number yet: `draft-<id>.pdf`."""
    if invoice.status == InvoiceStatus.DRAFT or not invoice.number:
        return f"draft-{invoice.id}.pdf"
    return f"{invoice.number}.pdf"


def render_credit_note_pdf(
    *,
    credit_note: CreditNotePublic,
    bill_to: BillToPublic | None,
    brand: DocumentBrand,
    page_size: PageSize = "A4",
) -> bytes:
    """The credit note as a PDF document. CPU-bound: call it off the event loop."""
    html = render_credit_note_html(
        credit_note=credit_note, bill_to=bill_to, brand=brand, page_size=page_size
    )
    return _write_pdf(html, _CREDIT_NOTE_STYLESHEET)


def render_credit_note_html(
    *,
    credit_note: CreditNotePublic,
    bill_to: BillToPublic | None,
    brand: DocumentBrand,
    page_size: PageSize = "A4",
) -> str:
    """The HTML the credit note's PDF is printed from. `bill_to` is the read model's account
    (None until its first account event): a credit note, unlike an invoice, carries none."""
    currency = credit_note.currency
    draft = credit_note.status == CreditNoteStatus.DRAFT
    seller = brand.legal_name or credit_note.legal_entity or brand.display_name
    number = credit_note.number if credit_note.number and not draft else "DRAFT"
    title = "Draft credit note" if draft else f"Credit note {number}"
    return _ENVIRONMENT.get_template("credit_note.html.j2").render(
        brand=_brand(brand),
        page_size=page_size,
        title=title,
        draft=draft,
        number=number,
        # An issued credit note is final and has nothing to pay: no badge to show.
        status="Not yet issued" if draft else None,
        status_class="draft",
        seller=_seller(seller, brand),
        bill_to=_bill_to(bill_to, credit_note.account_id),
        details=[
            Detail("Issue date", fmt.day(credit_note.issue_date)),
            Detail("Currency", currency),
            *_grouping_details(credit_note.grouping or {}),
        ],
        credited={
            "amount": fmt.money_with_currency(credit_note.total, currency),
            "against": (
                f"Credits invoice {credit_note.invoice_number}"
                if credit_note.invoice_number
                # An invoice run's credit note: credits outweighed a bill-to's charges.
                else "Credit to your account"
            ),
        },
        reason=credit_note.reason,
        lines=[
            LineRow(
                description=line.description,
                period=fmt.period(line.period_start, line.period_end),
                quantity=fmt.quantity(line.quantity),
                amount=fmt.money(line.amount, currency),
                tax=fmt.money(line.tax_amount, currency),
                tax_rate=(
                    fmt.percent(line.tax_rate_percent)
                    if line.tax_rate_percent is not None
                    else "\N{EN DASH}"
                ),
            )
            for line in credit_note.lines
        ],
        tax_rates=True,
        note=_credited_amounts_note(credit_note),
        totals=[
            ("Subtotal", fmt.money(credit_note.subtotal, currency), ""),
            ("Tax", fmt.money(credit_note.tax_total, currency), ""),
            ("Total credited", fmt.money_with_currency(credit_note.total, currency), "grand"),
        ],
        footer=brand.footer or f"{seller} · {title}",
    )


def credit_note_pdf_filename(credit_note: CreditNotePublic) -> str:
    """`CN-000123.pdf`; a draft has no number yet: `credit-note-draft-<id>.pdf`."""
    if credit_note.status == CreditNoteStatus.DRAFT or not credit_note.number:
        return f"credit-note-draft-{credit_note.id}.pdf"
    return f"{credit_note.number}.pdf"


def _write_pdf(html: str, *stylesheets: str) -> bytes:
    """The document printed with the shared base, invoice.css and its own `stylesheets`."""
    # Only data: URLs (the embedded logo) may be loaded: a document never fetches anything.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[
            weasyprint.CSS(string=css, url_fetcher=fetcher)
            for css in (BASE_STYLESHEET, _STYLESHEET, *stylesheets)
        ]
    )


def _brand(brand: DocumentBrand) -> dict[str, str | None]:
    return {
        "name": brand.display_name,
        "color": brand.color,
        # Embedded, so rendering never reads a URL.
        "logo": data_url(brand.logo_path) if brand.logo_path is not None else None,
    }


def _seller(name: str, brand: DocumentBrand) -> Party:
    meta = [f"{brand.tax_id_label} {brand.tax_id}"] if brand.tax_id else []
    return Party(name=name, lines=list(brand.address_lines), email=brand.email, meta=meta)


def _bill_to(account: BillToPublic | None, account_id: uuid.UUID) -> Party:
    if account is None:
        # No account event has reached invoice-svc yet: the id is what AR can look it up by.
        return Party(name="Customer account", account_id=str(account_id))
    return Party(
        name=account.name,
        lines=fmt.address_lines(account.billing_address),
        email=account.email,
    )


def _details(invoice: InvoicePublic) -> list[Detail]:
    return [
        Detail("Invoice date", fmt.day(invoice.invoice_date)),
        Detail("Due date", fmt.day(invoice.due_date)),
        Detail("Payment terms", fmt.payment_term(invoice.payment_term)),
        Detail("Currency", invoice.currency),
        *_grouping_details(invoice.grouping),
    ]


def _grouping_details(grouping: Mapping[str, Any]) -> list[Detail]:
    rule, value = grouping.get("invoice_grouping"), grouping.get("grouping_value")
    label = _GROUPING_LABELS.get(rule) if isinstance(rule, str) else None
    return [Detail(label, str(value))] if label is not None and value else []


def _amounts_note(invoice: InvoicePublic) -> str:
    if invoice.bill_to is not None and invoice.bill_to.tax_exempt:
        return f"Amounts in {invoice.currency}. The customer is exempt from tax: no tax is charged."
    return f"Amounts in {invoice.currency}."


def _credited_amounts_note(credit_note: CreditNotePublic) -> str:
    # Not the bill-to's exemption today: the tax credited is the tax the invoice charged.
    note = f"Amounts in {credit_note.currency}. Tax is credited at the rate it was charged at."
    if any(line.amount < 0 for line in credit_note.lines):
        note += " A negative amount is a charge netted against the credit."
    return note


def _payment(
    bank: BankDetails | None, *, seller: str, number: str, draft: bool
) -> dict[str, object] | None:
    if bank is None:
        return None
    rows = [
        ("Account holder", bank.account_holder or seller),
        ("Bank", bank.bank_name),
        ("IBAN", bank.iban),
        ("Account number", bank.account_number),
        ("Sort code", bank.sort_code),
        ("Routing number", bank.routing_number),
        ("BIC / SWIFT", bank.swift_bic),
        ("Reference", None if draft else number),
    ]
    if draft:
        hint = "This is a draft, not a request for payment: please do not pay it yet."
    else:
        # str.replace, not str.format: the hint is configuration and may hold other braces.
        hint = bank.payment_reference_hint.replace("{number}", number)
    return {"rows": [(label, value) for label, value in rows if value], "hint": hint}
