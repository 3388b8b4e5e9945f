"""The one dispatch per charge type: worked tables against CONTRACT.md, then properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from q2c_shared.billing import charges, periods
from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, BillingType, term_end_date

D = Decimal
RECURRING, ONE_TIME, USAGE = ChargeType.RECURRING, ChargeType.ONE_TIME, ChargeType.USAGE


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def _periods(**overrides):
    arguments = {
        "charge_type": RECURRING,
        "start_date": d("2026-01-15"),
        "end_date": d("2027-01-14"),
        "monthly_amount": D("31.00"),
        "amount": None,
        "billing_frequency": BillingFrequency.MONTHLY,
        "billing_type": BillingType.ADVANCE,
        "currency": "USD",
        "billing_day_of_month": 1,
    } | overrides
    return charges.billing_periods(**arguments)


def _table(billed):
    return [
        (str(p.period_start), str(p.period_end), str(p.billable_date), str(p.amount))
        for p in billed
    ]


@pytest.mark.parametrize(
    ("charge_type", "net_amount", "expected"),
    [
        pytest.param(RECURRING, "279.00", ("279.00", None), id="recurring-per-month"),
        pytest.param("recurring", "31", ("31", None), id="recurring-by-name"),
        pytest.param(ONE_TIME, "500.00", (None, "500.00"), id="one-time-once"),
        pytest.param(USAGE, "0.25", (None, None), id="usage-a-rate-no-amount"),
    ],
)
def test_line_amounts(charge_type, net_amount, expected):
    amounts = charges.line_amounts(charge_type=charge_type, net_amount=D(net_amount))

    shown = (amounts.monthly_amount, amounts.amount)
    assert tuple(None if value is None else str(value) for value in shown) == expected


@pytest.mark.parametrize(
    ("charge_type", "net_amount", "term_months", "expected"),
    [
        pytest.param(RECURRING, "31.00", 12, "372.00", id="recurring-x-months"),
        pytest.param(ONE_TIME, "500.00", 36, "500.00", id="one-time-once"),
        pytest.param(USAGE, "99.00", 12, "0.00", id="usage-zero"),
        pytest.param(USAGE, "99", 12, "0", id="usage-zero-in-jpy-decimals"),
    ],
)
def test_term_total(charge_type, net_amount, term_months, expected):
    total = charges.term_total(
        charge_type=charge_type, net_amount=D(net_amount), term_months=term_months
    )

    assert str(total) == expected


@pytest.mark.parametrize("charge_type", ["banana", ""])
def test_an_unknown_charge_type_is_refused(charge_type):
    with pytest.raises(ValueError):
        charges.rule(charge_type)
    with pytest.raises(ValueError):
        charges.line_amounts(charge_type=charge_type, net_amount=D("1.00"))
    with pytest.raises(ValueError):
        _periods(charge_type=charge_type)


def test_term_total_needs_a_month():
    with pytest.raises(ValueError, match="at least 1"):
        charges.term_total(charge_type=RECURRING, net_amount=D("1.00"), term_months=0)


def test_the_contract_example_bills_a_prorated_first_and_last_month():
    billed = _periods()

    assert _table(billed)[0] == ("2026-01-15", "2026-01-31", "2026-01-15", "17.00")
    assert [p.amount for p in billed[1:-1]] == [D("31.00")] * 11
    assert _table(billed)[-1] == ("2027-01-01", "2027-01-14", "2027-01-01", "14.00")


def test_a_quarterly_decrease_is_cut_on_its_subscriptions_grid():
    # Issue 11: 1 seat fewer at 30.00/month from 05-16 of a quarterly subscription that
    # started 02-01 (D=1): the first credit is the rest of the May-July quarter.
    billed = _periods(
        start_date=d("2026-05-16"),
        end_date=d("2027-01-31"),
        monthly_amount=D("-30.00"),
        billing_frequency="quarterly",
        grid_start=d("2026-02-01"),
    )

    assert _table(billed) == [
        ("2026-05-16", "2026-07-31", "2026-05-16", "-75.33"),
        ("2026-08-01", "2026-10-31", "2026-08-01", "-90.00"),
        ("2026-11-01", "2027-01-31", "2026-11-01", "-90.00"),
    ]


def test_arrears_bill_on_the_last_day_and_no_frequency_means_monthly():
    billed = _periods(billing_type="arrears", billing_frequency=None)

    assert billed[0].billable_date == d("2026-01-31")
    assert len(billed) == 13


def test_a_one_time_charge_is_one_period_on_its_start_date():
    billed = _periods(charge_type=ONE_TIME, monthly_amount=None, amount=D("500.004"), end_date=None)

    assert _table(billed) == [("2026-01-15", "2026-01-15", "2026-01-15", "500.00")]


def test_usage_gets_no_periods_in_advance():
    assert _periods(charge_type=USAGE, monthly_amount=None) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"monthly_amount": None}, "no monthly_amount"),
        ({"end_date": None}, "no end_date"),
        ({"charge_type": ONE_TIME, "monthly_amount": None}, "no amount"),
    ],
)
def test_a_charge_without_what_its_type_needs_is_unbillable(overrides, message):
    with pytest.raises(charges.UnbillableCharge, match=message):
        _periods(**overrides)


amounts = st.decimals(min_value=D("-10000"), max_value=D("10000"), places=2)
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
frequencies = st.sampled_from(list(BillingFrequency))


@given(
    amount=amounts,
    grid_start=starts,
    offset_days=st.integers(0, 400),
    months=st.integers(1, 36),
    frequency=frequencies,
    billing_day=st.none() | st.integers(1, 31),
    billing_type=st.sampled_from(list(BillingType)),
)
def test_recurring_is_the_period_engine_with_every_keyword(
    amount, grid_start, offset_days, months, frequency, billing_day, billing_type
):
    start = grid_start + timedelta(days=offset_days)
    end = term_end_date(grid_start, months + offset_days // 28)
    if end < start:
        end = start
    billed = _periods(
        start_date=start,
        end_date=end,
        monthly_amount=amount,
        billing_frequency=frequency,
        billing_type=billing_type,
        billing_day_of_month=billing_day,
        grid_start=grid_start,
    )

    assert billed == periods.recurring_periods(
        start_date=start,
        end_date=end,
        monthly_amount=amount,
        frequency=frequency,
        billing_type=billing_type,
        currency="USD",
        billing_day_of_month=billing_day,
        grid_start=grid_start,
    )
    # The periods tile the charge's days: no gap, no overlap, first to last.
    assert billed[0].period_start == start
    assert billed[-1].period_end == end
    for earlier, later in zip(billed, billed[1:], strict=False):
        assert later.period_start == earlier.period_end + timedelta(days=1)


@given(amount=amounts, start=starts, months=st.integers(1, 36), frequency=frequencies)
def test_fewer_seats_are_credited_the_exact_mirror_of_more(amount, start, months, frequency):
    end = term_end_date(start, months)
    more = _periods(
        start_date=start, end_date=end, monthly_amount=amount, billing_frequency=frequency
    )
    fewer = _periods(
        start_date=start, end_date=end, monthly_amount=-amount, billing_frequency=frequency
    )

    assert [p.amount for p in fewer] == [-p.amount for p in more]


@given(amount=amounts, months=st.integers(1, 120))
def test_a_whole_term_from_the_billing_day_is_worth_its_term_total(amount, months):
    start = d("2026-03-01")
    billed = _periods(
        start_date=start, end_date=term_end_date(start, months), monthly_amount=amount
    )

    total = charges.term_total(charge_type=RECURRING, net_amount=amount, term_months=months)
    assert sum(p.amount for p in billed) == total
    assert not any(p.prorated for p in billed)


@given(charge_type=st.sampled_from(list(ChargeType)), net_amount=amounts)
def test_a_lines_amounts_are_what_its_periods_bill_from(charge_type, net_amount):
    line = charges.line_amounts(charge_type=charge_type, net_amount=net_amount)
    billed = _periods(
        charge_type=charge_type,
        start_date=d("2026-03-01"),
        end_date=d("2026-03-31"),
        monthly_amount=line.monthly_amount,
        amount=line.amount,
    )

    expected = D(0) if charges.rule(charge_type).metered else net_amount
    assert sum((p.amount for p in billed), D(0)) == expected
