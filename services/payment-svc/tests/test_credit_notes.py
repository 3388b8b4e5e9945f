"""Credit notes from `CreditNoteIssued` over the real broker: receivables lowered, the excess
kept as the account's credit, which pays its invoices by itself."""

import uuid
from datetime import date

import pytest
from factories import (
    credit_note_issued,
    invoice_posted,
    issue_credit_note,
    post_invoice,
    receivable_of,
    received_credit_note,
    record_payment,
)
from sqlalchemy import func, select

from payment_svc.models import Payment, ReceivedCreditNote
from q2c_shared.testing.kafka import publish, read_all
from q2c_shared.testing.waiting import eventually

pytestmark = pytest.mark.usefixtures("outbox_drained")


async def _balance(service, account_id):
    return (await service.client.get(f"/v1/account-balances/{account_id}")).json()


async def test_a_credit_note_of_part_of_an_open_invoice_lowers_its_receivable(service, settings):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )

    part = await issue_credit_note(
        service,
        settings,
        credit_note_issued(
            account_id=account_id,
            invoice_id=invoice["invoice_id"],
            total="30.00",
            invoice_balance="70.00",
        ),
    )
    lowered = await receivable_of(service.client, invoice["invoice_id"])
    balance = await _balance(service, account_id)
    rest = await issue_credit_note(
        service,
        settings,
        credit_note_issued(
            account_id=account_id,
            invoice_id=invoice["invoice_id"],
            total="70.00",
            number="CN-000002",
            issue_date=date(2026, 2, 20),
            invoice_balance="0.00",
        ),
    )
    settled = await receivable_of(service.client, invoice["invoice_id"])
    by_invoice = (
        await service.client.get(
            "/v1/received-credit-notes", params={"invoice_id": invoice["invoice_id"]}
        )
    ).json()

    assert [part[k] for k in ("number", "total", "applied", "excess")] == [
        "CN-000001",
        "30.00",
        "30.00",
        "0.00",
    ]
    assert (part["receivable_id"], part["credit_payment_id"]) == (invoice["id"], None)
    assert [lowered[k] for k in ("status", "amount_paid", "credited", "balance")] == [
        "open",
        "0.00",
        "30.00",
        "70.00",
    ]
    assert (balance["open_total"], balance["credit_balance"]) == ("70.00", "0.00")
    assert (rest["applied"], rest["excess"]) == ("70.00", "0.00")
    assert [settled[k] for k in ("status", "credited", "balance", "paid_on")] == [
        "paid",
        "100.00",
        "0.00",
        "2026-02-20",
    ]
    assert [item["number"] for item in by_invoice["items"]] == ["CN-000002", "CN-000001"]
    async with service.database.transaction() as session:
        credits = await session.scalar(
            select(func.count()).select_from(Payment).where(Payment.account_id == account_id)
        )
    assert credits == 0  # nothing beyond the balance: no credit


async def test_a_credit_note_of_a_paid_invoice_becomes_credit_that_pays_invoices_by_itself(
    service, settings
):
    account_id = str(uuid.uuid4())
    paid = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="100.00", due_date=date(2026, 1, 31)),
    )
    payment = (await record_payment(service.client, account_id=account_id, amount="100.00")).json()
    still_open = await post_invoice(
        service,
        settings,
        invoice_posted(
            account_id=account_id,
            total="50.00",
            number="INV-000002",
            invoice_date=date(2026, 2, 1),
            due_date=date(2026, 3, 3),
        ),
    )

    received = await issue_credit_note(
        service,
        settings,
        credit_note_issued(
            account_id=account_id,
            invoice_id=paid["invoice_id"],
            total="80.00",
            invoice_balance="0.00",
            number="CN-000007",
            issue_date=date(2026, 2, 15),
        ),
    )
    credit = (await service.client.get(f"/v1/payments/{received['credit_payment_id']}")).json()
    paid_after = await receivable_of(service.client, paid["invoice_id"])
    settled_by_credit = await receivable_of(service.client, still_open["invoice_id"])
    next_invoice = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="20.00", number="INV-000003"),
    )
    balance = await _balance(service, account_id)

    assert payment["allocations"][0]["invoice_id"] == paid["invoice_id"]
    assert (received["applied"], received["excess"]) == ("0.00", "80.00")
    assert [credit[k] for k in ("method", "reference", "received_on", "amount")] == [
        "credit_note",
        "CN-000007",
        "2026-02-15",
        "80.00",
    ]
    assert credit["source_credit_note_id"] == received["credit_note_id"]
    assert (credit["allocated"], credit["unallocated"]) == ("50.00", "30.00")
    assert [(a["invoice_id"], a["amount"]) for a in credit["allocations"]] == [
        (still_open["invoice_id"], "50.00")
    ]
    assert [paid_after[k] for k in ("status", "amount_paid", "credited")] == [
        "paid",
        "100.00",
        "0.00",
    ]
    assert [settled_by_credit[k] for k in ("status", "amount_paid", "balance", "paid_on")] == [
        "paid",
        "50.00",
        "0.00",
        "2026-02-15",
    ]
    assert [next_invoice[k] for k in ("status", "amount_paid", "balance")] == [
        "paid",
        "20.00",
        "0.00",
    ]
    assert (balance["open_total"], balance["credit_balance"]) == ("0.00", "10.00")

    # The payment: PaymentReceived, PaymentAllocated, InvoicePaid. The credit: a PaymentAllocated
    # and an InvoicePaid for each invoice it paid, and no PaymentReceived.
    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.payments"), expect=7
    )
    events = [(m["value"]["type"], m["value"]["data"]) for m in messages]
    assert len(events) == 7
    assert [data["payment"]["id"] for kind, data in events if kind == "PaymentReceived"] == [
        payment["id"]
    ]
    from_credit = [
        (data["invoice_id"], data["amount"], data["invoice_balance"])
        for kind, data in events
        if kind == "PaymentAllocated" and data["payment_id"] == credit["id"]
    ]
    assert from_credit == [
        (still_open["invoice_id"], "50.00", "0.00"),
        (next_invoice["invoice_id"], "20.00", "0.00"),
    ]
    assert {data["invoice_id"] for kind, data in events if kind == "InvoicePaid"} == {
        paid["invoice_id"],
        still_open["invoice_id"],
        next_invoice["invoice_id"],
    }


