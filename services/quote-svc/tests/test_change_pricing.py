"""Pricing amendments and renewals: deltas at the subscription's price, uplifts, co-termination."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, term_end_date
from quote_svc.core.pricing import (
    co_terminated_net_total,
    co_terminated_totals,
    extended_amount,
    line_net_total,
    uplifted_unit_price,
)

D = Decimal
RECURRING, ONE_TIME, USAGE = ChargeType.RECURRING, ChargeType.ONE_TIME, ChargeType.USAGE


@pytest.mark.parametrize(
    ("net_unit_price", "quantity", "currency", "expected"),
    [
        pytest.param("31.00", "1", "USD", "31.00", id="one-seat-more"),
        pytest.param("31.00", "-2", "USD", "-62.00", id="two-seats-fewer"),
        pytest.param("19.99", "3", "USD", "59.97", id="three-seats"),
        pytest.param("31.00", "0", "USD", "0.00", id="no-change"),
        pytest.param("0.125", "1", "USD", "0.13", id="half-up"),
        pytest.param("0.125", "-1", "USD", "-0.13", id="half-up-mirrors-for-fewer"),
        pytest.param("33.333", "3", "USD", "100.00", id="rounded-once-not-per-unit"),
        pytest.param("1005", "-1", "JPY", "-1005", id="jpy"),
        pytest.param("1.2345", "2", "KWD", "2.469", id="kwd"),
    ],
)
def test_extended_amount(net_unit_price: str, quantity: str, currency: str, expected: str) -> None:
    assert str(extended_amount(D(net_unit_price), D(quantity), currency)) == expected


@pytest.mark.parametrize(
    ("net_unit_price", "uplift_percent", "currency", "expected"),
    [
        pytest.param("31.00", "10", "USD", "34.10", id="ten-percent"),
        pytest.param("31.00", "3.5", "USD", "32.09", id="half-cent-rounds-up"),
        pytest.param("31.00", "0", "USD", "31.00", id="no-uplift"),
        pytest.param("19.99", "5", "USD", "20.99", id="five-percent"),
        pytest.param("31.00", "-10", "USD", "27.90", id="price-cut"),
        pytest.param("31.00", "-100", "USD", "0.00", id="free"),
        pytest.param("1000", "2.55", "JPY", "1026", id="jpy-half-up"),
        pytest.param("1.234", "10", "KWD", "1.357", id="kwd"),
    ],
)
def test_uplifted_unit_price(
    net_unit_price: str, uplift_percent: str, currency: str, expected: str
) -> None:
    assert str(uplifted_unit_price(D(net_unit_price), D(uplift_percent), currency)) == expected


def test_an_uplift_below_minus_100_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="at least -100"):
        uplifted_unit_price(D("31.00"), D("-100.01"), "USD")


@pytest.mark.parametrize(
    ("charge_type", "amount", "start", "end", "billing_day", "frequency", "currency", "expected"),
    [
        pytest.param(
            RECURRING,
            "31.00",
            "2026-03-10",
            "2027-01-14",
            1,
            "monthly",
            "USD",
            "315.00",
            id="one-seat-from-march-10: 22.00 + 9 x 31.00 + 14.00",
        ),
        pytest.param(
            RECURRING,
            "-31.00",
            "2026-03-10",
            "2027-01-14",
            1,
            "monthly",
            "USD",
            "-315.00",
            id="one-seat-fewer-credits-the-mirror",
        ),
        pytest.param(
            RECURRING,
            "31.00",
            "2026-01-15",
            "2027-01-14",
            1,
            "monthly",
            "USD",
            "372.00",
            id="the-contract-example: 17.00 + 11 x 31.00 + 14.00",
        ),
        pytest.param(
            RECURRING,
            "31.00",
            "2026-03-10",
            "2027-01-14",
            1,
            "quarterly",
            "USD",
            "316.20",
            id="quarterly: 22.73 + 3 x 93.00 + 14.47",
        ),
        pytest.param(
            RECURRING,
            "31.00",
            "2026-03-10",
            "2027-01-14",
            None,
            "monthly",
            "USD",
            "315.00",
            id="no-billing-day: aligned to the start's day",
        ),
        pytest.param(
            RECURRING,
            "1000",
            "2026-03-10",
            "2027-01-14",
            1,
            None,
            "JPY",
            "10162",
            id="jpy-monthly-by-default: 710 + 9 x 1000 + 452",
        ),
        pytest.param(
            ONE_TIME,
            "500.00",
            "2026-03-10",
            "2027-01-14",
            1,
            None,
            "USD",
            "500.00",
            id="one-time-once",
        ),
        pytest.param(
            USAGE,
            "99.00",
            "2026-03-10",
            "2027-01-14",
            1,
            None,
            "USD",
            "0.00",
            id="usage-counts-zero",
        ),
    ],
)
def test_co_terminated_net_total(
    charge_type: ChargeType,
    amount: str,
    start: str,
    end: str,
    billing_day: int | None,
    frequency: str | None,
    currency: str,
    expected: str,
) -> None:
    total = co_terminated_net_total(
        charge_type=charge_type,
        amount=D(amount),
        start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end),
        billing_day_of_month=billing_day,
        billing_frequency=frequency,
        currency=currency,
    )
    assert str(total) == expected


@pytest.mark.parametrize(
    ("lines", "currency", "expected"),
    [
        pytest.param(
            [
                (RECURRING, D("31.00"), D("315.00")),
                (ONE_TIME, D("500.00"), D("500.00")),
                ("recurring", D("-62.00"), D("-630.00")),
                (USAGE, D("0.00"), D("0.00")),
            ],
            "USD",
            ("500.00", "-31.00", "185.00"),
            id="seats-in-and-out",
        ),
        pytest.param([], "USD", ("0.00", "0.00", "0.00"), id="empty"),
        pytest.param(
            [(RECURRING, D("-1000"), D("-10162"))], "JPY", ("0", "-1000", "-10162"), id="jpy"
        ),
    ],
)
def test_co_terminated_totals(
    lines: list[tuple[ChargeType | str, Decimal, Decimal]],
    currency: str,
    expected: tuple[str, str, str],
) -> None:
    totals = co_terminated_totals(lines, currency)
    assert (
        str(totals.one_time_total),
        str(totals.monthly_recurring_total),
        str(totals.total_contract_value),
    ) == expected


amounts = st.decimals(min_value=D("0.01"), max_value=D("10000"), places=2)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(
    amount=amounts,
    start=days,
    term_months=st.integers(min_value=1, max_value=36),
    frequency=st.sampled_from([BillingFrequency.MONTHLY, BillingFrequency.ANNUAL]),
)
def test_fewer_seats_credit_exactly_what_more_seats_charge(
    amount: Decimal, start: date, term_months: int, frequency: BillingFrequency
) -> None:
    def worth(monthly_amount: Decimal) -> Decimal:
        return co_terminated_net_total(
            charge_type=RECURRING,
            amount=monthly_amount,
            start_date=start,
            end_date=term_end_date(start, term_months),
            billing_day_of_month=1,
            billing_frequency=frequency,
            currency="USD",
        )

    assert worth(-amount) == -worth(amount)


@given(amount=amounts, start=days, term_months=st.integers(min_value=1, max_value=36))
def test_a_whole_term_on_its_own_billing_day_is_worth_what_a_new_quote_says(
    amount: Decimal, start: date, term_months: int
) -> None:
    co_terminated = co_terminated_net_total(
        charge_type=RECURRING,
        amount=amount,
        start_date=start,
        end_date=term_end_date(start, term_months),
        billing_day_of_month=start.day,
        billing_frequency=BillingFrequency.MONTHLY,
        currency="USD",
    )
    assert co_terminated == line_net_total(RECURRING, amount, term_months)
