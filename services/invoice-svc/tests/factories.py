"""Small keyword-only builders of invoice-svc inputs (events from order-svc, quote-svc and
payment-svc) and helpers that drive it over its real broker and HTTP API."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from q2c_shared.events import contracts
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually


def order_product(**overrides: Any) -> dict[str, Any]:
    """A monthly seat at 31.00 from 2026-01-15 for 12 months, billed in advance."""
    return {
        "id": str(uuid.uuid4()),
        "product_id": str(uuid.uuid4()),
        "sku": "seat",
        "product_name": "Seat",
        "charge_type": "recurring",
        "billing_type": "advance",
        "billing_frequency": "monthly",
        "tax_code": "SAAS",
        "quantity": "1",
        "net_unit_price": "31.00",
        "monthly_amount": "31.00",
        "start_date": "2026-01-15",
        "end_date": "2027-01-14",
    } | overrides


def setup_fee(**overrides: Any) -> dict[str, Any]:
    return (
        order_product(
            sku="setup",
            product_name="Setup",
            charge_type="one_time",
            billing_frequency=None,
            net_unit_price="500.00",
            monthly_amount=None,
            amount="500.00",
            end_date=None,
        )
        | overrides
    )


def order_activated(
    *,
    account_id: str | None = None,
    payment_term: str = "net_30",
    billing_day_of_month: int | None = 1,
    billing_account_id: str | None = None,
    po_number: str | None = None,
    legal_entity: str | None = "q2c Inc",
    currency: str = "USD",
    contract_number: str = "C-000001",
    products: list[dict[str, Any]] | None = None,
    order_type: str = "new",
    contract_id: str | None = None,
    subscriptions: list[dict[str, Any]] | None = None,
) -> CloudEvent:
    account_id = account_id or str(uuid.uuid4())
    contract_id = contract_id or str(uuid.uuid4())
    order_id = str(uuid.uuid4())
    order_products = [
        contracts.OrderProductSnapshot.model_validate(product)
        for product in (products if products is not None else [order_product()])
    ]
    data = contracts.OrderActivated(
        order=contracts.OrderSnapshot(
            id=order_id,
            number="O-000001",
            type=order_type,
            contract_id=contract_id,
            account_id=account_id,
            billing_account_id=billing_account_id,
            currency=currency,
            payment_term=payment_term,
            po_number=po_number,
            legal_entity=legal_entity,
            billing_day_of_month=billing_day_of_month,
            activated_on=date(2026, 1, 10),
            order_products=order_products,
        ),
        contract=contracts.ContractSnapshot(
            id=contract_id,
            number=contract_number,
            account_id=account_id,
            start_date=min(product.start_date for product in order_products),
            end_date=max((p.end_date for p in order_products if p.end_date), default=None),
            subscriptions=[
                contracts.SubscriptionSnapshot.model_validate(subscription)
                for subscription in subscriptions or []
            ],
        ),
    )
    return CloudEvent.new(
        source="/q2c/order-svc",
        type="OrderActivated",
        subject=order_id,
        data=data.model_dump(mode="json"),
    )


BERLIN = {"line1": "Hauptstrasse 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}


def account_event(
    event_type: str = "AccountCreated",
    *,
    account_id: str,
    name: str = "Acme GmbH",
    email: str | None = "billing@acme.example",
    billing_address: dict[str, Any] | None = None,
    tax_exempt: bool = False,
    time: datetime | None = None,
) -> CloudEvent:
    """An `AccountCreated` / `AccountUpdated` CloudEvent as quote-svc emits it, written at
    `time` (default: now)."""
    account = contracts.AccountSnapshot(
        id=account_id,
        name=name,
        currency="EUR",
        email=email,
        billing_address=billing_address or BERLIN,
        payment_term="net_30",
        legal_entity="q2c GmbH",
        tax_exempt=tax_exempt,
    )
    data = contracts.EVENT_TYPES[event_type](account=account)
    event = CloudEvent.new(
        source="/q2c/quote-svc",
        type=event_type,
        subject=account_id,
        data=data.model_dump(mode="json"),
    )
    return event.model_copy(update={"time": time or datetime.now(UTC)})


async def publish_account_events(settings, *events: CloudEvent, key: str | None = None) -> None:
    """Publish in this order on the real `q2c.accounts` topic, keyed by the account id."""
    for event in events:
        await publish(
            settings.kafka_bootstrap_servers,
            settings.topic("q2c.accounts"),
            event,
            key=key or event.data["account"]["id"],
        )


def payment_allocated(*, invoice: dict[str, Any], amount: str) -> CloudEvent:
    paid = Decimal(invoice["amount_paid"]) + Decimal(amount)
    data = contracts.PaymentAllocated(
        allocation_id=str(uuid.uuid4()),
        payment_id=str(uuid.uuid4()),
        account_id=invoice["account_id"],
        invoice_id=invoice["id"],
        currency=invoice["currency"],
        amount=Decimal(amount),
        invoice_amount_paid=paid,
        invoice_balance=Decimal(invoice["total"]) - paid,
    )
    return CloudEvent.new(
        source="/q2c/payment-svc",
        type="PaymentAllocated",
        subject=invoice["id"],
        data=data.model_dump(mode="json"),
    )


def payment_unapplied(*, allocated: CloudEvent, invoice: dict[str, Any]) -> CloudEvent:
    """payment-svc taking back the allocation `allocated` (a `payment_allocated` event) from
    the invoice as it is now."""
    amount = Decimal(allocated.data["amount"])
    paid = Decimal(invoice["amount_paid"]) - amount
    data = contracts.PaymentUnapplied(
        allocation_id=allocated.data["allocation_id"],
        payment_id=allocated.data["payment_id"],
        account_id=invoice["account_id"],
        invoice_id=invoice["id"],
        currency=invoice["currency"],
        amount=amount,
        invoice_amount_paid=paid,
        invoice_balance=Decimal(invoice["total"]) - paid,
    )
    return CloudEvent.new(
        source="/q2c/payment-svc",
        type="PaymentUnapplied",
        subject=invoice["id"],
        data=data.model_dump(mode="json"),
    )


async def schedules_of(client: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/billing-schedules", params={"order_id": order_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def activate_orders(
    client: httpx.AsyncClient, settings: ServiceSettings, *events: CloudEvent
) -> None:
    """Publish `OrderActivated` events to the real topic and wait until each is scheduled."""
    for event in events:
        await publish(
            settings.kafka_bootstrap_servers,
            settings.topic("q2c.orders"),
            event,
            key=event.data["order"]["account_id"],
        )
    for event in events:
        expected = len(event.data["order"]["order_products"])

        async def scheduled(order_id: str = event.subject, expected: int = expected) -> bool:
            return len(await schedules_of(client, order_id)) == expected

        await eventually(scheduled, message=f"order {event.subject} was not scheduled")


async def start_run(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/invoice-runs", json=body)
    assert response.status_code == 202, response.text
    return response.json()


async def finished_run(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    async def finished() -> dict[str, Any] | None:
        run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
        return run if run["status"] in ("completed", "failed") else None

    return await eventually(finished, message=f"invoice run {run_id} did not finish")


async def run_invoices(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """Start a run and wait for it to finish; fails the test unless it completed."""
    run = await finished_run(client, (await start_run(client, **body))["id"])
    assert run["status"] == "completed", run
    return run


async def invoices_of(client: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/invoices", params={"limit": 500} | filters)
    assert response.status_code == 200, response.text
    return response.json()["items"]
