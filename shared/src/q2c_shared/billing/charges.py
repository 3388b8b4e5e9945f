"""What each charge type means: the one place that says it (CONTRACT.md, quote-svc and
invoice-svc: billing arithmetic).

- **recurring**: priced per month. A line carries a `monthly_amount`; over a term of N months it
  is worth monthly x N; it is billed in periods of its billing frequency, aligned to the
  billing day on its subscription's period grid (`periods.recurring_periods`).
- **one_time**: priced once. A line carries an `amount`, worth that amount over any term; it is
  billed once, on its start date (`periods.one_time_period`).
- **usage**: priced per unit consumed. A line shows its rate (the net unit price) and no amount,
  is worth nothing a quote can total, and gets no billing periods in advance: it is billed
  from rated consumption.

Quote pricing, the quote document and its first-invoice preview, and invoice-svc's billing
schedules all ask here, so none of them can read a charge type differently. Pure: no session,
no clock.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from q2c_shared.billing import periods
from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, BillingPeriod, BillingType


class UnbillableCharge(ValueError):
    """A charge lacks what its type needs to be billed (a recurring one without a monthly
    amount or an end date, a one-time one without an amount)."""


@dataclass(frozen=True)
class ChargeRule:
    """What one charge type means, for the code that has to branch on it."""

    charge_type: ChargeType
    recurs: bool
    """Billed every period of a billing frequency, priced per month."""
    metered: bool
    """Billed on consumption: a quote shows a rate, not an amount, and totals it as zero."""
    needs: tuple[str, ...]
    """The fields a charge of this type cannot be billed without (`billing_periods`)."""


_RULES = {
    ChargeType.RECURRING: ChargeRule(
        ChargeType.RECURRING, recurs=True, metered=False, needs=("monthly_amount", "end_date")
    ),
    ChargeType.ONE_TIME: ChargeRule(
        ChargeType.ONE_TIME, recurs=False, metered=False, needs=("amount",)
    ),
    ChargeType.USAGE: ChargeRule(ChargeType.USAGE, recurs=False, metered=True, needs=()),
}


def rule(charge_type: ChargeType | str) -> ChargeRule:
    """The rule of a charge type; an unknown one is a ValueError."""
    return _RULES[ChargeType(charge_type)]


@dataclass(frozen=True)
class LineAmounts:
    """A priced line's amounts as a quote or an order shows them."""

    monthly_amount: Decimal | None
    """Recurring: the net amount per month; otherwise none."""
    amount: Decimal | None
    """One-time: the net amount, billed once; otherwise none."""


def line_amounts(*, charge_type: ChargeType | str, net_amount: Decimal) -> LineAmounts:
    """Where a line's priced net amount goes: `monthly_amount` for recurring, `amount` for
    one-time, neither for usage (its rate is the net unit price; consumption decides)."""
    kind = rule(charge_type)
    if kind.recurs:
        return LineAmounts(monthly_amount=net_amount, amount=None)
    if kind.metered:
        return LineAmounts(monthly_amount=None, amount=None)
    return LineAmounts(monthly_amount=None, amount=net_amount)


def term_total(*, charge_type: ChargeType | str, net_amount: Decimal, term_months: int) -> Decimal:
    """What a line priced at `net_amount` is worth over a term of whole months.

    Recurring: the monthly amount x term months; one-time: the amount; usage: zero, in the
    amount's own decimals (`0.00`, or `0` in JPY), because a quote cannot know consumption.
    """
    if term_months < 1:
        raise ValueError(f"term_months must be at least 1, got {term_months}")
    kind = rule(charge_type)
    if kind.recurs:
        return net_amount * term_months
    if kind.metered:
        return net_amount * 0
    return net_amount


def billing_periods(
    *,
    charge_type: ChargeType | str,
    start_date: date,
    end_date: date | None,
    monthly_amount: Decimal | None,
    amount: Decimal | None,
    billing_frequency: BillingFrequency | str | None,
    billing_type: BillingType | str,
    currency: str,
    billing_day_of_month: int | None = None,
    grid_start: date | None = None,
) -> list[BillingPeriod]:
    """The billing periods of one charge (a quote line or an order product), in date order.

    - recurring: `periods.recurring_periods` from `start_date` to `end_date` (both included),
      periods of `billing_frequency` (none: monthly), each billable on its first day
      (`advance`) or its last (`arrears`), aligned to `billing_day_of_month` (none: the grid
      start's day) on the period grid that begins at `grid_start` (the subscription's start;
      none: `start_date`), so a change from mid-term is cut where the subscription was billed.
      Needs `monthly_amount` and `end_date`.
    - one_time: one period, billable on `start_date` (`periods.one_time_period`). Needs
      `amount`.
    - usage: none; consumption is rated into periods when it is recorded.

    A charge without what its type needs is an `UnbillableCharge` (a ValueError), never a
    charge quietly billed at nothing; the caller adds which charge it was.
    """
    kind = rule(charge_type)
    given = {"monthly_amount": monthly_amount, "end_date": end_date, "amount": amount}
    for name in kind.needs:
        if given[name] is None:
            raise UnbillableCharge(f"a {kind.charge_type.replace('_', '-')} charge has no {name}")
    if kind.recurs:
        assert monthly_amount is not None and end_date is not None
        return periods.recurring_periods(
            start_date=start_date,
            end_date=end_date,
            monthly_amount=monthly_amount,
            frequency=BillingFrequency(billing_frequency or BillingFrequency.MONTHLY),
            billing_type=BillingType(billing_type),
            currency=currency,
            billing_day_of_month=billing_day_of_month,
            grid_start=grid_start,
        )
    if kind.metered:
        return []
    assert amount is not None
    return [periods.one_time_period(start_date=start_date, amount=amount, currency=currency)]
