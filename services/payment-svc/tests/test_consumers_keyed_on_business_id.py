"""Every consumer's effect is keyed on its business id, not only on the event id (CONTRACT.md):
the same invoice, credit note or account delivered again under a NEW CloudEvent id, over the real
broker, changes no amount. The database decides (a unique key, ON CONFLICT), not a check in
Python. Each test sends a marker behind the copies on the same key (same partition): once the
marker is applied, every copy before it was processed."""

import uuid
from datetime import UTC, datetime

import pytest
from factories import (
    account_event,
    credit_note_issued,
    invoice_posted,
    issue_credit_note,
    post_invoice,
    publish_account_events,
    receivable_of,
    received_credit_note,
    record_payment,
)
from sqlalchemy import func, select

from payment_svc.models import CustomerAccount, Payment, PaymentAllocation
from q2c_shared.inbox import InboxEvent
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually

pytestmark = pytest.mark.usefixtures("outbox_drained")


async def _balance(service, account_id):
    response = await service.client.get(f"/v1/account-balances/{account_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["open_total"], body["credit_balance"]


async def _scalar(service, statement):
    async with service.database.transaction() as session:
        return await session.scalar(statement)


async def test_an_invoice_under_a_new_event_id_draws_on_credit_once(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))
    response = await record_payment(service.client, account_id=account_id, amount="250.00")
    assert response.status_code == 201, response.text
    event = invoice_posted(account_id=account_id, total="60.00", number="INV-000002")
    first = await post_invoice(service, settings, event)
    before = await _balance(service, account_id)

    same_invoice_new_event = invoice_posted(
        account_id=account_id, invoice_id=event.subject, total="60.00", number="INV-000002"
    )
    assert same_invoice_new_event.id != event.id
    marker = invoice_posted(account_id=account_id, total="1.00", number="INV-000003")
    topic = settings.topic("q2c.invoices")
    for each in (same_invoice_new_event, marker):
        await publish(settings.kafka_bootstrap_servers, topic, each, key=account_id)
    await eventually(lambda: receivable_of(service.client, marker.subject))

    again = await receivable_of(service.client, event.subject)
    allocations = await _scalar(
        service,
        select(func.count())
        .select_from(PaymentAllocation)
        .where(PaymentAllocation.invoice_id == uuid.UUID(event.subject)),
    )
    assert [first[k] for k in ("amount_paid", "balance", "status")] == ["60.00", "0.00", "paid"]
    assert again == first
    assert allocations == 1
    # 250 paid 100 and 60; the marker's 1.00 came out of the 90.00 credit, nothing else did.
    assert before == ("0.00", "90.00")
    assert await _balance(service, account_id) == ("0.00", "89.00")


async def test_a_credit_note_under_a_new_event_id_leaves_its_excess_as_credit_once(
    service, settings
):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )
    event = credit_note_issued(
        account_id=account_id, invoice_id=invoice["invoice_id"], total="130.00"
    )
    await issue_credit_note(service, settings, event)
    before = await _balance(service, account_id)

    same_note_new_event = credit_note_issued(
        account_id=account_id,
        invoice_id=invoice["invoice_id"],
        total="130.00",
        credit_note_id=event.subject,
    )
    assert same_note_new_event.id != event.id
    marker = credit_note_issued(account_id=account_id, total="1.00", number="CN-000002")
    topic = settings.topic("q2c.invoices")
    for each in (same_note_new_event, marker):
        await publish(settings.kafka_bootstrap_servers, topic, each, key=account_id)
    await eventually(lambda: received_credit_note(service.client, marker.subject, account_id))

    credit_payments = await _scalar(
        service,
        select(func.count())
        .select_from(Payment)
        .where(Payment.source_credit_note_id == uuid.UUID(event.subject)),
    )
    receivable = await receivable_of(service.client, invoice["invoice_id"])
    assert before == ("0.00", "30.00")
    assert credit_payments == 1
    assert [receivable[k] for k in ("credited", "balance")] == ["100.00", "0.00"]
    assert await _balance(service, account_id) == ("0.00", "31.00")  # the marker's 1.00 only


async def test_an_account_under_a_new_event_id_changes_nothing(service, settings):
    account_id = str(uuid.uuid4())
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    created = account_event(account_id=account_id, name="Acme", currency="USD", time=at)
    await publish_account_events(settings, created)
    first = await eventually(
        lambda: _scalar(
            service,
            select(CustomerAccount).where(CustomerAccount.account_id == uuid.UUID(account_id)),
        )
    )
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))
    before = await _balance(service, account_id)

    # The same account as it was then, sent again under a new event id (a producer retry).
    same_account_new_event = account_event(
        account_id=account_id, name="Acme", currency="USD", time=at
    )
    assert same_account_new_event.id != created.id
    marker = account_event(account_id=str(uuid.uuid4()), name="Marker", time=at)
    await publish_account_events(settings, same_account_new_event)
    await publish(
        settings.kafka_bootstrap_servers, settings.topic("q2c.accounts"), marker, key=account_id
    )

    async def marker_applied() -> bool:
        async with service.database.transaction() as session:
            return await session.get(InboxEvent, ("payment-svc", marker.id)) is not None

    await eventually(marker_applied, message="the marker was not read")
    async with service.database.transaction() as session:
        again = await session.get(CustomerAccount, uuid.UUID(account_id))
        rows = await session.scalar(
            select(func.count())
            .select_from(CustomerAccount)
            .where(CustomerAccount.account_id == uuid.UUID(account_id))
        )
        redelivery_read = await session.get(InboxEvent, ("payment-svc", same_account_new_event.id))

    assert redelivery_read is not None
    assert rows == 1
    assert (again.name, again.source_event_time) == ("Acme", at)
    assert again.updated_at == first.updated_at  # not even rewritten with the same values
    assert await _balance(service, account_id) == before == ("100.00", "0.00")
