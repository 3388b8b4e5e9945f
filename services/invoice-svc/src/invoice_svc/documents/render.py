"""The invoice document: an invoice and its seller's brand in, the PDF a customer pays from out.

Pure apart from WeasyPrint: no database, no clock (every date comes from the invoice) and no
network. Every figure is written here in Python with the formatting quotes use
(`q2c_shared.documents.formatting`), so a quote and the invoices it becomes agree to the cent
and the template only places strings.
"""

from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import jinja2
import weasyprint
from weasyprint.urls import URLFetcher

from invoice_svc.schemas import InvoicePublic, InvoiceStatus, PaymentStatus
from invoice_svc.settings import BankDetails, DocumentBrand
from q2c_shared.billing.catalog import InvoiceGrouping
from q2c_shared.documents import BASE_STYLESHEET
from q2c_shared.documents import formatting as fmt
from q2c_shared.documents.images import data_url

PageSize = Literal["A4", "Letter"]

_STYLESHEET = (resources.files("invoice_svc.documents") / "templates" / "invoice.css").read_text(
    encoding="utf-8"
)

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
    html = render_invoice_html(invoice=invoice, brand=brand, page_size=page_size)
    # Only data: URLs (the embedded logo) may be loaded: a document never fetches anything.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[
            weasyprint.CSS(string=BASE_STYLESHEET, url_fetcher=fetcher),
            weasyprint.CSS(string=_STYLESHEET, url_fetcher=fetcher),
        ]
    )


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
        brand={
            "name": brand.display_name,
            "color": brand.color,
            # Embedded, so rendering never reads a URL.
            "logo": data_url(brand.logo_path) if brand.logo_path is not None else None,
        },
        page_size=page_size,
        title=title,
        draft=draft,
        number=number,
        status="Not yet issued" if draft else _PAYMENT_STATUSES[invoice.payment_status],
        status_class="draft" if draft else str(invoice.payment_status),
        seller=_seller(seller, brand),
        bill_to=_bill_to(invoice),
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
        currency=currency,
        totals=[
            ("Subtotal", fmt.money(invoice.subtotal, currency), ""),
            ("Tax", fmt.money(invoice.tax_total, currency), ""),
            ("Total", fmt.money_with_currency(invoice.total, currency), "total"),
            ("Amount paid", fmt.money(invoice.amount_paid, currency), ""),
            ("Balance due", fmt.money_with_currency(invoice.balance, currency), "grand"),
        ],
        tax_note=_tax_note(invoice),
        payment=_payment(brand.bank_details, seller=seller, number=number, draft=draft),
        footer=brand.footer or f"{seller} · {title}",
    )


def pdf_filename(invoice: InvoicePublic) -> str:
    """`INV-000123.pdf`; a draft has no number yet: `draft-<id>.pdf`."""
    if invoice.status == InvoiceStatus.DRAFT or not invoice.number:
        return f"draft-{invoice.id}.pdf"
    return f"{invoice.number}.pdf"


def _seller(name: str, brand: DocumentBrand) -> Party:
    meta = [f"{brand.tax_id_label} {brand.tax_id}"] if brand.tax_id else []
    return Party(name=name, lines=list(brand.address_lines), email=brand.email, meta=meta)


def _bill_to(invoice: InvoicePublic) -> Party:
    account = invoice.bill_to
    if account is None:
        # No account event has reached invoice-svc yet: the id is what AR can look it up by.
        return Party(name="Customer account", account_id=str(invoice.account_id))
    return Party(
        name=account.name,
        lines=fmt.address_lines(account.billing_address),
        email=account.email,
    )


def _details(invoice: InvoicePublic) -> list[Detail]:
    details = [
        Detail("Invoice date", fmt.day(invoice.invoice_date)),
        Detail("Due date", fmt.day(invoice.due_date)),
        Detail("Payment terms", fmt.payment_term(invoice.payment_term)),
        Detail("Currency", invoice.currency),
    ]
    rule, value = invoice.grouping.get("invoice_grouping"), invoice.grouping.get("grouping_value")
    label = _GROUPING_LABELS.get(rule) if isinstance(rule, str) else None
    if label is not None and value:
        details.append(Detail(label, str(value)))
    return details


def _tax_note(invoice: InvoicePublic) -> str | None:
    if invoice.bill_to is not None and invoice.bill_to.tax_exempt:
        return "The customer is exempt from tax: no tax is charged."
    return None


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
