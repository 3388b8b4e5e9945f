"""Billing schedules from real `OrderActivated` events on the real broker."""

from factories import activate_orders, order_activated, order_product, schedules_of, setup_fee
from sqlalchemy import func, select

from invoice_svc.models import BillingPeriod, BillingSchedule
from q2c_shared.testing.kafka import publish


async def test_an_activated_order_gets_one_schedule_per_order_product(service, settings):
    seat, setup = order_product(quantity="1"), setup_fee()
    usage = order_product(
        sku="api-calls",
        product_name="API calls",
        charge_type="usage",
        monthly_amount=None,
        billing_frequency=None,
        end_date=None,
    )
    event = order_activated(
        products=[seat, setup, usage], po_number="PO-7", contract_number="C-000042"
    )

    await activate_orders(service.client, settings, event)

    schedules = {
        s["order_product_id"]: s for s in await schedules_of(service.client, event.subject)
    }
    seat_schedule = schedules[seat["id"]]
    assert seat_schedule["order_id"] == event.subject
    assert seat_schedule["product_id"] == seat["product_id"]
    assert (
        seat_schedule["account_id"]
        == seat_schedule["bill_to_account_id"]
        == event.data["order"]["account_id"]
    )
    assert (seat_schedule["contract_number"], seat_schedule["po_number"]) == ("C-000042", "PO-7")
    periods = seat_schedule["periods"]
    assert [p["amount"] for p in periods] == ["17.00"] + ["31.00"] * 11 + ["14.00"]
    assert (periods[0]["period_start"], periods[0]["period_end"]) == ("2026-01-15", "2026-01-31")
    assert (periods[1]["period_start"], periods[1]["billable_date"]) == ("2026-02-01", "2026-02-01")
    assert (periods[-1]["period_start"], periods[-1]["period_end"]) == ("2027-01-01", "2027-01-14")
    assert {(p["status"], p["invoice_id"]) for p in periods} == {("pending", None)}
    assert [
        (p["period_start"], p["billable_date"], p["amount"])
        for p in schedules[setup["id"]]["periods"]
    ] == [("2026-01-15", "2026-01-15", "500.00")]
    assert schedules[usage["id"]]["periods"] == []


async def test_the_bill_to_is_the_product_then_the_order_billing_account(service, settings):
    payer, parent = "0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"
    paid_by_payer = order_product(billing_account_id=payer)
    event = order_activated(billing_account_id=parent, products=[paid_by_payer, order_product()])

    await activate_orders(service.client, settings, event)

    schedules = await schedules_of(service.client, event.subject)
    bill_to = {s["order_product_id"]: s["bill_to_account_id"] for s in schedules}
    assert bill_to[paid_by_payer["id"]] == payer
    assert sorted(bill_to.values()) == sorted([payer, parent])
    by_payer = await service.client.get(
        "/v1/billing-schedules", params={"bill_to_account_id": payer}
    )
    assert [s["order_product_id"] for s in by_payer.json()["items"]] == [paid_by_payer["id"]]


async def test_a_redelivered_order_activated_creates_nothing_more(service, settings):
    event = order_activated(products=[order_product(), setup_fee()])
    account_id = event.data["order"]["account_id"]
    marker = order_activated(account_id=account_id)
    topic = settings.topic("q2c.orders")

    await publish(settings.kafka_bootstrap_servers, topic, event, key=account_id)
    await publish(settings.kafka_bootstrap_servers, topic, event, key=account_id)
    # Same key, same partition: once the marker is scheduled, both copies were processed.
    await activate_orders(service.client, settings, marker)

    async with service.database.transaction() as session:
        schedules = await session.scalar(select(func.count()).select_from(BillingSchedule))
        periods = await session.scalar(select(func.count()).select_from(BillingPeriod))
    assert schedules == 3
    assert periods == 13 + 1 + 13


async def test_schedules_filter_by_account(service, settings):
    first, second = order_activated(), order_activated()
    await activate_orders(service.client, settings, first, second)

    response = await service.client.get(
        "/v1/billing-schedules", params={"account_id": first.data["order"]["account_id"]}
    )

    assert [s["order_id"] for s in response.json()["items"]] == [first.subject]
