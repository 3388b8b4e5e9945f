"""First billing dates: what a quote's lines would bill on their first billing dates.

The quote document takes its first invoices from invoice-svc's preview (split, dated and taxed
by the invoice generator itself); this is only for an amendment's change, which that preview
cannot yet cut on the period grid of the subscription it changes (docs/adr/0017). The same
period engine invoice-svc schedules with (`q2c_shared.billing.charges`), so the dates and
amounts never disagree with the billing schedule. Pure: lines in, dated amounts out.

Every line is cut into periods exactly as a billing schedule cuts it, by the one dispatch per
charge type (`q2c_shared.billing.charges`: recurring: prorated periods aligned to the billing
day, billable on their first day in advance or their last day in arrears; one-time: once, on
the start date; usage: nothing until consumption is rated). The
periods of all lines are then grouped by billable date. A date's amount is the sum of its
periods' amounts, each already rounded on its own, as invoice lines are. Tax is not included, and
the invoice split (bill-to, grouping) is not applied: one entry is one billing date.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from q2c_shared.billing import charges
from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, BillingPeriod, BillingType
from q2c_shared.money import zero


@dataclass(frozen=True)
class ChargeLine:
    """One line of a quote or order as the billing engine needs it."""

    line_id: str
    """The caller's name for the line (a quote line id); handed back on each charge."""
    charge_type: ChargeType
    billing_type: BillingType
    billing_frequency: BillingFrequency | None
    """Recurring lines only; none means monthly, as billing schedules assume."""
    start_date: date
    end_date: date
    """Inclusive: the last day of the term."""
    monthly_amount: Decimal | None = None
    """Recurring lines: the net amount per month."""
    amount: Decimal | None = None
    """One-time lines: the net amount, billed once."""
    grid_start: date | None = None
    """A change to a subscription (an amendment's line): the subscription's start, where the
    period grid the change is billed on begins. None: the line's own start."""


@dataclass(frozen=True)
class PreviewCharge:
    """One line's period billed on a preview date."""

    line_id: str
    period: BillingPeriod

    @property
    def amount(self) -> Decimal:
        return self.period.amount


@dataclass(frozen=True)
class PreviewInvoice:
    """What is billable on one date: the amount, and the lines' periods it is made of."""

    billable_date: date
    amount: Decimal
    charges: tuple[PreviewCharge, ...]


def first_invoices(
    lines: Iterable[ChargeLine],
    *,
    billing_day_of_month: int | None,
    currency: str,
    count: int = 3,
) -> list[PreviewInvoice]:
    """The first `count` billing dates of the lines, earliest first, each with its amount.

    Within a date, charges keep the order of `lines`. `billing_day_of_month` none means each
    recurring line's start day, as for a billing schedule.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    by_date: dict[date, list[PreviewCharge]] = defaultdict(list)
    for line in lines:
        for period in periods_of_line(
            line, billing_day_of_month=billing_day_of_month, currency=currency
        ):
            by_date[period.billable_date].append(PreviewCharge(line.line_id, period))
    return [
        PreviewInvoice(
            billable_date=billable_date,
            amount=sum((charge.amount for charge in by_date[billable_date]), zero(currency)),
            charges=tuple(by_date[billable_date]),
        )
        for billable_date in sorted(by_date)[:count]
    ]


def periods_of_line(
    line: ChargeLine, *, billing_day_of_month: int | None, currency: str
) -> list[BillingPeriod]:
    """The billing periods of one line, in date order, as `charges.billing_periods` cuts them
    (none for usage)."""
    try:
        return charges.billing_periods(
            charge_type=line.charge_type,
            start_date=line.start_date,
            end_date=line.end_date,
            monthly_amount=line.monthly_amount,
            amount=line.amount,
            billing_frequency=line.billing_frequency,
            billing_type=line.billing_type,
            currency=currency,
            billing_day_of_month=billing_day_of_month,
            grid_start=line.grid_start,
        )
    except charges.UnbillableCharge as refused:
        raise charges.UnbillableCharge(f"line {line.line_id}: {refused}") from None
