"""Billing periods: how a recurring charge is cut into billable, prorated periods.

The one engine behind quote previews, billing schedules, invoice runs and amendment deltas, so
that a preview never disagrees with the bill. Pure: dates and decimals in, periods out.

The rules (CONTRACT.md, "invoice-svc: billing arithmetic"):

- **Term.** A term of N months from a start date ends the day before the start's day recurs N
  months later, that day clamped to the month's last day: 2026-01-15 + 12 months ends 2027-01-14;
  2026-01-31 + 1 month ends 2026-02-27 (the 31st clamps to 02-28). This is exactly the billing
  boundary N months on when the billing day is the start's day, so a whole-month term billed on
  its own start day is whole periods, with nothing prorated.
- **Billing day D** (1..31, default the start date's day). In each month the boundary is day D,
  clamped to that month's last day, always from D itself and never from the previous boundary:
  D=31 gives Jan 31, Feb 28 (29 in a leap year), Mar 31, not Mar 28.
- **Boundaries.** The first is the first date on or after the start whose day is D (clamped);
  the later ones fall every N months after it (monthly 1, quarterly 3, semiannual 6, annual 12).
  A *whole period* runs from one boundary to the day before the next.
- **Periods.** The whole periods intersected with [start date, end date]. A leading or trailing
  part is prorated: full-period amount x (days in the part / days of the whole period that
  contains it), where full-period amount = monthly amount x N. Each period's amount is rounded
  half-up to the currency's minor units on its own.
- **Billable date.** ``advance``: the period's first day; ``arrears``: its last day.
  A one-time charge is billable once, on its start date.

An amendment delta is the same computation on the subscription's own period grid: start on the
amendment date (mid-period is fine), end on the contract end, with the contract's billing day and
the boundaries counted from the subscription's start (``grid_start``), not from the amendment's.
So a quarterly subscription billed Feb/May/Aug/Nov changed on 05-16 gets 05-16..07-31 prorated
against May-July, then whole quarters on the same grid: exactly the days billed before. A negative
delta (fewer seats) has a negative monthly amount and gives the exact mirror image: credits for
the same days, rounded half-up away from zero just as the charges are, so +1 and -1 seat cancel
to the cent.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from q2c_shared.money import round_money

_ONE_DAY = timedelta(days=1)


class BillingFrequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        """How many months one whole billing period spans."""
        return _MONTHS_PER_PERIOD[self]


_MONTHS_PER_PERIOD: dict[BillingFrequency, int] = {
    BillingFrequency.MONTHLY: 1,
    BillingFrequency.QUARTERLY: 3,
    BillingFrequency.SEMIANNUAL: 6,
    BillingFrequency.ANNUAL: 12,
}


class BillingType(StrEnum):
    ADVANCE = "advance"
    ARREARS = "arrears"


@dataclass(frozen=True)
class BillingPeriod:
    period_start: date
    period_end: date
    """Inclusive: the period's last billed day."""
    billable_date: date
    amount: Decimal
    """Rounded to the currency's minor units."""
    days: int
    """Days from `period_start` to `period_end`, both included."""
    full_period_days: int
    """Days of the whole N-month period that contains this one: the proration denominator."""
    prorated: bool


def term_end_date(start_date: date, term_months: int) -> date:
    """The last day of a term of `term_months` months starting on `start_date` (see the rules)."""
    if term_months < 1:
        raise ValueError(f"term_months must be at least 1, got {term_months}")
    return _billing_day_in(_month_index(start_date) + term_months, start_date.day) - _ONE_DAY


def months_covering(start_date: date, end_date: date) -> int:
    """The fewest whole months from `start_date` whose term reaches `end_date` (rounded up).

    The term length shown for a co-terminated amendment: from 2026-03-10 to 2027-01-14 is 11
    (10 months end on 2027-01-09). For a term made by `term_end_date` it gives that term back.
    """
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")
    months = max(1, _month_index(end_date) - _month_index(start_date))
    while months > 1 and term_end_date(start_date, months - 1) >= end_date:
        months -= 1
    while term_end_date(start_date, months) < end_date:
        months += 1
    return months


