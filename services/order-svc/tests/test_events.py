"""order-svc's event writer (events.py) against the contract model and the rows it reads.

`OrderActivated` is taken from the outbox as it would be published, read back through its model
in `q2c_shared.events.contracts`, and compared field by field with the order, order product,
contract and subscription rows: every billing field must arrive, `tax_code` above all, which
invoice-svc taxes by.
"""

import uuid
from typing import Any

from factories import direct_order, quote_accepted
from pydantic import BaseModel
from sqlalchemy import select

from order_svc.models import Contract, Order, OrderProduct, Subscription
from q2c_shared.events import contracts
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually


def _missing_fields(snapshot: BaseModel, row: Any) -> dict[str, tuple[Any, Any]]:
    """The contract fields the row also has whose value did not arrive: name -> (row, event)."""
    missing = {}
    for name in type(snapshot).model_fields:
        if not hasattr(row, name):
            continue
        expected = getattr(row, name)
        if isinstance(expected, uuid.UUID):
            expected = str(expected)
        if getattr(snapshot, name) != expected:
            missing[name] = (expected, getattr(snapshot, name))
    return missing


async def _order_activated(service, order_id: str) -> contracts.OrderActivated:
    async with service.database.transaction() as session:
        envelope = await session.scalar(
            select(OutboxEvent.envelope).where(OutboxEvent.event_type == "OrderActivated")
        )
    assert envelope["subject"] == order_id
    return contracts.OrderActivated.model_validate(envelope["data"])


async def _assert_rows_arrived(service, event: contracts.OrderActivated) -> None:
    async with service.database.transaction() as session:
        order = await session.get(Order, uuid.UUID(event.order.id))
        products = list(
            await session.scalars(
                select(OrderProduct)
                .where(OrderProduct.order_id == order.id)
                .order_by(OrderProduct.position)
            )
        )
        contract = await session.get(Contract, order.contract_id)
        subscriptions = list(
            await session.scalars(
                select(Subscription)
                .where(Subscription.contract_id == contract.id)
                .order_by(Subscription.id)
            )
        )
    assert _missing_fields(event.order, order) == {}
    assert [p.id for p in event.order.order_products] == [str(p.id) for p in products]
    for snapshot, product in zip(event.order.order_products, products, strict=True):
        assert _missing_fields(snapshot, product) == {}
    assert _missing_fields(event.contract, contract) == {}
    assert [s.id for s in event.contract.subscriptions] == [str(s.id) for s in subscriptions]
    for snapshot, subscription in zip(event.contract.subscriptions, subscriptions, strict=True):
        assert _missing_fields(snapshot, subscription) == {}


async def test_an_order_from_a_quote_hands_its_tax_code_to_order_activated(service, settings):
    payer = str(uuid.uuid4())
    accepted = quote_accepted(
        lines=[
            {"tax_code": "standard"},
            {
                "id": str(uuid.uuid4()),
                "product_id": str(uuid.uuid4()),
                "sku": "setup",
                "product_name": "Setup",
                "charge_type": "one_time",
                "billing_frequency": None,
                "tax_code": "services",
                "quantity": "1",
                "net_unit_price": "500.00",
                "monthly_amount": None,
                "amount": "500.00",
                "net_total": "500.00",
                "billing_account_id": payer,
                "invoice_grouping": "separate",
            },
        ]
    )
    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic("q2c.quotes"),
        accepted,
        key=accepted.data["quote"]["account_id"],
    )
    orders = await eventually(lambda: _items(service, f"/v1/orders?quote_id={accepted.subject}"))
    order_id = orders[0]["id"]
    assert [p["tax_code"] for p in orders[0]["order_products"]] == ["standard", "services"]

    activated = await service.client.post(f"/v1/orders/{order_id}/activate")
    assert activated.status_code == 200, activated.text

    event = await _order_activated(service, order_id)
    assert [p.tax_code for p in event.order.order_products] == ["standard", "services"]
    assert event.order.order_products[1].billing_account_id == payer
    assert event.order.quote_id == accepted.subject
    await _assert_rows_arrived(service, event)


async def test_a_direct_order_hands_every_billing_field_to_order_activated(service):
    body = direct_order()
    body["order_products"][0] |= {"tax_code": "standard", "billing_frequency": "quarterly"}
    created = await service.client.post("/v1/orders", json=body)
    assert created.status_code == 201, created.text

    await service.client.post(f"/v1/orders/{created.json()['id']}/activate")

    event = await _order_activated(service, created.json()["id"])
    seat = event.order.order_products[0]
    assert (seat.tax_code, seat.billing_frequency) == ("standard", "quarterly")
    assert event.contract.subscriptions[0].id == seat.subscription_id
    await _assert_rows_arrived(service, event)


async def _items(service, path: str) -> list[dict[str, Any]]:
    return (await service.client.get(path)).json()["items"]
