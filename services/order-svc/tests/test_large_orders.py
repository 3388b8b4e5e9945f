"""Orders of 1,000 products are written set-based (issue 12): creating an order (direct or from a
`QuoteAccepted`) and activating it runs as many SQL statements for 1,000 order products as for
two, so no statement runs per product.

The statements are counted with a SQLAlchemy event listener on the service's engine, with the
background workers (relay, consumers) off so that only the request's statements are counted.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from factories import direct_order, quote_accepted
from sqlalchemy import event, func, select

from order_svc.app import create_app
from order_svc.models import OrderProduct, Subscription
from order_svc.orders import service as orders
from order_svc.orders.schemas import AcceptedQuote
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.service import RunningService, running_service
from q2c_shared.testing.waiting import eventually


@pytest.fixture
async def quiet_service(settings) -> AsyncIterator[RunningService]:
    """The service without relay and consumers: the only statements are the test's."""
    quiet = settings.model_copy(update={"run_background_workers": False})
    async with running_service(create_app(quiet)) as running:
        yield running


@contextmanager
def counted_statements(running: RunningService) -> Iterator[list[str]]:
    """The SQL statements the service's engine runs inside the block (an executemany: one)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = running.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _direct_order(products: int, *, one_time: bool = True) -> dict[str, Any]:
    """A direct order of `products` order products, half recurring, half one-time (or all
    recurring)."""
    body = direct_order()
    seat, setup = body["order_products"]
    body["order_products"] = [
        (setup if one_time and i % 2 else seat)
        | {"product_id": str(uuid.uuid4()), "sku": f"sku-{i}"}
        for i in range(products)
    ]
    return body


async def _create_and_activate(running: RunningService, products: int) -> tuple[int, int, dict]:
    """Statements run to create and to activate a direct order of `products` order products."""
    with counted_statements(running) as creating:
        created = await running.client.post("/v1/orders", json=_direct_order(products))
    assert created.status_code == 201, created.text
    with counted_statements(running) as activating:
        activated = await running.client.post(f"/v1/orders/{created.json()['id']}/activate")
    assert activated.status_code == 200, activated.text
    return len(creating), len(activating), activated.json()


async def test_a_1000_product_order_takes_as_many_statements_as_a_2_product_one(quiet_service):
    small = await _create_and_activate(quiet_service, 2)
    large = await _create_and_activate(quiet_service, 1000)

    assert large[:2] == small[:2]
    order = large[2]
    assert [p["sku"] for p in order["order_products"]] == [f"sku-{i}" for i in range(1000)]
    contract = (await quiet_service.client.get(f"/v1/contracts/{order['contract_id']}")).json()
    subscriptions = {s["id"] for s in contract["subscriptions"]}
    assert len(subscriptions) == 500
    # Each recurring order product names its own subscription; one-time ones none.
    assert [p["subscription_id"] in subscriptions for p in order["order_products"]] == [
        i % 2 == 0 for i in range(1000)
    ]


async def _order_from_quote(running: RunningService, lines: int) -> int:
    event = quote_accepted(
        lines=[{"id": str(uuid.uuid4()), "product_id": str(uuid.uuid4())} for _ in range(lines)]
    )
    with counted_statements(running) as statements:
        async with running.database.transaction() as session:
            await orders.order_from_quote(session, AcceptedQuote.model_validate(event.data))
    return len(statements)


async def test_a_1000_line_quote_takes_as_many_statements_as_a_1_line_one(quiet_service):
    one = await _order_from_quote(quiet_service, 1)
    thousand = await _order_from_quote(quiet_service, 1000)

    assert thousand == one
    async with quiet_service.database.transaction() as session:
        products = await session.scalar(select(func.count()).select_from(OrderProduct))
    assert products == 1001


async def test_an_amendment_of_999_subscriptions_takes_as_many_statements_as_of_one(
    quiet_service,
):
    counts = []
    for size in (1, 999):
        body = _direct_order(size, one_time=False)
        created = (await quiet_service.client.post("/v1/orders", json=body)).json()
        contract_id = (
            await quiet_service.client.post(f"/v1/orders/{created['id']}/activate")
        ).json()["contract_id"]
        contract = (await quiet_service.client.get(f"/v1/contracts/{contract_id}")).json()
        changes = [
            {
                "id": str(uuid.uuid4()),
                "product_id": subscription["product_id"],
                "sku": subscription["sku"],
                "subscription_id": subscription["id"],
                "quantity": "5",
                "quantity_delta": "2",
                "net_unit_price": subscription["net_unit_price"],
                "monthly_amount": "39.98",
            }
            for subscription in contract["subscriptions"]
        ]
        added = {"id": str(uuid.uuid4()), "product_id": str(uuid.uuid4()), "sku": "added"}
        amendment = quote_accepted(
            account_id=created["account_id"],
            quote_type="amendment",
            contract_id=contract_id,
            start_date=contract["start_date"],
            end_date=contract["end_date"],
            lines=[*changes, added],
        )
        async with quiet_service.database.transaction() as session:
            order = await orders.order_from_quote(
                session, AcceptedQuote.model_validate(amendment.data)
            )
        with counted_statements(quiet_service) as statements:
            activated = await quiet_service.client.post(f"/v1/orders/{order.id}/activate")
        assert activated.status_code == 200, activated.text
        counts.append(len(statements))
        amended = (await quiet_service.client.get(f"/v1/contracts/{contract_id}")).json()
        assert sorted(s["quantity"] for s in amended["subscriptions"]) == ["10"] + ["5"] * size

    assert counts[0] == counts[1]


async def test_a_1000_line_quote_accepted_through_the_broker_is_one_order(service, settings):
    lines = [
        {"id": str(uuid.uuid4()), "product_id": str(uuid.uuid4()), "sku": f"seat-{i}"}
        for i in range(1000)
    ]
    event = quote_accepted(lines=lines)

    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic("q2c.quotes"),
        event,
        key=event.data["quote"]["account_id"],
    )
    (order,) = await eventually(
        lambda: _items(service, f"/v1/orders?quote_id={event.subject}"), timeout=60
    )
    assert [p["sku"] for p in order["order_products"]] == [f"seat-{i}" for i in range(1000)]

    activated = await service.client.post(f"/v1/orders/{order['id']}/activate")
    assert activated.status_code == 200, activated.text
    async with service.database.transaction() as session:
        subscriptions = await session.scalar(select(func.count()).select_from(Subscription))
    assert subscriptions == 1000


async def _items(service, path: str) -> list[dict[str, Any]]:
    return (await service.client.get(path)).json()["items"]
