"""The billing period engine against CONTRACT.md: worked tables, then properties of any input."""

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_shared.billing.periods import (
    BillingFrequency,
    BillingPeriod,
    BillingType,
    months_covering,
    one_time_period,
    recurring_periods,
    term_end_date,
)
from q2c_shared.money import UnknownCurrencyError, minor_units

MONTHLY = BillingFrequency.MONTHLY
QUARTERLY = BillingFrequency.QUARTERLY
SEMIANNUAL = BillingFrequency.SEMIANNUAL
ANNUAL = BillingFrequency.ANNUAL
ADVANCE = BillingType.ADVANCE
ARREARS = BillingType.ARREARS


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def periods_of(
    start: str,
    end: str,
    monthly_amount: str,
    frequency: BillingFrequency = MONTHLY,
    billing_day_of_month: int | None = None,
    billing_type: BillingType = ADVANCE,
    currency: str = "USD",
) -> list[BillingPeriod]:
    return recurring_periods(
        start_date=d(start),
        end_date=d(end),
        monthly_amount=Decimal(monthly_amount),
        frequency=frequency,
        billing_type=billing_type,
        currency=currency,
        billing_day_of_month=billing_day_of_month,
    )


def spans(periods: list[BillingPeriod]) -> list[tuple[date, date, str]]:
    return [(p.period_start, p.period_end, str(p.amount)) for p in periods]


CONTRACT_EXAMPLE = [
    (d("2026-01-15"), d("2026-01-31"), "17.00"),
    *[(date(2026, month, 1), month_end(2026, month), "31.00") for month in range(2, 13)],
    (d("2027-01-01"), d("2027-01-14"), "14.00"),
]