async def test_an_invoice_run_credit_note_becomes_the_accounts_credit(service, settings):
    account_id = str(uuid.uuid4())

    received = await issue_credit_note(
        service, settings, credit_note_issued(account_id=account_id, total="40.00")
    )
    balance = await _balance(service, account_id)
    credit = (await service.client.get(f"/v1/payments/{received['credit_payment_id']}")).json()

    assert (received["invoice_id"], received["receivable_id"]) == (None, None)
    assert (received["applied"], received["excess"]) == ("0.00", "40.00")
    assert (credit["method"], credit["unallocated"], credit["allocations"]) == (
        "credit_note",
        "40.00",
        [],
    )
    assert (balance["open_total"], balance["credit_balance"]) == ("0.00", "40.00")


async def test_the_same_credit_note_delivered_twice_is_recorded_once(service, settings):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )
    event = credit_note_issued(
        account_id=account_id, invoice_id=invoice["invoice_id"], total="60.00"
    )
    # The same credit note under a new event id (a producer retry): the unique credit note id
    # catches what the inbox cannot.
    same_note_new_event = credit_note_issued(
        account_id=account_id,
        invoice_id=invoice["invoice_id"],
        total="60.00",
        credit_note_id=event.subject,
    )
    marker = credit_note_issued(account_id=account_id, total="1.00", number="CN-000002")
    topic = settings.topic("q2c.invoices")

    for each in (event, event, same_note_new_event, marker):
        await publish(settings.kafka_bootstrap_servers, topic, each, key=account_id)
    # Same key, same partition: once the marker is recorded, every copy before it was processed.
    await eventually(lambda: received_credit_note(service.client, marker.subject, account_id))

    receivable = await receivable_of(service.client, invoice["invoice_id"])
    async with service.database.transaction() as session:
        recorded = await session.scalar(
            select(func.count())
            .select_from(ReceivedCreditNote)
            .where(ReceivedCreditNote.credit_note_id == uuid.UUID(event.subject))
        )
    assert recorded == 1
    # Credited once; the marker (a run's credit note) became credit that paid 1.00 of the rest.
    assert [receivable[k] for k in ("credited", "amount_paid", "balance")] == [
        "60.00",
        "1.00",
        "39.00",
    ]


async def test_a_credit_note_of_an_invoice_not_yet_known_is_dead_lettered(service, settings):
    account_id = str(uuid.uuid4())
    event = credit_note_issued(account_id=account_id, invoice_id=str(uuid.uuid4()), total="5.00")

    await publish(
        settings.kafka_bootstrap_servers, settings.topic("q2c.invoices"), event, key=account_id
    )
    [dead] = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.invoices") + ".dlq", expect=1
    )

    assert dead["value"]["id"] == event.id
    assert await received_credit_note(service.client, event.subject, account_id) is None


async def test_a_person_cannot_record_a_credit_note_as_a_payment(service):
    response = await record_payment(
        service.client, account_id=str(uuid.uuid4()), amount="10.00", method="credit_note"
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "credit_note" in response.text
