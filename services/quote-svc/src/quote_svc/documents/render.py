"""The quote document: a quote and its account in, a signable, branded PDF out.

Pure apart from WeasyPrint: no database, no clock (every date comes from the quote), and no
network. Every figure is written here in Python, so the template only places strings. The
"First invoices" are invoice-svc's own drafts (`first_invoices`: split, dated and taxed by the
code of an invoice run, credit notes where credits outweigh charges), handed in by the caller,
so the document never promises what the invoices will not say.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources

import jinja2
import weasyprint
from weasyprint.urls import URLFetcher

from q2c_shared.billing import charges
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.documents import BASE_STYLESHEET
from q2c_shared.documents import formatting as fmt
from q2c_shared.documents.images import data_url
from quote_svc.accounts.schemas import AccountPublic
from quote_svc.documents.first_invoices import FirstDocument
from quote_svc.documents.invoice_client import PreviewedCreditNote
from quote_svc.quotes.schemas import QuoteLinePublic, QuotePublic
from quote_svc.settings import QuoteSettings
from quote_svc.statuses import QuoteStatus

_STYLESHEET = (resources.files("quote_svc.documents") / "templates" / "quote.css").read_text(
    encoding="utf-8"
)

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("quote_svc.documents", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# A quote that is not (yet) an offer must not be mistaken for one when it is printed or sent.
_WATERMARKS = {
    QuoteStatus.DRAFT: "DRAFT",
    QuoteStatus.IN_REVIEW: "DRAFT",
    QuoteStatus.REJECTED: "REJECTED",
}

_TITLES = {"amendment": "Amendment quote", "renewal": "Renewal quote"}


@dataclass(frozen=True)
class LineRow:
    name: str
    sku: str
    billing: str
    quantity: str
    list_unit_price: str
    discount: str
    net_unit_price: str
    monthly_amount: str
    one_time_amount: str
    term_total: str


@dataclass(frozen=True)
class ChargeRow:
    name: str
    period: str
    amount: str
    tax_rate: str
    tax: str


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice, or a credit note (`credit`: its date is the issue date, it has no due date
    and its amounts are shown as credits)."""

    credit: bool
    invoice_date: str
    due_date: str
    bill_to: str
    split: str | None
    charges: list[ChargeRow]
    subtotal: str
    tax_label: str
    tax_total: str
    total: str


def render_quote_pdf(
    *,
    quote: QuotePublic,
    account: AccountPublic,
    settings: QuoteSettings,
    first_invoices: Sequence[FirstDocument],
    bill_to_names: Mapping[uuid.UUID, str] | None = None,
) -> bytes:
    """The quote as a PDF document. CPU-bound: call it off the event loop.

    `first_invoices`: invoice-svc's drafts of the invoices (and credit notes, where an
    amendment's credits outweigh its charges) of its first billing dates, date by date;
    `bill_to_names`: the names of the accounts they bill, by id (the quote's account is known by
    its own).
    """
    html = render_quote_html(
        quote=quote,
        account=account,
        settings=settings,
        first_invoices=first_invoices,
        bill_to_names=bill_to_names,
    )
    # Only data: URLs (the embedded logo) may be loaded: a document never fetches anything.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[
            weasyprint.CSS(string=BASE_STYLESHEET, url_fetcher=fetcher),
            weasyprint.CSS(string=_STYLESHEET, url_fetcher=fetcher),
        ]
    )


def render_quote_html(
    *,
    quote: QuotePublic,
    account: AccountPublic,
    settings: QuoteSettings,
    first_invoices: Sequence[FirstDocument],
    bill_to_names: Mapping[uuid.UUID, str] | None = None,
) -> str:
    """The HTML the PDF is printed from (handy to inspect a layout in a browser)."""
    currency = quote.currency
    seller = quote.legal_entity or settings.document_default_legal_entity
    names = {account.id: account.name, **(bill_to_names or {})}
    return _ENVIRONMENT.get_template("quote.html.j2").render(
        brand={
            "name": settings.document_brand_name,
            "color": settings.document_brand_color,
            "logo": _logo(settings),
        },
        page_size=settings.document_page_size,
        title=_TITLES.get(quote.type, "Quote"),
        watermark=_WATERMARKS.get(quote.status),
        seller={
            "name": seller,
            "details": _non_blank_lines(settings.document_seller_details),
        },
        customer={
            "name": account.name,
            "address": fmt.address_lines(account.billing_address),
            "email": account.email,
        },
        quote=quote,
        status=quote.status.replace("_", " ").capitalize(),
        details=_details(quote),
        lines=[_line_row(line, currency) for line in quote.lines],
        totals={
            "one_time": fmt.money_with_currency(quote.one_time_total, currency),
            "monthly": fmt.money_with_currency(quote.monthly_recurring_total, currency),
            "contract_value": fmt.money_with_currency(quote.total_contract_value, currency),
        },
        pricing_note=_pricing_note(quote),
        first_invoices=[_invoice_row(document, names) for document in first_invoices],
        billing_dates=len({_date_of(document) for document in first_invoices}),
        terms=_non_blank_lines(settings.document_terms),
        footer=settings.document_footer or f"{seller} · {quote.number}",
    )