# One case per row reads as a table, so the formatter leaves it alone.
# fmt: off
@pytest.mark.parametrize(
    ("start", "end", "monthly_amount", "frequency", "billing_day", "currency", "expected"),
    [
        pytest.param(
            "2026-01-15", "2027-01-14", "31.00", MONTHLY, 1, "USD", CONTRACT_EXAMPLE,
            id="contract-example",
        ),
        pytest.param(
            "2026-01-01", "2026-12-31", "100.00", QUARTERLY, None, "USD",
            [
                (d("2026-01-01"), d("2026-03-31"), "300.00"),
                (d("2026-04-01"), d("2026-06-30"), "300.00"),
                (d("2026-07-01"), d("2026-09-30"), "300.00"),
                (d("2026-10-01"), d("2026-12-31"), "300.00"),
            ],
            id="quarterly-whole",
        ),
        pytest.param(
            # Leading part in Nov 1..Jan 31 (92 days), trailing part in Nov 1..Jan 31 again.
            "2026-01-15", "2027-01-14", "100.00", QUARTERLY, 1, "USD",
            [
                (d("2026-01-15"), d("2026-01-31"), "55.43"),  # 300 x 17/92
                (d("2026-02-01"), d("2026-04-30"), "300.00"),
                (d("2026-05-01"), d("2026-07-31"), "300.00"),
                (d("2026-08-01"), d("2026-10-31"), "300.00"),
                (d("2026-11-01"), d("2027-01-14"), "244.57"),  # 300 x 75/92
            ],
            id="quarterly-prorated-both-ends",
        ),
        pytest.param(
            "2026-03-01", "2027-02-28", "50.00", SEMIANNUAL, None, "USD",
            [
                (d("2026-03-01"), d("2026-08-31"), "300.00"),
                (d("2026-09-01"), d("2027-02-28"), "300.00"),
            ],
            id="semiannual-whole",
        ),
        pytest.param(
            "2026-01-01", "2027-12-31", "1000.00", ANNUAL, None, "USD",
            [
                (d("2026-01-01"), d("2026-12-31"), "12000.00"),
                (d("2027-01-01"), d("2027-12-31"), "12000.00"),
            ],
            id="annual-whole",
        ),
        pytest.param(
            # Whole years Feb 1..Jan 31 have 365 days on both sides.
            "2026-01-15", "2027-01-14", "100.00", ANNUAL, 1, "USD",
            [
                (d("2026-01-15"), d("2026-01-31"), "55.89"),  # 1200 x 17/365
                (d("2026-02-01"), d("2027-01-14"), "1144.11"),  # 1200 x 348/365
            ],
            id="annual-prorated-both-ends",
        ),
        pytest.param(
            # The 31st clamps to Feb 28 and comes back as Mar 31: never chained from Feb 28.
            "2026-01-31", "2026-04-29", "30.00", MONTHLY, None, "USD",
            [
                (d("2026-01-31"), d("2026-02-27"), "30.00"),
                (d("2026-02-28"), d("2026-03-30"), "30.00"),
                (d("2026-03-31"), d("2026-04-29"), "30.00"),
            ],
            id="day-31-through-february-non-leap",
        ),
        pytest.param(
            "2028-01-31", "2028-04-29", "30.00", MONTHLY, None, "USD",
            [
                (d("2028-01-31"), d("2028-02-28"), "30.00"),
                (d("2028-02-29"), d("2028-03-30"), "30.00"),
                (d("2028-03-31"), d("2028-04-29"), "30.00"),
            ],
            id="day-31-through-february-leap",
        ),
        pytest.param(
            "2026-02-10", "2026-04-15", "28.00", MONTHLY, 31, "USD",
            [
                (d("2026-02-10"), d("2026-02-27"), "18.00"),  # 18 of Jan 31..Feb 27 (28 days)
                (d("2026-02-28"), d("2026-03-30"), "28.00"),
                (d("2026-03-31"), d("2026-04-15"), "14.93"),  # 16 of Mar 31..Apr 29 (30 days)
            ],
            id="day-31-mid-february-non-leap",
        ),
        pytest.param(
            "2028-02-10", "2028-04-15", "29.00", MONTHLY, 31, "USD",
            [
                (d("2028-02-10"), d("2028-02-28"), "19.00"),  # 19 of Jan 31..Feb 28 (29 days)
                (d("2028-02-29"), d("2028-03-30"), "29.00"),
                (d("2028-03-31"), d("2028-04-15"), "15.47"),  # 16 of Mar 31..Apr 29 (30 days)
            ],
            id="day-31-mid-february-leap",
        ),
        pytest.param(
            "2026-01-10", "2026-04-09", "31.00", MONTHLY, 20, "USD",
            [
                (d("2026-01-10"), d("2026-01-19"), "10.00"),  # 10 of Dec 20..Jan 19
                (d("2026-01-20"), d("2026-02-19"), "31.00"),
                (d("2026-02-20"), d("2026-03-19"), "31.00"),
                (d("2026-03-20"), d("2026-04-09"), "21.00"),  # 21 of Mar 20..Apr 19
            ],
            id="billing-day-after-start-day",
        ),
        pytest.param(
            "2026-03-20", "2026-05-19", "30.00", MONTHLY, 5, "USD",
            [
                (d("2026-03-20"), d("2026-04-04"), "15.48"),  # 16 of Mar 5..Apr 4 (31 days)
                (d("2026-04-05"), d("2026-05-04"), "30.00"),
                (d("2026-05-05"), d("2026-05-19"), "14.52"),  # 15 of May 5..Jun 4 (31 days)
            ],
            id="billing-day-before-start-day",
        ),
        pytest.param(
            "2026-03-05", "2026-05-04", "30.00", MONTHLY, 5, "USD",
            [
                (d("2026-03-05"), d("2026-04-04"), "30.00"),
                (d("2026-04-05"), d("2026-05-04"), "30.00"),
            ],
            id="start-on-billing-day-no-leading-part",
        ),
        pytest.param(
            # Amendment delta: mid-period start, co-terminated with the contract end.
            "2026-06-10", "2026-12-31", "30.00", MONTHLY, 1, "USD",
            [
                (d("2026-06-10"), d("2026-06-30"), "21.00"),
                *[(date(2026, m, 1), month_end(2026, m), "30.00") for m in range(7, 13)],
            ],
            id="amendment-delta-mid-period",
        ),
        pytest.param(
            "2026-01-15", "2026-01-15", "31.00", MONTHLY, 1, "USD",
            [(d("2026-01-15"), d("2026-01-15"), "1.00")],
            id="single-day",
        ),
        pytest.param(
            # Proration is against the containing whole period, so a whole-month term that is
            # off its billing day need not add up to monthly x months: 14/28 + 14/31 of a month.
            "2026-02-15", "2026-03-14", "31.00", MONTHLY, 1, "USD",
            [
                (d("2026-02-15"), d("2026-02-28"), "15.50"),
                (d("2026-03-01"), d("2026-03-14"), "14.00"),
            ],
            id="off-billing-day-term-is-not-whole-months",
        ),
        pytest.param(
            "2026-01-15", "2026-02-14", "1000", MONTHLY, 1, "JPY",
            [
                (d("2026-01-15"), d("2026-01-31"), "548"),  # 1000 x 17/31 = 548.39
                (d("2026-02-01"), d("2026-02-14"), "500"),
            ],
            id="zero-decimal-currency",
        ),
        pytest.param(
            "2026-02-22", "2026-02-28", "0.10", MONTHLY, 1, "USD",
            [(d("2026-02-22"), d("2026-02-28"), "0.03")],  # 0.10 x 7/28 = 0.025
            id="rounds-half-up",
        ),
    ],
)
def test_recurring_periods(
    start: str,
    end: str,
    monthly_amount: str,
    frequency: BillingFrequency,
    billing_day: int | None,
    currency: str,
    expected: list[tuple[date, date, str]],
) -> None:
    periods = periods_of(start, end, monthly_amount, frequency, billing_day, currency=currency)
    assert spans(periods) == expected
