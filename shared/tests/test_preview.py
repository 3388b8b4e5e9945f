"""First-invoice previews: worked tables against CONTRACT.md, then properties of any lines."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, BillingType, term_end_date
from q2c_shared.billing.preview import ChargeLine, first_invoices, periods_of_line

ADVANCE = BillingType.ADVANCE
ARREARS = BillingType.ARREARS
MONTHLY = BillingFrequency.MONTHLY
QUARTERLY = BillingFrequency.QUARTERLY


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def recurring(
    line_id: str,
    monthly_amount: str,
    *,
    start: str = "2026-01-15",
    months: int = 12,
    billing_type: BillingType = ADVANCE,
    frequency: BillingFrequency | None = MONTHLY,
) -> ChargeLine:
    return ChargeLine(
        line_id=line_id,
        charge_type=ChargeType.RECURRING,
        billing_type=billing_type,
        billing_frequency=frequency,
        start_date=d(start),
        end_date=term_end_date(d(start), months),
        monthly_amount=Decimal(monthly_amount),
    )


def one_time(line_id: str, amount: str, *, start: str = "2026-01-15") -> ChargeLine:
    return ChargeLine(
        line_id=line_id,
        charge_type=ChargeType.ONE_TIME,
        billing_type=ADVANCE,
        billing_frequency=None,
        start_date=d(start),
        end_date=d(start),
        amount=Decimal(amount),
    )


def usage(line_id: str) -> ChargeLine:
    return ChargeLine(
        line_id=line_id,
        charge_type=ChargeType.USAGE,
        billing_type=ARREARS,
        billing_frequency=None,
        start_date=d("2026-01-15"),
        end_date=d("2027-01-14"),
    )


# One case per row reads as a table, so the formatter leaves it alone.
# fmt: off
@pytest.mark.parametrize(
    ("lines", "billing_day", "currency", "count", "expected"),
    [
        pytest.param(
            [recurring("seat", "31.00")], 1, "USD", 3,
            [("2026-01-15", "17.00", ["seat"]),
             ("2026-02-01", "31.00", ["seat"]),
             ("2026-03-01", "31.00", ["seat"])],
            id="contract-example",
        ),
        pytest.param(
            [recurring("seat", "310.00"), one_time("setup", "500.00")], 1, "USD", 3,
            [("2026-01-15", "670.00", ["seat", "setup"]),
             ("2026-02-01", "310.00", ["seat"]),
             ("2026-03-01", "310.00", ["seat"])],
            id="one-time-joins-the-first-date",
        ),
        pytest.param(
            [recurring("seat", "31.00", billing_type=ARREARS), one_time("setup", "500.00")],
            1, "USD", 3,
            [("2026-01-15", "500.00", ["setup"]),
             ("2026-01-31", "17.00", ["seat"]),
             ("2026-02-28", "31.00", ["seat"])],
            id="arrears-bill-on-the-last-day",
        ),
        pytest.param(
            [recurring("seat", "31.00"), recurring("support", "100.00", frequency=QUARTERLY)],
            1, "USD", 3,
            [("2026-01-15", "72.43", ["seat", "support"]),  # 17.00 + 300 x 17/92
             ("2026-02-01", "331.00", ["seat", "support"]),
             ("2026-03-01", "31.00", ["seat"])],
            id="monthly-and-quarterly",
        ),
        pytest.param(
            [recurring("seat", "31.00")], None, "USD", 3,
            [("2026-01-15", "31.00", ["seat"]),
             ("2026-02-15", "31.00", ["seat"]),
             ("2026-03-15", "31.00", ["seat"])],
            id="billing-day-defaults-to-the-start-day",
        ),
        pytest.param(
            [recurring("seat", "31.00", frequency=None)], 1, "USD", 2,
            [("2026-01-15", "17.00", ["seat"]),
             ("2026-02-01", "31.00", ["seat"])],
            id="no-frequency-is-monthly",
        ),
        pytest.param(
            [recurring("seat", "31.00", months=1)], 1, "USD", 3,
            [("2026-01-15", "17.00", ["seat"]),
             ("2026-02-01", "15.50", ["seat"])],  # Feb 1..14 of 28 days
            id="a-short-term-has-fewer-dates",
        ),
        pytest.param(
            [recurring("seat", "3100")], 1, "JPY", 2,
            [("2026-01-15", "1700", ["seat"]),
             ("2026-02-01", "3100", ["seat"])],
            id="jpy-no-minor-units",
        ),
        pytest.param(
            [recurring("seat", "10.000"), one_time("setup", "0.0005")], 1, "KWD", 1,
            [("2026-01-15", "5.485", ["seat", "setup"])],  # 5.484 (10 x 17/31) + 0.001
            id="kwd-three-decimals-each-period-rounded",
        ),
        pytest.param(
            [usage("calls"), recurring("seat", "31.00")], 1, "USD", 1,
            [("2026-01-15", "17.00", ["seat"])],
            id="usage-is-not-previewed",
        ),
        pytest.param([usage("calls")], 1, "USD", 3, [], id="usage-only"),
        pytest.param([], 1, "USD", 3, [], id="no-lines"),
        pytest.param([recurring("seat", "31.00")], 1, "USD", 0, [], id="count-zero"),
        pytest.param(
            [recurring("free", "0.00")], 1, "EUR", 1,
            [("2026-01-15", "0.00", ["free"])],
            id="zero-amount-still-a-billing-date",
        ),
    ],
)
# fmt: on
def test_first_invoices(lines, billing_day, currency, count, expected):
    preview = first_invoices(
        lines, billing_day_of_month=billing_day, currency=currency, count=count
    )

    assert [
        (
            invoice.billable_date.isoformat(),
            str(invoice.amount),
            [charge.line_id for charge in invoice.charges],
        )
        for invoice in preview
    ] == expected


def test_each_charge_carries_its_period():
    [first, second] = first_invoices(
        [recurring("seat", "31.00"), one_time("setup", "500.00")],
        billing_day_of_month=1,
        currency="USD",
        count=2,
    )

    seat, setup = first.charges
    assert (seat.period.period_start, seat.period.period_end) == (d("2026-01-15"), d("2026-01-31"))
    assert seat.period.prorated and seat.amount == Decimal("17.00")
    assert (setup.period.period_start, setup.amount) == (d("2026-01-15"), Decimal("500.00"))
    assert not second.charges[0].period.prorated


def test_a_recurring_line_without_an_amount_is_refused():
    broken = ChargeLine(
        line_id="seat",
        charge_type=ChargeType.RECURRING,
        billing_type=ADVANCE,
        billing_frequency=MONTHLY,
        start_date=d("2026-01-15"),
        end_date=d("2027-01-14"),
    )

    with pytest.raises(ValueError, match="no monthly_amount"):
        first_invoices([broken], billing_day_of_month=1, currency="USD")


# --- properties -----------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=100_000, places=2)
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def charge_lines(draw: st.DrawFn) -> list[ChargeLine]:
    """Up to five lines, one-time or recurring, each with its own start, term and id."""
    lines = []
    for index in range(draw(st.integers(0, 5))):
        start = draw(starts)
        if draw(st.booleans()):
            lines.append(
                ChargeLine(
                    line_id=f"line-{index}",
                    charge_type=ChargeType.ONE_TIME,
                    billing_type=ADVANCE,
                    billing_frequency=None,
                    start_date=start,
                    end_date=start,
                    amount=draw(amounts),
                )
            )
        else:
            lines.append(
                ChargeLine(
                    line_id=f"line-{index}",
                    charge_type=ChargeType.RECURRING,
                    billing_type=draw(st.sampled_from(BillingType)),
                    billing_frequency=draw(st.sampled_from(BillingFrequency)),
                    start_date=start,
                    end_date=term_end_date(start, draw(st.integers(1, 36))),
                    monthly_amount=draw(amounts),
                )
            )
    return lines


billing_days = st.none() | st.integers(1, 31)


@given(lines=charge_lines(), billing_day=billing_days, count=st.integers(0, 6))
def test_previews_are_ordered_prefixes_that_add_up(lines, billing_day, count):
    preview = first_invoices(lines, billing_day_of_month=billing_day, currency="USD", count=count)
    longer = first_invoices(
        lines, billing_day_of_month=billing_day, currency="USD", count=count + 3
    )

    dates = [invoice.billable_date for invoice in preview]
    assert dates == sorted(set(dates))
    assert len(preview) <= count
    assert longer[: len(preview)] == preview
    for invoice in preview:
        assert invoice.amount == sum(charge.amount for charge in invoice.charges)
        assert invoice.amount.as_tuple().exponent == -2
        assert {charge.period.billable_date for charge in invoice.charges} == {
            invoice.billable_date
        }


@given(lines=charge_lines(), billing_day=billing_days)
def test_the_whole_preview_is_every_period_of_the_engine_once(lines, billing_day):
    everything = first_invoices(
        lines, billing_day_of_month=billing_day, currency="USD", count=10_000
    )

    for line in lines:
        previewed = [
            charge.period
            for invoice in everything
            for charge in invoice.charges
            if charge.line_id == line.line_id
        ]
        assert previewed == periods_of_line(
            line, billing_day_of_month=billing_day, currency="USD"
        )


@given(start=starts, months=st.integers(1, 36), monthly_amount=amounts)
def test_a_term_billed_on_its_start_day_bills_the_monthly_amount_times_the_term(
    start, months, monthly_amount
):
    line = ChargeLine(
        line_id="seat",
        charge_type=ChargeType.RECURRING,
        billing_type=ADVANCE,
        billing_frequency=MONTHLY,
        start_date=start,
        end_date=term_end_date(start, months),
        monthly_amount=monthly_amount,
    )

    everything = first_invoices([line], billing_day_of_month=None, currency="USD", count=1_000)

    assert len(everything) == months
    assert everything[0].billable_date == start
    assert sum(invoice.amount for invoice in everything) == monthly_amount * months


def test_an_amendment_line_is_previewed_on_its_subscriptions_period_grid():
    # Issue 11: one quarterly seat fewer from 05-16 of a subscription billed since 02-01 (D=1).
    change = ChargeLine(
        line_id="seat",
        charge_type=ChargeType.RECURRING,
        billing_type=ADVANCE,
        billing_frequency=QUARTERLY,
        start_date=d("2026-05-16"),
        end_date=d("2027-01-31"),
        monthly_amount=Decimal("-30.00"),
        grid_start=d("2026-02-01"),
    )

    preview = first_invoices([change], billing_day_of_month=1, currency="USD", count=2)

    assert [(str(i.billable_date), str(i.amount)) for i in preview] == [
        ("2026-05-16", "-75.33"),
        ("2026-08-01", "-90.00"),
    ]
    assert preview[0].charges[0].period.period_end == d("2026-07-31")
