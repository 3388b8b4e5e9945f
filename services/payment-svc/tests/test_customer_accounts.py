"""The customer accounts read model: fed only by quote-svc's account events on the real broker,
newest event wins, shown on account balances."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from factories import account_event, invoice_posted, post_invoice, publish_account_events
from sqlalchemy import func, select

from payment_svc.models import CustomerAccount
from q2c_shared.inbox import InboxEvent
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually

pytestmark = pytest.mark.usefixtures("outbox_drained")

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def _account(service, account_id):
    async with service.database.transaction() as session:
        return await session.get(CustomerAccount, uuid.UUID(account_id))


async def _account_named(service, account_id, name):
    account = await _account(service, account_id)
    return account if account is not None and account.name == name else None


async def _applied(service, event):
    """True once the consumer committed the event (its inbox row commits with its effect)."""
    async with service.database.transaction() as session:
        return await session.get(InboxEvent, ("payment-svc", event.id)) is not None


async def test_account_created_fills_the_read_model(service, settings):
    account_id = str(uuid.uuid4())
    created = account_event(
        account_id=account_id, name="Acme GmbH", email="ar@acme.example", time=T0
    )

    await publish_account_events(settings, created)
    account = await eventually(lambda: _account(service, account_id))

    assert (account.name, account.email, account.currency, account.payment_term) == (
        "Acme GmbH",
        "ar@acme.example",
        "EUR",
        "net_30",
    )
    assert account.source_event_time == T0


async def test_account_updated_changes_the_read_model(service, settings):
    account_id = str(uuid.uuid4())
    created = account_event(account_id=account_id, name="Acme", time=T0)
    updated = account_event(
        "AccountUpdated",
        account_id=account_id,
        name="Acme Holding",
        email="finance@acme.example",
        payment_term="net_60",
        time=T0 + timedelta(minutes=5),
    )

    await publish_account_events(settings, created, updated)
    account = await eventually(lambda: _account_named(service, account_id, "Acme Holding"))

    assert (account.email, account.payment_term) == ("finance@acme.example", "net_60")
    assert account.source_event_time == T0 + timedelta(minutes=5)


async def test_an_older_update_delivered_after_a_newer_one_changes_nothing(service, settings):
    account_id = str(uuid.uuid4())
    created = account_event(account_id=account_id, name="Acme", time=T0)
    older = account_event(
        "AccountUpdated", account_id=account_id, name="Old name", time=T0 + timedelta(seconds=1)
    )
    newer = account_event(
        "AccountUpdated", account_id=account_id, name="New name", time=T0 + timedelta(seconds=2)
    )

    await publish_account_events(settings, created, newer, older)
    await eventually(lambda: _applied(service, older), message="the older update was not read")
    account = await _account(service, account_id)

    assert account.name == "New name"
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
    await publish(
        settings.kafka_bootstrap_servers, settings.topic("q2c.accounts"), behind, key=account_id
    )
    await eventually(lambda: _applied(service, behind), message="the marker was not read")
    again = await _account(service, account_id)
    async with service.database.transaction() as session:
        claims = await session.scalar(
            select(func.count()).select_from(InboxEvent).where(InboxEvent.event_id == created.id)
        )

    assert claims == 1
    assert (again.name, again.source_event_time) == ("Acme", T0)
    assert again.updated_at == first.updated_at  # not even rewritten with the same values


async def test_the_account_balance_shows_the_accounts_name_and_email(service, settings):
    known, unknown = str(uuid.uuid4()), str(uuid.uuid4())
    await publish_account_events(
        settings, account_event(account_id=known, name="Acme GmbH", email="ar@acme.example")
    )
    await eventually(lambda: _account(service, known))
    await post_invoice(service, settings, invoice_posted(account_id=known, total="100.00"))
    await post_invoice(service, settings, invoice_posted(account_id=unknown, total="50.00"))

    balance = (await service.client.get(f"/v1/account-balances/{known}")).json()
    stranger = (await service.client.get(f"/v1/account-balances/{unknown}")).json()

    assert balance == {
        "account_id": known,
        "currency": "USD",  # the invoice's currency, not the account's default (EUR)
        "open_total": "100.00",
        "credit_balance": "0.00",
        "account_name": "Acme GmbH",
        "email": "ar@acme.example",
    }
    assert (stranger["open_total"], stranger["account_name"], stranger["email"]) == (
        "50.00",
        None,
        None,
    )


async def test_a_known_account_without_money_shows_zeros_in_its_currency(service, settings):
    account_id = str(uuid.uuid4())
    await publish_account_events(settings, account_event(account_id=account_id, currency="JPY"))
    await eventually(lambda: _account(service, account_id))

    known = await service.client.get(f"/v1/account-balances/{account_id}")
    never_heard_of = await service.client.get(f"/v1/account-balances/{uuid.uuid4()}")

    assert known.status_code == 200, known.text
    assert (known.json()["currency"], known.json()["open_total"]) == ("JPY", "0")
    assert known.json()["credit_balance"] == "0"
    assert never_heard_of.status_code == 404