# fmt: on


def test_a_quarterly_decrease_from_mid_quarter_credits_on_the_subscriptions_grid() -> None:
    # Issue 11: 2 seats at 30.00/month from 2026-02-01, quarterly on the 1st (Feb/May/Aug/Nov);
    # one seat removed from 05-16. The credit is the unused part of May-July, then whole
    # quarters of the same grid, not a new grid starting at the amendment.
    credits = recurring_periods(
        start_date=d("2026-05-16"),
        end_date=d("2027-01-31"),
        monthly_amount=Decimal("-30.00"),
        frequency=QUARTERLY,
        billing_type=ADVANCE,
        currency="USD",
        billing_day_of_month=1,
        grid_start=d("2026-02-01"),
    )
    assert spans(credits) == [
        (d("2026-05-16"), d("2026-07-31"), "-75.33"),  # -90.00 x 77/92 = -75.326
        (d("2026-08-01"), d("2026-10-31"), "-90.00"),
        (d("2026-11-01"), d("2027-01-31"), "-90.00"),
    ]
    assert [p.billable_date for p in credits] == [d("2026-05-16"), d("2026-08-01"), d("2026-11-01")]


def test_a_grid_start_after_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="grid_start"):
        recurring_periods(
            start_date=d("2026-05-16"),
            end_date=d("2027-01-31"),
            monthly_amount=Decimal("30.00"),
            frequency=QUARTERLY,
            billing_type=ADVANCE,
            currency="USD",
            grid_start=d("2026-06-01"),
        )


def test_contract_example_flags_only_the_parts_as_prorated() -> None:
    periods = periods_of("2026-01-15", "2027-01-14", "31.00", billing_day_of_month=1)
    assert [p.prorated for p in periods] == [True, *[False] * 11, True]
    assert (periods[0].days, periods[0].full_period_days) == (17, 31)
    assert (periods[-1].days, periods[-1].full_period_days) == (14, 31)
    assert sum(p.amount for p in periods) == Decimal("372.00")


@pytest.mark.parametrize(
    ("billing_type", "billable_dates"),
    [
        (ADVANCE, [d("2026-01-15"), d("2026-02-01"), d("2026-03-01")]),
        (ARREARS, [d("2026-01-31"), d("2026-02-28"), d("2026-03-14")]),
    ],
)
def test_billable_date_by_billing_type(
    billing_type: BillingType, billable_dates: list[date]
) -> None:
    periods = periods_of(
        "2026-01-15", "2026-03-14", "31.00", billing_day_of_month=1, billing_type=billing_type
    )
    assert [p.billable_date for p in periods] == billable_dates


def test_frequency_and_billing_type_accept_their_stored_strings() -> None:
    periods = recurring_periods(
        start_date=d("2026-01-01"),
        end_date=d("2026-06-30"),
        monthly_amount=Decimal("10.00"),
        frequency="quarterly",  # type: ignore[arg-type]
        billing_type="arrears",  # type: ignore[arg-type]
        currency="USD",
    )
    assert [(p.billable_date, p.amount) for p in periods] == [
        (d("2026-03-31"), Decimal("30.00")),
        (d("2026-06-30"), Decimal("30.00")),
    ]


@pytest.mark.parametrize(
    ("frequency", "months"),
    [(MONTHLY, 1), (QUARTERLY, 3), (SEMIANNUAL, 6), (ANNUAL, 12)],
)
def test_frequency_months(frequency: BillingFrequency, months: int) -> None:
    assert frequency.months == months


