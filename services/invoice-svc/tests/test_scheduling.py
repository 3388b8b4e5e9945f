"""Order products to billing periods: CONTRACT.md "invoice-svc: billing arithmetic"."""

from datetime import date
from decimal import Decimal

import pytest
from factories import order_activated, order_product, setup_fee

from invoice_svc.core.scheduling import UnschedulableOrderProduct, periods_of
from q2c_shared.events.contracts import OrderActivated


def _periods(
    *,
    billing_day_of_month: int | None = 1,
    subscriptions: list[dict] | None = None,
    **product: object,
) -> list:
    event = order_activated(
        billing_day_of_month=billing_day_of_month,
        products=[order_product(**product)],
        subscriptions=subscriptions,
    )
    activated = OrderActivated.model_validate(event.data)
    return periods_of(activated.order, activated.order.order_products[0], activated.contract)


def test_the_contract_example_prorates_the_leading_and_trailing_parts() -> None:
    periods = _periods()

    assert [p.amount for p in periods] == (
        [Decimal("17.00")] + [Decimal("31.00")] * 11 + [Decimal("14.00")]
    )
    assert (periods[0].period_start, periods[0].period_end) == (
        date(2026, 1, 15),
        date(2026, 1, 31),
    )
    assert (periods[-1].period_start, periods[-1].period_end) == (
        date(2027, 1, 1),
        date(2027, 1, 14),
    )
    assert [p.billable_date for p in periods[:2]] == [date(2026, 1, 15), date(2026, 2, 1)]


def test_without_a_billing_day_periods_align_to_the_start_day() -> None:
    periods = _periods(billing_day_of_month=None)

    assert len(periods) == 12
    assert {p.amount for p in periods} == {Decimal("31.00")}
    assert periods[1].period_start == date(2026, 2, 15)


def test_arrears_bill_on_the_last_day_and_quarterly_spans_three_months() -> None:
    periods = _periods(
        billing_type="arrears",
        billing_frequency="quarterly",
        billing_day_of_month=None,
        start_date="2026-01-01",
        end_date="2026-12-31",
    )

    assert [(p.period_start, p.period_end, p.billable_date, p.amount) for p in periods[:1]] == [
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31), Decimal("93.00"))
    ]
    assert len(periods) == 4


def test_a_one_time_charge_is_billable_once_on_its_start_date() -> None:
    event = order_activated(products=[setup_fee()])
    activated = OrderActivated.model_validate(event.data)

    (period,) = periods_of(activated.order, activated.order.order_products[0], activated.contract)

    assert (period.period_start, period.billable_date, period.amount) == (
        date(2026, 1, 15),
        date(2026, 1, 15),
        Decimal("500.00"),
    )


def test_usage_has_no_periods_yet() -> None:
    assert _periods(charge_type="usage", monthly_amount=None) == []


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [({"monthly_amount": None}, "monthly_amount"), ({"end_date": None}, "end_date")],
)
def test_a_recurring_product_without_its_terms_is_refused(overrides: dict, missing: str) -> None:
    with pytest.raises(UnschedulableOrderProduct, match=missing):
        _periods(**overrides)


@pytest.mark.parametrize(
    ("quantity", "monthly_amount", "start", "billing_day", "expected"),
    [
        pytest.param(
            "1", "31.00", "2026-03-10", 1,
            [("2026-03-10", "2026-03-31", "22.00")] + [(None, None, "31.00")] * 9
            + [("2027-01-01", "2027-01-14", "14.00")],
            id="one-seat-more-from-march-10",
        ),
        pytest.param(
            "-1", "-31.00", "2026-03-10", 1,
            [("2026-03-10", "2026-03-31", "-22.00")] + [(None, None, "-31.00")] * 9
            + [("2027-01-01", "2027-01-14", "-14.00")],
            id="one-seat-fewer-credits-the-same-days",
        ),
        pytest.param(
            "2", "62.00", "2026-03-01", 1,
            [("2026-03-01", "2026-03-31", "62.00")] + [(None, None, "62.00")] * 9
            + [("2027-01-01", "2027-01-14", "28.00")],
            id="on-the-billing-day-nothing-leading-is-prorated",
        ),
        pytest.param(
            "1", "31.00", "2026-03-10", 15,
            [("2026-03-10", "2026-03-14", "5.54")] + [(None, None, "31.00")] * 10,
            id="contract-billed-on-the-15th: 5 days of Feb 15-Mar 14 (28), none trailing",
        ),
    ],
)  # fmt: skip
def test_an_amendment_delta_is_cut_from_its_start_on_the_contracts_billing_day(
    quantity: str, monthly_amount: str, start: str, billing_day: int, expected: list
) -> None:
    periods = _periods(
        billing_day_of_month=billing_day,
        quantity=quantity,
        monthly_amount=monthly_amount,
        start_date=start,
        end_date="2027-01-14",
    )

    assert [
        (
            None if first is None else period.period_start.isoformat(),
            None if last is None else period.period_end.isoformat(),
            str(period.amount),
        )
        for period, (first, last, _) in zip(periods, expected, strict=True)
    ] == expected


def test_a_quarterly_decrease_is_cut_on_the_subscriptions_own_grid() -> None:
    # Issue 11: 2 seats at 30.00/month from 2026-02-01, quarterly on the 1st (billed Feb, May,
    # Aug, Nov); one seat removed from 05-16 credits the unused part of the May-July quarter
    # already billed, then whole quarters on the same grid.
    subscription_id = "0190f000-0000-7000-8000-000000000001"
    periods = _periods(
        subscription_id=subscription_id,
        billing_frequency="quarterly",
        quantity="-1",
        net_unit_price="30.00",
        monthly_amount="-30.00",
        start_date="2026-05-16",
        end_date="2027-01-31",
        subscriptions=[
            {
                "id": subscription_id,
                "product_id": "0190f000-0000-7000-8000-000000000002",
                "quantity": "1",
                "net_unit_price": "30.00",
                "start_date": "2026-02-01",
                "end_date": "2027-01-31",
            }
        ],
    )

    assert [(p.period_start, p.period_end, p.billable_date, p.amount) for p in periods] == [
        (date(2026, 5, 16), date(2026, 7, 31), date(2026, 5, 16), Decimal("-75.33")),
        (date(2026, 8, 1), date(2026, 10, 31), date(2026, 8, 1), Decimal("-90.00")),
        (date(2026, 11, 1), date(2027, 1, 31), date(2026, 11, 1), Decimal("-90.00")),
    ]
