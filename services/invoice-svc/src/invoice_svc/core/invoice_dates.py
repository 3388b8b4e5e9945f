"""When an invoice may be dated, and which due periods it may bill (docs/adr/0022).

Pure. Three rules keep an invoice run's dates coherent:

1. Its invoices fall due inside the business dates: the invoice date plus the longest payment
   term (`net_90`) is on or before 2199-12-31. Checked when the run is asked for (422), since
   which terms its invoices will have is known only once it bills.
2. Its invoice date lies within `MAX_DAYS_FROM_TARGET` days of its target date, before or after:
   a run for February's periods dated in 1900 or 2062 is a typo, refused when asked for (422).
3. A due period is billed only on an invoice that falls due on or after the period's start: an
   invoice is not dated before a period it bills by more than its payment term. Only the run
   knows its periods, so a period that would break this stays pending (`periods_deferred` on
   the run) for a later run with a later invoice date; the run goes on with the others.

The due date is the invoice date plus the term's days (`q2c_shared.billing.terms`), never before
the invoice date.
"""

from datetime import date, timedelta

from invoice_svc.core.drafting import DueCharge
from q2c_shared.billing.terms import PaymentTerm, due_date
from q2c_shared.bounds import EARLIEST_BUSINESS_DATE, LATEST_BUSINESS_DATE

LONGEST_TERM_DAYS = max(term.days for term in PaymentTerm)
"""The most days a payment term gives (net_90): the furthest an invoice falls due."""
LATEST_INVOICE_DATE = LATEST_BUSINESS_DATE - timedelta(days=LONGEST_TERM_DAYS)
"""The latest invoice date whose invoices all fall due inside the business dates (2199-10-02)."""
MAX_DAYS_FROM_TARGET = 366
"""How far (in days, a leap year) a run's invoice date may lie from its target date."""


class InvoiceDateRefused(ValueError):
    """An invoice date a run may not have; `code` is the problem's stable code, `field` the
    request field to blame."""

    def __init__(self, message: str, *, code: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def check_run_dates(*, target_date: date, invoice_date: date | None) -> date:
    """The invoice date of a run for `target_date` (the target date when none is given),
    checked against rules 1 and 2; raises `InvoiceDateRefused` otherwise."""
    field = "invoice_date" if invoice_date is not None else "target_date"
    dated = invoice_date if invoice_date is not None else target_date
    if dated > LATEST_INVOICE_DATE:
        raise InvoiceDateRefused(
            f"Invoices dated {dated} could fall due as late as "
            f"{dated + timedelta(days=LONGEST_TERM_DAYS)} ({LONGEST_TERM_DAYS} days, the longest "
            f"payment term), after {LATEST_BUSINESS_DATE}, the last business date: date them on "
            f"or before {LATEST_INVOICE_DATE}.",
            code="date_out_of_range",
            field=field,
        )
    if abs((dated - target_date).days) > MAX_DAYS_FROM_TARGET:
        raise InvoiceDateRefused(
            f"The invoice date {dated} is {abs((dated - target_date).days)} days from the target "
            f"date {target_date}; a run's invoices are dated within {MAX_DAYS_FROM_TARGET} days "
            "of its target date, before or after.",
            code="invoice_date_far_from_target_date",
            field=field,
        )
    return dated


def falls_due_in_range(invoice_date: date, payment_term: str) -> bool:
    """Whether an invoice so dated, with this term, is dated and falls due within the business
    dates (a draft written before these rules may not be; posting it would overflow or break
    `ck_invoices_business_dates`)."""
    days = PaymentTerm(payment_term).days
    return EARLIEST_BUSINESS_DATE <= invoice_date <= LATEST_BUSINESS_DATE - timedelta(days=days)


def may_bill(charge: DueCharge, *, invoice_date: date) -> bool:
    """Rule 3: whether an invoice dated `invoice_date` may bill the period: it falls due (by
    the period's payment term) on or after the period's start."""
    return charge.period_start <= due_date(invoice_date, charge.payment_term)


def billable_now(charges: list[DueCharge], *, invoice_date: date) -> tuple[list[DueCharge], int]:
    """The due periods an invoice dated `invoice_date` may bill, in their order, and how many it
    may not (they stay pending): `may_bill` for each."""
    due_by_term: dict[str, date] = {}  # a run's thousands of periods have a few terms
    billable: list[DueCharge] = []
    for charge in charges:
        due = due_by_term.get(charge.payment_term)
        if due is None:
            due = due_by_term[charge.payment_term] = due_date(invoice_date, charge.payment_term)
        if charge.period_start <= due:
            billable.append(charge)
    return billable, len(charges) - len(billable)
