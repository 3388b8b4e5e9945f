"""Receivables from `InvoicePosted` over the real broker, into real PostgreSQL."""

import uuid
from datetime import date

import pytest
from factories import invoice_posted, post_invoice, receivable_of, record_payment
from sqlalchemy import func, select

from payment_svc.models import Receivable
from q2c_shared.testing.kafka import publish, read_all
from q2c_shared.testing.waiting import eventually

pytestmark = pytest.mark.usefixtures("outbox_drained")


async def test_a_posted_invoice_becomes_an_open_receivable(service, settings):
    account_id = str(uuid.uuid4())
    event = invoice_posted(
        account_id=account_id,
        total="1234.50",
        number="INV-000042",
        invoice_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
    )

    receivable = await post_invoice(service, settings, event)

    assert receivable["invoice_id"] == event.subject
    assert receivable["invoice_number"] == "INV-000042"
    assert receivable["account_id"] == account_id
    assert (receivable["invoice_date"], receivable["due_date"]) == ("2026-03-01", "2026-03-31")
    assert (receivable["total"], receivable["amount_paid"], receivable["balance"]) == (
        "1234.50",
        "0.00",
        "1234.50",
    )
    assert receivable["status"] == "open"
    assert receivable["paid_on"] is None


async def test_the_same_invoice_delivered_twice_makes_one_receivable(service, settings):
    account_id = str(uuid.uuid4())
    event = invoice_posted(account_id=account_id)
    # The same invoice again under a new event id (a producer retry): the unique invoice id
    # catches what the inbox cannot.
    same_invoice_new_event = invoice_posted(
        account_id=account_id, invoice_id=event.subject, total="999.00"
    )
    marker = invoice_posted(account_id=account_id, number="INV-000002")
    topic = settings.topic("q2c.invoices")

    for each in (event, event, same_invoice_new_event, marker):
        await publish(settings.kafka_bootstrap_servers, topic, each, key=account_id)
    # Same key, same partition: once the marker is applied, every copy before it was processed.
    await eventually(lambda: receivable_of(service.client, marker.subject))

    async with service.database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Receivable))
    first = await receivable_of(service.client, event.subject)
    assert count == 2
    assert first["total"] == "100.00"


async def test_receivables_filter_by_account_and_status_and_page(service, settings):
    account_id, other_account_id = str(uuid.uuid4()), str(uuid.uuid4())
    for number in ("INV-000001", "INV-000002", "INV-000003"):
        await post_invoice(service, settings, invoice_posted(account_id=account_id, number=number))
    await post_invoice(service, settings, invoice_posted(account_id=other_account_id))
    paid = await record_payment(service.client, account_id=account_id, amount="100.00")
    assert paid.status_code == 201, paid.text

    first = (
        await service.client.get("/v1/receivables", params={"account_id": account_id, "limit": 2})
    ).json()
    second = (
        await service.client.get(
            "/v1/receivables",
            params={"account_id": account_id, "limit": 2, "cursor": first["next_cursor"]},
        )
    ).json()
    open_ones = (
        await service.client.get(
            "/v1/receivables", params={"account_id": account_id, "status": "open"}
        )
    ).json()
    bad_status = await service.client.get("/v1/receivables", params={"status": "overdue"})

    assert [r["invoice_number"] for r in first["items"] + second["items"]] == [
        "INV-000003",
        "INV-000002",
        "INV-000001",
    ]
    assert second["next_cursor"] is None
    assert len(open_ones["items"]) == 2
    assert bad_status.status_code == 422


async def test_an_overpayment_is_credit_that_pays_the_next_invoice_by_itself(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))
    payment = (await record_payment(service.client, account_id=account_id, amount="150.00")).json()
    credit = (await service.client.get(f"/v1/account-balances/{account_id}")).json()

    settled_by_credit = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="30.00", number="INV-000002")
    )
    part_paid_by_credit = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="40.00", number="INV-000003")
    )
    after = (await service.client.get(f"/v1/account-balances/{account_id}")).json()
    payment_after = (await service.client.get(f"/v1/payments/{payment['id']}")).json()

    assert (payment["allocated"], payment["unallocated"]) == ("100.00", "50.00")
    assert credit == {
        "account_id": account_id,
        "currency": "USD",
        "open_total": "0.00",
        "credit_balance": "50.00",
        "account_name": None,  # no account event for it
        "email": None,
    }
    assert [settled_by_credit[field] for field in ("status", "amount_paid", "balance")] == [
        "paid",
        "30.00",
        "0.00",
    ]
    assert [part_paid_by_credit[field] for field in ("status", "amount_paid", "balance")] == [
        "open",
        "20.00",
        "20.00",
    ]
    assert after == {
        "account_id": account_id,
        "currency": "USD",
        "open_total": "20.00",
        "credit_balance": "0.00",
        "account_name": None,
        "email": None,
    }
    assert (payment_after["allocated"], payment_after["unallocated"]) == ("150.00", "0.00")
    assert [(a["invoice_id"], a["amount"]) for a in payment_after["allocations"]] == [
        (payment["allocations"][0]["invoice_id"], "100.00"),
        (settled_by_credit["invoice_id"], "30.00"),
        (part_paid_by_credit["invoice_id"], "20.00"),
    ]

    # 1 PaymentReceived, 3 PaymentAllocated, 2 InvoicePaid (the first and the credit-paid one).
    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.payments"), expect=6
    )
    events = [message["value"] for message in messages]
    by_invoice = {(e["type"], e["data"].get("invoice_id")): e["data"] for e in events}
    assert len(events) == 6
    assert {message["key"] for message in messages} == {account_id}
    drawn = by_invoice[("PaymentAllocated", part_paid_by_credit["invoice_id"])]
    assert (drawn["payment_id"], drawn["amount"]) == (payment["id"], "20.00")
    assert (drawn["invoice_amount_paid"], drawn["invoice_balance"]) == ("20.00", "20.00")
    settled = by_invoice[("InvoicePaid", settled_by_credit["invoice_id"])]
    assert settled["amount_paid"] == "30.00"
    assert settled["paid_on"] == settled_by_credit["paid_on"]
    assert ("InvoicePaid", part_paid_by_credit["invoice_id"]) not in by_invoice


async def test_an_invoice_posted_with_nothing_to_pay_is_paid_at_once(service, settings):
    account_id = str(uuid.uuid4())

    receivable = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="0.00", invoice_date=date(2026, 4, 1)),
    )

    assert (receivable["status"], receivable["balance"]) == ("paid", "0.00")
    assert receivable["paid_on"] == "2026-04-01"