def recurring_periods(
    *,
    start_date: date,
    end_date: date,
    monthly_amount: Decimal,
    frequency: BillingFrequency,
    billing_type: BillingType,
    currency: str,
    billing_day_of_month: int | None = None,
    grid_start: date | None = None,
) -> list[BillingPeriod]:
    """The billing periods of a recurring charge from `start_date` to `end_date`, both included.

    `grid_start` is where the subscription's period grid starts (its own start date, the
    default being `start_date`): boundaries fall on the billing day (default: the grid start's
    day) every N months counted from the first boundary on or after it, so a change from
    mid-term keeps the subscription's grid.
    """
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")
    grid_start = start_date if grid_start is None else grid_start
    if grid_start > start_date:
        raise ValueError(f"grid_start {grid_start} is after start_date {start_date}")
    billing_day = grid_start.day if billing_day_of_month is None else billing_day_of_month
    if not 1 <= billing_day <= 31:
        raise ValueError(f"billing_day_of_month must be between 1 and 31, got {billing_day}")
    months_per_period = BillingFrequency(frequency).months
    billing_type = BillingType(billing_type)
    full_period_amount = monthly_amount * months_per_period

    periods: list[BillingPeriod] = []
    whole_start = _whole_period_start_containing(
        start_date, _first_boundary(grid_start, billing_day), billing_day, months_per_period
    )
    while whole_start <= end_date:
        next_whole_start = _billing_day_in(
            _month_index(whole_start) + months_per_period, billing_day
        )
        period_start = max(whole_start, start_date)
        period_end = min(next_whole_start - _ONE_DAY, end_date)
        days = _days_inclusive(period_start, period_end)
        full_period_days = (next_whole_start - whole_start).days
        periods.append(
            BillingPeriod(
                period_start=period_start,
                period_end=period_end,
                billable_date=period_start if billing_type is BillingType.ADVANCE else period_end,
                amount=round_money(full_period_amount * days / full_period_days, currency),
                days=days,
                full_period_days=full_period_days,
                prorated=days != full_period_days,
            )
        )
        whole_start = next_whole_start
    return periods


def one_time_period(*, start_date: date, amount: Decimal, currency: str) -> BillingPeriod:
    """A one-time charge: a single one-day period, billable on its start date."""
    return BillingPeriod(
        period_start=start_date,
        period_end=start_date,
        billable_date=start_date,
        amount=round_money(amount, currency),
        days=1,
        full_period_days=1,
        prorated=False,
    )


def _first_boundary(grid_start: date, billing_day: int) -> date:
    """The first date on or after `grid_start` whose day is the billing day (clamped)."""
    boundary = _billing_day_in(_month_index(grid_start), billing_day)
    if boundary < grid_start:
        boundary = _billing_day_in(_month_index(grid_start) + 1, billing_day)
    return boundary


def _whole_period_start_containing(
    start_date: date, first_boundary: date, billing_day: int, months_per_period: int
) -> date:
    """The boundary that opens the whole period holding `start_date`.

    Boundaries fall every `months_per_period` months from `first_boundary`, before it as well as
    after, so a start before the first boundary has a leading part prorated against the real
    whole period it falls in, and a start after it (an amendment) lands on the same grid.
    """
    periods_since_first = (
        _month_index(start_date) - _month_index(first_boundary)
    ) // months_per_period
    boundary_month = _month_index(first_boundary) + periods_since_first * months_per_period
    whole_start = _billing_day_in(boundary_month, billing_day)
    if whole_start > start_date:
        whole_start = _billing_day_in(boundary_month - months_per_period, billing_day)
    return whole_start


def _month_index(day: date) -> int:
    """Months since year 0, so that adding months is adding integers."""
    return day.year * 12 + day.month - 1


def _billing_day_in(month_index: int, billing_day: int) -> date:
    """Day `billing_day` of the month, clamped to the month's last day."""
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(billing_day, last_day))


def _days_inclusive(first_day: date, last_day: date) -> int:
    return (last_day - first_day).days + 1