def _details(quote: QuotePublic) -> list[list[tuple[str, str]]]:
    """The quote's facts in two rows: the offer itself, then the subscription's dates."""
    billing_day = quote.billing_day_of_month or quote.start_date.day
    return [
        [
            ("Quote date", fmt.day(quote.created_at.date())),
            ("Valid until", fmt.day(quote.expires_on) if quote.expires_on else "—"),
            ("Payment terms", fmt.payment_term(quote.payment_term)),
            ("PO number", quote.po_number or "—"),
        ],
        [
            ("Start date", fmt.day(quote.start_date)),
            ("End date", fmt.day(quote.end_date)),
            ("Term", fmt.months(quote.term_months)),
            ("Billing day", f"{fmt.ordinal(billing_day)} of the month"),
        ],
    ]


def _line_row(line: QuoteLinePublic, currency: str) -> LineRow:
    if line.discount_percent:
        discount = fmt.percent(line.discount_percent)
    elif line.discount_amount:
        discount = f"{fmt.money(line.discount_amount, currency)}/unit"
    else:
        discount = "—"
    # Each amount is where charges.line_amounts put it: monthly (recurring), once (one-time),
    # neither (usage, sold at a rate).
    monthly_amount, one_time_amount = line.monthly_amount, line.amount
    billing = _billing_label(line)
    quantity = fmt.quantity(line.quantity)
    if line.quantity_delta is not None:
        # An amendment line is priced on the change, so the change is the quantity shown.
        quantity = ("+" if line.quantity_delta > 0 else "") + fmt.quantity(line.quantity_delta)
        billing = f"{billing} · new total {fmt.quantity(line.quantity)}"
    return LineRow(
        name=line.product_name,
        sku=line.sku,
        billing=billing,
        quantity=quantity,
        list_unit_price=fmt.money(line.list_unit_price, currency),
        discount=discount,
        net_unit_price=fmt.money(line.net_unit_price, currency),
        monthly_amount="" if monthly_amount is None else fmt.money(monthly_amount, currency),
        one_time_amount="" if one_time_amount is None else fmt.money(one_time_amount, currency),
        # Usage is billed on what is consumed: a quote cannot total it (charges.term_total).
        term_total="—"
        if charges.rule(line.charge_type).metered
        else fmt.money(line.net_total, currency),
    )


_BILLED_EVERY = {
    BillingFrequency.MONTHLY: "monthly",
    BillingFrequency.QUARTERLY: "quarterly",
    BillingFrequency.SEMIANNUAL: "every six months",
    BillingFrequency.ANNUAL: "annually",
}


def _billing_label(line: QuoteLinePublic) -> str:
    rule = charges.rule(line.charge_type)
    if rule.recurs:
        every = _BILLED_EVERY[BillingFrequency(line.billing_frequency or "monthly")]
        timing = "in advance" if line.billing_type == BillingType.ADVANCE else "in arrears"
        return f"Billed {every} {timing}"
    if rule.metered:
        return "Usage, billed as consumed"
    return "One-time fee"


def _pricing_note(quote: QuotePublic) -> str:
    rules = [charges.rule(line.charge_type) for line in quote.lines]
    sentences = [f"Amounts in {quote.currency}, before tax."]
    if any(rule.recurs for rule in rules):
        sentences.append("Recurring prices are per unit per month.")
    if any(rule.metered for rule in rules):
        sentences.append("Usage is billed as consumed and is not in the totals.")
    return " ".join(sentences)


_SPLIT_BY = {
    "contract_number": "Contract {value}",
    "order": "Its own order",
    "po_number": "PO {value}",
    "legal_entity": "Billed by {value}",
    "separate": "Invoiced on its own",
    "invoice_group_id": "Invoice group {value}",
}
"""Why an invoice stands apart from the bill-to's others, by the invoice grouping it has."""


def _invoice_row(document: FirstDocument, names: Mapping[uuid.UUID, str]) -> InvoiceRow:
    """An invoice as it will be billed, or a credit note with its amounts shown as credits."""
    currency = document.currency
    credit = isinstance(document, PreviewedCreditNote)

    def shown(amount: Decimal) -> str:
        return fmt.money(-amount if credit and amount else amount, currency)

    rates = sorted({line.tax_rate_percent for line in document.lines} - {None})
    rule = document.grouping.get("invoice_grouping")
    return InvoiceRow(
        credit=credit,
        invoice_date=fmt.day(_date_of(document)),
        due_date="—" if credit else fmt.day(document.due_date),
        bill_to=names.get(document.account_id, str(document.account_id)),
        split=(
            _SPLIT_BY[rule].format(value=document.grouping.get("grouping_value") or "none")
            if rule in _SPLIT_BY
            else None
        ),
        charges=[
            ChargeRow(
                name=line.description,
                period=fmt.period(line.period_start, line.period_end),
                amount=shown(line.amount),
                tax_rate="—"
                if line.tax_rate_percent is None
                else fmt.percent(line.tax_rate_percent),
                tax=shown(line.tax_amount),
            )
            for line in document.lines
        ],
        subtotal=shown(document.subtotal),
        tax_label=" ".join(["Tax", ", ".join(fmt.percent(rate) for rate in rates)]).strip(),
        tax_total=shown(document.tax_total),
        total=fmt.money_with_currency(-document.total if credit else document.total, currency),
    )


def _date_of(document: FirstDocument) -> date:
    return (
        document.issue_date if isinstance(document, PreviewedCreditNote) else document.invoice_date
    )


def _non_blank_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _logo(settings: QuoteSettings) -> str | None:
    """The logo embedded in the document, so rendering never reads a URL."""
    path = settings.document_logo_path
    return data_url(path) if path is not None else None
