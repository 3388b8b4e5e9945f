"""Payment batches: many payments recorded and allocated at once, as single payments would be."""

import uuid
from datetime import date

import pytest
from factories import invoice_posted, post_invoice, receivable_of
from sqlalchemy import func, select

from payment_svc.models import Payment
from q2c_shared.outbox import OutboxEvent

pytestmark = pytest.mark.usefixtures("outbox_drained")


def _item(account_id: str, amount: str, **overrides):
    return {
        "account_id": account_id,
        "amount": amount,
        "currency": "USD",
        "method": "bank_transfer",
        "reference": "STMT-1",
        "received_on": "2026-02-10",
    } | overrides


async def _events(database, event_type):
    async with database.transaction() as session:
        return await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == event_type)
        )


async def test_a_batch_pays_oldest_first_in_its_order_and_keeps_the_rest_as_credit(
    service, settings
):
    acme, globex = str(uuid.uuid4()), str(uuid.uuid4())
    january = invoice_posted(account_id=acme, total="100.00", due_date=date(2026, 1, 31))
    february = invoice_posted(account_id=acme, total="50.00", due_date=date(2026, 2, 28))
    globex_invoice = invoice_posted(account_id=globex, total="80.00")
    for event in (january, february, globex_invoice):
        await post_invoice(service, settings, event)
    before = {kind: await _events(service.database, kind) for kind in ("PaymentAllocated",)}

    response = await service.client.post(
        "/v1/payment-batches",
        json={
            "payments": [
                _item(acme, "120.00"),  # January in full, 20.00 of February
                _item(globex, "30.00"),
                _item(acme, "40.00"),  # February's other 30.00, 10.00 credit
            ]
        },
    )

    assert response.status_code == 201, response.text
    summary = response.json()
    assert (
        summary["payments_recorded"],
        summary["allocations_created"],
        summary["invoices_paid"],
    ) == (3, 4, 2)
    first, second, third = summary["payment_ids"]
    assert (await receivable_of(service.client, january.subject))["status"] == "paid"
    feb = await receivable_of(service.client, february.subject)
    assert (feb["amount_paid"], feb["balance"], feb["status"]) == ("50.00", "0.00", "paid")
    globex_receivable = await receivable_of(service.client, globex_invoice.subject)
    assert (globex_receivable["balance"], globex_receivable["status"]) == ("50.00", "open")
    payments = {p: (await service.client.get(f"/v1/payments/{p}")).json() for p in (first, third)}
    assert (payments[first]["allocated"], payments[first]["unallocated"]) == ("120.00", "0.00")
    assert (payments[third]["allocated"], payments[third]["unallocated"]) == ("30.00", "10.00")
    balance = (await service.client.get(f"/v1/account-balances/{acme}")).json()
    assert (balance["open_total"], balance["credit_balance"]) == ("0.00", "10.00")
    assert await _events(service.database, "PaymentAllocated") - before["PaymentAllocated"] == 4


async def test_an_invalid_item_records_nothing(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id))

    response = await service.client.post(
        "/v1/payment-batches",
        json={"payments": [_item(account_id, "10.00"), _item(account_id, "-5.00")]},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    async with service.database.transaction() as session:
        recorded = await session.scalar(
            select(func.count())
            .select_from(Payment)
            .where(Payment.account_id == uuid.UUID(account_id))
        )
    assert recorded == 0
