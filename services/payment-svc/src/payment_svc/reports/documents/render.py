"""The customer statement document: a statement and the sender's brand in, the PDF a finance
team sends its customer out.

Pure apart from WeasyPrint: no database, no clock (the statement is dated its period's last
day) and no network. Every figure is written here with the formatting q2c's quotes and invoices
use (`q2c_shared.documents.formatting`), so the template only places strings.
"""

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Literal

import jinja2
import weasyprint
from weasyprint.urls import URLFetcher

from payment_svc.reports.documents.brand import StatementBrand
from payment_svc.reports.schemas import CustomerStatement
from q2c_shared.documents import BASE_STYLESHEET
from q2c_shared.documents import formatting as fmt
from q2c_shared.documents.images import data_url

PageSize = Literal["A4", "Letter"]

_STYLESHEET = (
    resources.files("payment_svc.reports.documents") / "templates" / "statement.css"
).read_text(encoding="utf-8")

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("payment_svc.reports.documents", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Row:
    date: str
    description: str
    due: str
    charge: str
    credit: str
    balance: str


def render_statement_pdf(
    *, statement: CustomerStatement, brand: StatementBrand, page_size: PageSize = "A4"
) -> bytes:
    """The statement as a PDF document. CPU-bound: call it off the event loop."""
    html = render_statement_html(statement=statement, brand=brand, page_size=page_size)
    # Only data: URLs (the embedded logo) may be loaded: a document never fetches anything.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[
            weasyprint.CSS(string=BASE_STYLESHEET, url_fetcher=fetcher),
            weasyprint.CSS(string=_STYLESHEET, url_fetcher=fetcher),
        ]
    )


def render_statement_html(
    *, statement: CustomerStatement, brand: StatementBrand, page_size: PageSize = "A4"
) -> str:
    """The HTML the PDF is printed from (handy to inspect a layout in a browser)."""
    currency = statement.currency
    sender = brand.legal_name or brand.display_name
    period = fmt.period(statement.period_start, statement.period_end)
    closing = statement.closing_balance
    aging = statement.aging
    return _ENVIRONMENT.get_template("statement.html.j2").render(
        brand={
            "name": brand.display_name,
            "color": brand.color,
            "logo": data_url(brand.logo_path) if brand.logo_path is not None else None,
        },
        page_size=page_size,
        title=f"Statement of account, {period}",
        period=period,
        sender={"name": sender, "lines": brand.address_lines, "email": brand.email},
        customer={
            "name": statement.name or "Customer account",
            "email": statement.email,
            "account_id": str(statement.account_id),
        },
        details=[
            ("Statement date", fmt.day(statement.period_end)),
            ("Period from", fmt.day(statement.period_start)),
            ("Currency", currency),
        ],
        balance={
            "label": "Balance due"
            if closing > 0
            else "Credit balance"
            if closing < 0
            else "Balance",
            "amount": fmt.money_with_currency(abs(closing), currency),
            "when": f"as of {fmt.day(statement.period_end)}",
            "note": _balance_note(closing),
            "kind": "due" if closing > 0 else "settled",
        },
        summary=[
            (
                f"Opening balance on {fmt.day(statement.period_start)}",
                _signed(statement.opening_balance, currency),
                "",
            ),
            ("Invoices", fmt.money(statement.totals.invoiced, currency), ""),
            ("Credit notes", _minus(statement.totals.credited, currency), ""),
            ("Payments received", _minus(statement.totals.paid, currency), ""),
            ("Refunds", fmt.money(statement.totals.refunded, currency), ""),
            (
                f"Closing balance on {fmt.day(statement.period_end)}",
                fmt.money_with_currency(closing, currency),
                "grand",
            ),
        ],
        opening=_signed(statement.opening_balance, currency),
        rows=[
            Row(
                date=fmt.day(entry.entry_date),
                description=entry.description,
                due=fmt.day(entry.due_date) if entry.due_date else "",
                charge=fmt.money(entry.amount, currency) if entry.amount > 0 else "",
                credit=fmt.money(-entry.amount, currency) if entry.amount < 0 else "",
                balance=_signed(entry.balance, currency),
            )
            for entry in statement.entries
        ],
        closing=_signed(closing, currency),
        currency=currency,
        aging=[
            ("Current", fmt.money(aging.current, currency), ""),
            ("1–30 days past due", fmt.money(aging.days_1_30, currency), _late(aging.days_1_30)),
            ("31–60 days past due", fmt.money(aging.days_31_60, currency), _late(aging.days_31_60)),
            ("61–90 days past due", fmt.money(aging.days_61_90, currency), _late(aging.days_61_90)),
            ("Over 90 days past due", fmt.money(aging.over_90, currency), _late(aging.over_90)),
            ("Total open", fmt.money_with_currency(aging.total, currency), "grand"),
        ],
        overdue=aging.total - aging.current > 0,
        unapplied_credit=(
            fmt.money_with_currency(statement.unapplied_credit, currency)
            if statement.unapplied_credit > 0
            else None
        ),
        payment_instructions=brand.payment_instructions,
        contact=brand.email,
        footer=brand.footer or f"{sender} · Statement of account · {period}",
    )


def pdf_filename(statement: CustomerStatement) -> str:
    """`statement-<account id>-<from>-<to>.pdf`."""
    return (
        f"statement-{statement.account_id}-{statement.period_start.isoformat()}"
        f"-{statement.period_end.isoformat()}.pdf"
    )


def _signed(amount: Decimal, currency: str) -> str:
    """A balance: `1,234.50`, or `(1,234.50)` in the customer's favour, as statements show
    credit balances."""
    return f"({fmt.money(-amount, currency)})" if amount < 0 else fmt.money(amount, currency)


def _minus(amount: Decimal, currency: str) -> str:
    return f"−{fmt.money(amount, currency)}" if amount else fmt.money(amount, currency)


def _late(amount: Decimal) -> str:
    """Overdue amounts stand out; an empty bucket does not."""
    return "late" if amount > 0 else ""


def _balance_note(closing: Decimal) -> str:
    if closing > 0:
        return (
            "Please pay the balance due. If you have paid it already, thank you: please "
            "disregard this statement."
        )
    if closing < 0:
        return "Your account is in credit: it pays your next invoices, or ask us to refund it."
    return "Your account is settled. Thank you."