@pytest.mark.parametrize(
    ("start", "term_months", "end"),
    [
        ("2026-01-15", 12, "2027-01-14"),
        ("2026-01-01", 12, "2026-12-31"),
        ("2026-01-31", 1, "2026-02-27"),  # the 31st clamps to Feb 28, the term ends the day before
        ("2028-01-31", 1, "2028-02-28"),
        ("2026-01-31", 2, "2026-03-30"),  # from the start's day, not chained through February
        ("2026-03-31", 1, "2026-04-29"),
        ("2028-02-29", 12, "2029-02-27"),
        ("2026-11-15", 3, "2027-02-14"),
    ],
)
def test_term_end_date(start: str, term_months: int, end: str) -> None:
    assert term_end_date(d(start), term_months) == d(end)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2026-01-15", "2027-01-14", 12),  # a whole term gives its months back
        ("2026-03-10", "2027-01-14", 11),  # 10 months end on 2027-01-09: rounded up
        ("2026-03-10", "2027-01-09", 10),
        ("2026-03-10", "2027-01-10", 11),
        ("2026-03-10", "2026-03-10", 1),  # one day is still a month, for display
        ("2026-01-31", "2026-02-27", 1),
        ("2026-01-31", "2026-02-28", 2),
        ("2026-12-20", "2027-01-05", 1),  # across a year end
        ("2027-01-15", "2028-01-14", 12),
    ],
)
def test_months_covering(start: str, end: str, months: int) -> None:
    assert months_covering(d(start), d(end)) == months


def test_months_covering_refuses_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match="before start_date"):
        months_covering(d("2026-02-01"), d("2026-01-31"))


