"""order-svc against real PostgreSQL and the real broker: events in, orders, events out."""

import re

from factories import direct_order, quote_accepted
from sqlalchemy import func, select

from order_svc.app import create_app
from order_svc.models import Order
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.kafka import publish, read_all
from q2c_shared.testing.service import running_service
from q2c_shared.testing.waiting import eventually


async def _orders_of(client, quote_id):
    return (await client.get(f"/v1/orders?quote_id={quote_id}")).json()["items"]


async def test_an_accepted_quote_becomes_a_draft_order(service, settings):
    event = quote_accepted(lines=[{"invoice_grouping": "po_number"}])

    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic("q2c.quotes"),
        event,
        key=event.data["quote"]["account_id"],
    )
    orders = await eventually(lambda: _orders_of(service.client, event.subject))

    order = orders[0]
    assert order["status"] == "draft"
    assert order["payment_term"] == "net_30"
    assert order["po_number"] == "PO-7"
    assert order["billing_day_of_month"] == 1
    product = order["order_products"][0]
    assert product["monthly_amount"] == "310.00"
    assert (product["start_date"], product["end_date"]) == ("2026-01-15", "2027-01-14")
    assert product["invoice_grouping"] == "po_number"


async def test_a_redelivered_quote_accepted_changes_nothing(service, settings):
    event = quote_accepted()
    topic = settings.topic("q2c.quotes")
    key = event.data["quote"]["account_id"]
    marker = quote_accepted(account_id=key)

    await publish(settings.kafka_bootstrap_servers, topic, event, key=key)
    await publish(settings.kafka_bootstrap_servers, topic, event, key=key)
    await publish(settings.kafka_bootstrap_servers, topic, marker, key=key)
    # Same key, same partition: once the marker is applied, both copies were processed.
    await eventually(lambda: _orders_of(service.client, marker.subject))

    async with service.database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Order))
    assert count == 2


async def test_activation_creates_the_contract_and_emits_order_activated(service, settings):
    created = await service.client.post("/v1/orders", json=direct_order())
    order_id = created.json()["id"]

    activated = await service.client.post(f"/v1/orders/{order_id}/activate")
    again = await service.client.post(f"/v1/orders/{order_id}/activate")

    assert created.status_code == 201, created.text
    seat, setup = created.json()["order_products"]
    assert (seat["monthly_amount"], seat["amount"]) == ("59.97", None)
    assert (setup["monthly_amount"], setup["amount"]) == (None, "250.00")
    assert activated.json()["status"] == "activated"
    assert again.status_code == 409
    contract = (await service.client.get(f"/v1/contracts/{activated.json()['contract_id']}")).json()
    # Numbers come from a sequence other tests of the session draw from too.
    assert re.fullmatch(r"C-\d{6}", contract["number"])
    assert (contract["start_date"], contract["end_date"]) == ("2026-03-01", "2027-02-28")
    assert [(s["quantity"], s["net_unit_price"]) for s in contract["subscriptions"]] == [
        ("3", "19.99")
    ]
    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.orders"), expect=1
    )
    event = messages[0]["value"]
    assert event["type"] == "OrderActivated"
    assert event["data"]["contract"]["number"] == contract["number"]
    assert (
        event["data"]["order"]["order_products"][0]["subscription_id"]
        == contract["subscriptions"][0]["id"]
    )


async def test_an_event_committed_while_the_relay_was_down_is_published_after_restart(settings):
    settings_without_workers = settings.model_copy(update={"run_background_workers": False})
    async with running_service(create_app(settings_without_workers)) as stopped_relay:
        order = (await stopped_relay.client.post("/v1/orders", json=direct_order())).json()
        await stopped_relay.client.post(f"/v1/orders/{order['id']}/activate")
        async with stopped_relay.database.transaction() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
            )
        assert pending == 1

    async with running_service(create_app(settings), empty_tables=False):
        messages = await read_all(
            settings.kafka_bootstrap_servers, settings.topic("q2c.orders"), expect=1
        )

    assert [m["value"]["subject"] for m in messages] == [order["id"]]
