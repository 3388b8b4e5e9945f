"""The bill-to accounts read model: fed only by quote-svc's account events on the real broker,
newest event wins, shown on invoices as `bill_to`."""

import uuid
from datetime import UTC, datetime, timedelta

from factories import (
    BERLIN,
    account_event,
    activate_orders,
    invoices_of,
    order_activated,
    publish_account_events,
    run_invoices,
)
from sqlalchemy import func, select

from invoice_svc.models import BillToAccount
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.inbox import InboxEvent
from q2c_shared.testing.waiting import eventually

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def _account(service, account_id: str) -> BillToAccount | None:
    async with service.database.transaction() as session:
        return await session.get(BillToAccount, uuid.UUID(account_id))


async def _account_named(service, account_id: str, name: str) -> BillToAccount | None:
    account = await _account(service, account_id)
    return account if account is not None and account.name == name else None


async def _applied(service, event: CloudEvent) -> bool:
    """True once the consumer committed the event (its inbox row commits with its effect)."""
    async with service.database.transaction() as session:
        return await session.get(InboxEvent, ("invoice-svc", event.id)) is not None


async def test_account_created_fills_the_read_model(service, settings):
    account_id = str(uuid.uuid4())
    created = account_event(account_id=account_id, tax_exempt=True, time=T0)

    await publish_account_events(settings, created)
    account = await eventually(lambda: _account(service, account_id))

    assert account.model_dump(exclude={"updated_at"}) == {
        "account_id": uuid.UUID(account_id),
        "name": "Acme GmbH",
        "currency": "EUR",
        "email": "billing@acme.example",
        "billing_address": BERLIN | {"line2": None, "region": None},
        "payment_term": "net_30",
        "legal_entity": "q2c GmbH",
        "tax_exempt": True,
        "source_event_time": T0,
    }


async def test_account_updated_changes_the_read_model(service, settings):
    account_id = str(uuid.uuid4())
    paris = {"line1": "1 rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"}
    created = account_event(account_id=account_id, name="Acme", time=T0)
    updated = account_event(
        "AccountUpdated",
        account_id=account_id,
        name="Acme SAS",
        email=None,
        billing_address=paris,
        tax_exempt=True,
        time=T0 + timedelta(minutes=5),
    )

    await publish_account_events(settings, created, updated)
    account = await eventually(lambda: _account_named(service, account_id, "Acme SAS"))

    assert (account.email, account.billing_address["city"], account.tax_exempt) == (
        None,
        "Paris",
        True,
    )
    assert account.source_event_time == T0 + timedelta(minutes=5)


async def test_an_older_update_delivered_after_a_newer_one_changes_nothing(service, settings):
    account_id = str(uuid.uuid4())
    created = account_event(account_id=account_id, name="Acme", time=T0)
    older = account_event(
        "AccountUpdated",
        account_id=account_id,
        name="Old name",
        tax_exempt=True,
        time=T0 + timedelta(seconds=1),
    )
    newer = account_event(
        "AccountUpdated", account_id=account_id, name="New name", time=T0 + timedelta(seconds=2)
    )

    await publish_account_events(settings, created, newer, older)
    await eventually(lambda: _applied(service, older), message="the older update was not read")
    account = await _account(service, account_id)

    assert (account.name, account.tax_exempt) == ("New name", False)
    assert account.source_event_time == T0 + timedelta(seconds=2)


async def test_the_same_event_twice_has_one_effect(service, settings):
    account_id = str(uuid.uuid4())
    created = account_event(account_id=account_id, name="Acme", time=T0)
    await publish_account_events(settings, created)
    first = await eventually(lambda: _account(service, account_id))
    # Another account's event under the same Kafka key lands on the same partition behind the
    # redelivery: once it is applied, the redelivery was read too.
    behind = account_event(account_id=str(uuid.uuid4()), name="Marker", time=T0)

    await publish_account_events(settings, created)
    await publish_account_events(settings, behind, key=account_id)
    await eventually(lambda: _applied(service, behind), message="the marker was not read")
    again = await _account(service, account_id)
    async with service.database.transaction() as session:
        claims = await session.scalar(
            select(func.count()).select_from(InboxEvent).where(InboxEvent.event_id == created.id)
        )

    assert claims == 1
    assert (again.name, again.source_event_time) == ("Acme", T0)
    assert again.updated_at == first.updated_at  # not even rewritten with the same values


async def test_an_invoice_shows_its_bill_to_account_once_known(service, settings):
    known, unknown = str(uuid.uuid4()), str(uuid.uuid4())
    await publish_account_events(
        settings,
        account_event(account_id=known, name="Acme GmbH", email="ar@acme.example", time=T0),
        account_event(
            "AccountUpdated",
            account_id=known,
            name="Acme AG",
            email="ar@acme.example",
            tax_exempt=True,
            time=T0 + timedelta(seconds=1),
        ),
    )
    await eventually(lambda: _account_named(service, known, "Acme AG"))
    await activate_orders(
        service.client,
        settings,
        order_activated(account_id=known),
        order_activated(account_id=unknown),
    )
    run = await run_invoices(service.client, target_date="2026-02-01", post=True)

    listed = {
        i["account_id"]: i for i in await invoices_of(service.client, invoice_run_id=run["id"])
    }
    invoice = (await service.client.get(f"/v1/invoices/{listed[known]['id']}")).json()
    stranger = (await service.client.get(f"/v1/invoices/{listed[unknown]['id']}")).json()

    assert invoice["bill_to"] == {
        "name": "Acme AG",
        "email": "ar@acme.example",
        "billing_address": BERLIN | {"line2": None, "region": None},
        "tax_exempt": True,
    }
    assert stranger["bill_to"] is None
    assert listed[known]["bill_to"] == invoice["bill_to"]  # lists show it too
    # The invoice's own fields are as they were: the account events change only `bill_to`.
    assert (invoice["account_id"], invoice["status"], invoice["total"]) == (
        known,
        "posted",
        "48.00",
    )
    assert (invoice["payment_term"], invoice["currency"]) == ("net_30", "USD")