@pytest.mark.parametrize(
    ("start", "end", "billing_day", "message"),
    [
        ("2026-02-01", "2026-01-31", None, "before start_date"),
        ("2026-01-01", "2026-12-31", 0, "between 1 and 31"),
        ("2026-01-01", "2026-12-31", 32, "between 1 and 31"),
    ],
)
def test_recurring_periods_refuses_bad_input(
    start: str, end: str, billing_day: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        periods_of(start, end, "10.00", billing_day_of_month=billing_day)


def test_recurring_periods_refuses_unknown_currency() -> None:
    with pytest.raises(UnknownCurrencyError):
        periods_of("2026-01-01", "2026-12-31", "10.00", currency="XXX")


@pytest.mark.parametrize("term_months", [0, -1])
def test_term_end_date_refuses_empty_term(term_months: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        term_end_date(d("2026-01-01"), term_months)


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [("99.995", "USD", "100.00"), ("1500.4", "JPY", "1500"), ("12.3456", "KWD", "12.346")],
)
def test_one_time_period(amount: str, currency: str, rounded: str) -> None:
    period = one_time_period(start_date=d("2026-05-17"), amount=Decimal(amount), currency=currency)
    assert period == BillingPeriod(
        period_start=d("2026-05-17"),
        period_end=d("2026-05-17"),
        billable_date=d("2026-05-17"),
        amount=Decimal(rounded),
        days=1,
        full_period_days=1,
        prorated=False,
    )


# Properties ------------------------------------------------------------------------------------

ONE_DAY = timedelta(days=1)
start_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
frequencies = st.sampled_from(list(BillingFrequency))
billing_types = st.sampled_from(list(BillingType))
billing_days = st.none() | st.integers(min_value=1, max_value=31)
currencies = st.sampled_from(["USD", "JPY", "KWD"])
monthly_amounts = st.decimals(
    min_value=Decimal("0.0001"),
    max_value=Decimal("1000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@st.composite
def schedules(draw: st.DrawFn) -> dict:
    """Any recurring charge over any span of up to about three years; some start mid-term on
    the grid of a subscription that started up to two years before (an amendment)."""
    start_date = draw(start_dates)
    grid_start = draw(st.none() | st.integers(0, 800).map(lambda days: start_date - days * ONE_DAY))
    return {
        "start_date": start_date,
        "grid_start": grid_start,
        "end_date": start_date + timedelta(days=draw(st.integers(0, 1100))),
        "monthly_amount": draw(monthly_amounts),
        "frequency": draw(frequencies),
        "billing_type": draw(billing_types),
        "currency": draw(currencies),
        "billing_day_of_month": draw(billing_days),
    }


def is_boundary_day(day: date, billing_day: int) -> bool:
    return day.day == min(billing_day, calendar.monthrange(day.year, day.month)[1])


def whole_period_around(day: date, schedule: dict) -> tuple[date, date]:
    """Brute force, day by day, straight from the contract's words: the first boundary is the
    first billing day on or after the start (of the subscription's grid), and boundaries recur in
    every N-th month from it, before it as well as after."""
    grid_start = schedule["grid_start"] or schedule["start_date"]
    billing_day = schedule["billing_day_of_month"] or grid_start.day
    months = schedule["frequency"].months
    first_boundary = grid_start
    while not is_boundary_day(first_boundary, billing_day):
        first_boundary += ONE_DAY

    def is_boundary(candidate: date) -> bool:
        months_apart = (candidate.year - first_boundary.year) * 12 + (
            candidate.month - first_boundary.month
        )
        return months_apart % months == 0 and is_boundary_day(candidate, billing_day)

    whole_start = day
    while not is_boundary(whole_start):
        whole_start -= ONE_DAY
    next_whole_start = day + ONE_DAY
    while not is_boundary(next_whole_start):
        next_whole_start += ONE_DAY
    return whole_start, next_whole_start - ONE_DAY


@given(schedules())
def test_periods_tile_the_span_without_gap_or_overlap(schedule: dict) -> None:
    periods = recurring_periods(**schedule)
    assert periods[0].period_start == schedule["start_date"]
    assert periods[-1].period_end == schedule["end_date"]
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert later.period_start == earlier.period_end + ONE_DAY
    for period in periods:
        assert period.period_start <= period.period_end
        assert period.days == (period.period_end - period.period_start).days + 1
    span_days = (schedule["end_date"] - schedule["start_date"]).days + 1
    assert sum(p.days for p in periods) == span_days


@settings(deadline=None)
@given(schedules())
def test_every_period_lies_within_one_whole_period(schedule: dict) -> None:
    for period in recurring_periods(**schedule):
        whole_start, whole_end = whole_period_around(period.period_start, schedule)
        assert whole_start <= period.period_start and period.period_end <= whole_end
        assert period.full_period_days == (whole_end - whole_start).days + 1
        assert period.prorated == (period.days < period.full_period_days)


@settings(deadline=None)
@given(schedules())
def test_a_change_from_mid_term_bills_the_same_days_as_the_subscription(schedule: dict) -> None:
    # The subscription's own periods from its grid start, and a change from a later day: every
    # period of the change is the tail of, or the same as, one of the subscription's periods.
    if schedule["grid_start"] is None:
        return
    subscription = recurring_periods(**(schedule | {"start_date": schedule["grid_start"]}))
    change = recurring_periods(**schedule)
    spans_of_subscription = {(p.period_end, p.full_period_days): p for p in subscription}
    for period in change:
        whole = spans_of_subscription[(period.period_end, period.full_period_days)]
        assert whole.period_start <= period.period_start
        if period.period_start == whole.period_start:
            assert period.amount == whole.amount


@given(schedules())
def test_billable_date_is_first_or_last_day(schedule: dict) -> None:
    for period in recurring_periods(**schedule):
        if schedule["billing_type"] is ADVANCE:
            assert period.billable_date == period.period_start
        else:
            assert period.billable_date == period.period_end


@given(schedules())
def test_amounts_are_never_negative_and_already_rounded(schedule: dict) -> None:
    exponent = -minor_units(schedule["currency"])
    for period in recurring_periods(**schedule):
        assert period.amount >= 0
        assert period.amount.as_tuple().exponent == exponent


@given(
    start_date=start_dates,
    whole_periods=st.integers(min_value=1, max_value=12),
    frequency=frequencies,
    monthly_amount=monthly_amounts,
    currency=currencies,
)
def test_whole_month_term_bills_monthly_amount_times_months(
    start_date: date,
    whole_periods: int,
    frequency: BillingFrequency,
    monthly_amount: Decimal,
    currency: str,
) -> None:
    # Exact only when the term is a whole number of billing periods on the start's own billing
    # day: otherwise the leading and trailing parts are fractions of whole periods of different
    # lengths (see the "off-billing-day-term-is-not-whole-months" case above).
    term_months = whole_periods * frequency.months
    periods = recurring_periods(
        start_date=start_date,
        end_date=term_end_date(start_date, term_months),
        monthly_amount=monthly_amount,
        frequency=frequency,
        billing_type=ADVANCE,
        currency=currency,
    )
    half_minor_unit = Decimal(1).scaleb(-minor_units(currency)) / 2
    billed = sum(p.amount for p in periods)
    assert abs(billed - monthly_amount * term_months) <= len(periods) * half_minor_unit
    assert not any(p.prorated for p in periods)


@given(start_date=start_dates, term_months=st.integers(min_value=1, max_value=60))
def test_months_covering_inverts_term_end_date(start_date: date, term_months: int) -> None:
    assert months_covering(start_date, term_end_date(start_date, term_months)) == term_months


@given(schedules())
def test_a_negative_monthly_amount_credits_the_mirror_image(schedule: dict) -> None:
    # An amendment that removes seats credits exactly what adding them would have charged.
    charges = recurring_periods(**schedule)
    credits = recurring_periods(**(schedule | {"monthly_amount": -schedule["monthly_amount"]}))
    assert [(p.period_start, p.period_end, p.billable_date) for p in credits] == [
        (p.period_start, p.period_end, p.billable_date) for p in charges
    ]
    assert [p.amount for p in credits] == [-p.amount for p in charges]
