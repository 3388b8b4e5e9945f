"""Unapplying an allocation: the money goes back to the payment and the invoice owes it again."""

import uuid
from datetime import date

import pytest
from factories import invoice_posted, post_invoice, receivable_of, record_payment

from q2c_shared.testing.kafka import read_all

pytestmark = pytest.mark.usefixtures("outbox_drained")


async def test_unapplying_an_allocation_restores_the_balances_and_emits_payment_unapplied(
    service, settings
):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="100.00", due_date=date(2026, 1, 31)),
    )
    other = await post_invoice(
        service,
        settings,
        invoice_posted(
            account_id=account_id, total="30.00", number="INV-000002", due_date=date(2026, 2, 28)
        ),
    )
    payment = (await record_payment(service.client, account_id=account_id, amount="130.00")).json()
    to_invoice, to_other = payment["allocations"]
    unapply = f"/v1/payments/{payment['id']}/allocations/{to_invoice['id']}/unapply"

    response = await service.client.post(unapply)
    again = await service.client.post(unapply)
    receivable = await receivable_of(service.client, invoice["invoice_id"])
    untouched = await receivable_of(service.client, other["invoice_id"])
    balance = (await service.client.get(f"/v1/account-balances/{account_id}")).json()
    listed = (await service.client.get("/v1/payments", params={"account_id": account_id})).json()

    assert response.status_code == 200, response.text
    after = response.json()
    assert [after[k] for k in ("amount", "allocated", "unallocated", "refunded")] == [
        "130.00",
        "30.00",
        "100.00",
        "0.00",
    ]
    assert after["allocations"] == [to_other]  # only the active ones
    assert listed["items"] == [after]
    assert [receivable[k] for k in ("status", "amount_paid", "balance", "paid_on")] == [
        "open",
        "0.00",
        "100.00",
        None,
    ]
    assert (untouched["status"], untouched["amount_paid"]) == ("paid", "30.00")
    assert (balance["open_total"], balance["credit_balance"]) == ("100.00", "100.00")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "allocation_already_unapplied"

    # PaymentReceived, 2 x (PaymentAllocated, InvoicePaid), then PaymentUnapplied.
    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.payments"), expect=6
    )
    assert len(messages) == 6
    last = messages[-1]
    assert (last["key"], last["value"]["type"]) == (account_id, "PaymentUnapplied")
    assert last["value"]["subject"] == invoice["invoice_id"]
    assert last["value"]["data"] == {
        "allocation_id": to_invoice["id"],
        "payment_id": payment["id"],
        "account_id": account_id,
        "invoice_id": invoice["invoice_id"],
        "currency": "USD",
        "amount": "100.00",
        "invoice_amount_paid": "0.00",
        "invoice_balance": "100.00",
    }


async def test_unapplied_money_can_be_refunded_and_the_next_invoice_draws_on_it(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))
    payment = (await record_payment(service.client, account_id=account_id, amount="100.00")).json()
    (allocation,) = payment["allocations"]

    unapplied = await service.client.post(
        f"/v1/payments/{payment['id']}/allocations/{allocation['id']}/unapply"
    )
    refund = await service.client.post(
        f"/v1/payments/{payment['id']}/refunds", json={"amount": "60.00"}
    )
    next_invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="25.00", number="INV-2")
    )
    after = (await service.client.get(f"/v1/payments/{payment['id']}")).json()

    assert unapplied.status_code == 200, unapplied.text
    assert refund.status_code == 201, refund.text
    assert (next_invoice["status"], next_invoice["amount_paid"]) == ("paid", "25.00")
    assert [after[k] for k in ("allocated", "unallocated", "refunded")] == [
        "25.00",
        "15.00",
        "60.00",
    ]
    assert [a["invoice_id"] for a in after["allocations"]] == [next_invoice["invoice_id"]]


async def test_unapplying_unknown_allocations_is_a_404(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))
    first = (await record_payment(service.client, account_id=account_id, amount="40.00")).json()
    second = (await record_payment(service.client, account_id=account_id, amount="40.00")).json()
    allocation_of_first = first["allocations"][0]["id"]

    unknown_payment = await service.client.post(
        f"/v1/payments/{uuid.uuid4()}/allocations/{allocation_of_first}/unapply"
    )
    unknown_allocation = await service.client.post(
        f"/v1/payments/{first['id']}/allocations/{uuid.uuid4()}/unapply"
    )
    of_another_payment = await service.client.post(
        f"/v1/payments/{second['id']}/allocations/{allocation_of_first}/unapply"
    )

    assert unknown_payment.status_code == 404
    assert unknown_payment.json()["code"] == "payment_not_found"
    assert (unknown_allocation.status_code, of_another_payment.status_code) == (404, 404)
    assert of_another_payment.json()["code"] == "allocation_not_found"
    first_after = (await service.client.get(f"/v1/payments/{first['id']}")).json()
    assert first_after["allocated"] == "40.00"
