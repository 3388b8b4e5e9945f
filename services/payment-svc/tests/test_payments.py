"""Payments, refunds and balances over HTTP against real PostgreSQL and the real broker."""

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import pytest
from factories import invoice_posted, post_invoice, receivable_of, record_payment
from sqlalchemy import select

from payment_svc.models import Payment, PaymentAllocation, Receivable
from q2c_shared.testing.kafka import read_all

pytestmark = pytest.mark.usefixtures("outbox_drained")


async def _two_invoices(service, settings, account_id):
    """100.00 due in March (posted first) and 80.00 due in February: February is the oldest."""
    march = await post_invoice(
        service,
        settings,
        invoice_posted(
            account_id=account_id,
            total="100.00",
            number="INV-000001",
            invoice_date=date(2026, 2, 1),
            due_date=date(2026, 3, 3),
        ),
    )
    february = await post_invoice(
        service,
        settings,
        invoice_posted(
            account_id=account_id,
            total="80.00",
            number="INV-000002",
            invoice_date=date(2026, 1, 1),
            due_date=date(2026, 2, 1),
        ),
    )
    return february, march


async def test_a_payment_pays_the_oldest_due_date_first(service, settings):
    account_id = str(uuid.uuid4())
    february, march = await _two_invoices(service, settings, account_id)

    response = await record_payment(
        service.client, account_id=account_id, amount="130.00", received_on="2026-02-10"
    )
    february_after = await receivable_of(service.client, february["invoice_id"])
    march_after = await receivable_of(service.client, march["invoice_id"])

    assert response.status_code == 201, response.text
    payment = response.json()
    assert (payment["amount"], payment["allocated"], payment["unallocated"]) == (
        "130.00",
        "130.00",
        "0.00",
    )
    assert [(a["invoice_id"], a["amount"]) for a in payment["allocations"]] == [
        (february["invoice_id"], "80.00"),
        (march["invoice_id"], "50.00"),
    ]
    assert [february_after[k] for k in ("status", "amount_paid", "balance", "paid_on")] == [
        "paid",
        "80.00",
        "0.00",
        "2026-02-10",
    ]
    assert [march_after[k] for k in ("status", "amount_paid", "balance")] == [
        "open",
        "50.00",
        "50.00",
    ]

    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.payments"), expect=4
    )
    events = {
        (m["value"]["type"], m["value"]["data"].get("invoice_id")): m["value"] for m in messages
    }
    assert len(messages) == 4
    assert {m["key"] for m in messages} == {account_id}
    received = events[("PaymentReceived", None)]
    assert received["source"] == "/q2c/payment-svc"
    assert received["subject"] == payment["id"]
    assert received["data"]["payment"]["id"] == payment["id"]
    assert (received["data"]["payment"]["amount"], received["data"]["payment"]["method"]) == (
        "130.00",
        "bank_transfer",
    )
    to_march = events[("PaymentAllocated", march["invoice_id"])]["data"]
    assert (to_march["amount"], to_march["invoice_amount_paid"], to_march["invoice_balance"]) == (
        "50.00",
        "50.00",
        "50.00",
    )
    assert to_march["payment_id"] == payment["id"]
    to_february = events[("PaymentAllocated", february["invoice_id"])]["data"]
    assert (to_february["amount"], to_february["invoice_balance"]) == ("80.00", "0.00")
    paid = events[("InvoicePaid", february["invoice_id"])]["data"]
    assert (paid["amount_paid"], paid["paid_on"], paid["currency"]) == (
        "80.00",
        "2026-02-10",
        "USD",
    )
    assert ("InvoicePaid", march["invoice_id"]) not in events


async def test_explicit_allocations_pay_exactly_those_invoices(service, settings):
    account_id = str(uuid.uuid4())
    february, march = await _two_invoices(service, settings, account_id)

    response = await record_payment(
        service.client,
        account_id=account_id,
        amount="70.00",
        allocations=[{"invoice_id": march["invoice_id"], "amount": "60.00"}],
    )

    payment = response.json()
    assert response.status_code == 201, response.text
    assert [(a["invoice_id"], a["amount"]) for a in payment["allocations"]] == [
        (march["invoice_id"], "60.00")
    ]
    assert (payment["allocated"], payment["unallocated"]) == ("60.00", "10.00")
    assert (await receivable_of(service.client, february["invoice_id"]))["balance"] == "80.00"
    assert (await receivable_of(service.client, march["invoice_id"]))["balance"] == "40.00"


async def test_explicit_allocations_over_a_balance_are_a_422_listing_every_problem(
    service, settings
):
    account_id = str(uuid.uuid4())
    february, march = await _two_invoices(service, settings, account_id)

    response = await record_payment(
        service.client,
        account_id=account_id,
        amount="100.00",
        allocations=[
            {"invoice_id": february["invoice_id"], "amount": "90.00"},
            {"invoice_id": march["invoice_id"], "amount": "20.00"},
        ],
    )
    payments = (await service.client.get("/v1/payments", params={"account_id": account_id})).json()

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_allocations"
    assert (
        f"invoice {february['invoice_id']} (90.00) is more than its balance (80.00)"
        in (problem["detail"])
    )
    assert "the allocations add up to 110.00, more than the payment (100.00)" in problem["detail"]
    assert payments["items"] == []
    assert (await receivable_of(service.client, february["invoice_id"]))["balance"] == "80.00"


async def test_allocations_name_invoices_of_the_account_in_its_currency(service, settings):
    """An invoice payment-svc has no receivable of, another account's, or one in another
    currency: 422 naming each (its own code), and nothing recorded."""
    account_id, other_account = str(uuid.uuid4()), str(uuid.uuid4())
    february, _ = await _two_invoices(service, settings, account_id)
    in_euros = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="50.00", currency="EUR")
    )
    others = await post_invoice(
        service, settings, invoice_posted(account_id=other_account, total="70.00")
    )
    unknown_invoice = str(uuid.uuid4())

    def paying(*invoice_ids: str):
        return record_payment(
            service.client,
            account_id=account_id,
            amount="30.00",
            allocations=[
                {"invoice_id": february["invoice_id"], "amount": "10.00"},
                *({"invoice_id": invoice_id, "amount": "10.00"} for invoice_id in invoice_ids),
            ],
        )

    unknown = await paying(unknown_invoice, others["invoice_id"])
    foreign = await paying(others["invoice_id"], in_euros["invoice_id"])
    other_currency = await paying(in_euros["invoice_id"])
    payments = (await service.client.get("/v1/payments", params={"account_id": account_id})).json()

    answers = [(r.status_code, r.json()["code"]) for r in (unknown, foreign, other_currency)]
    assert answers == [
        (422, "unknown_invoice"),
        (422, "invoice_of_another_account"),
        (422, "invoice_in_another_currency"),
    ]
    assert unknown.json()["errors"] == [
        {"loc": ["body", "allocations", 1, "invoice_id"], "msg": "unknown invoice"}
    ]
    assert foreign.json()["errors"][0]["loc"] == ["body", "allocations", 1, "invoice_id"]
    assert other_currency.json()["errors"] == [
        {"loc": ["body", "allocations", 1, "invoice_id"], "msg": "an invoice in EUR"}
    ]
    assert payments["items"] == []
    assert (await receivable_of(service.client, others["invoice_id"]))["balance"] == "70.00"


async def test_the_same_idempotency_key_records_one_payment(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))
    headers = {"Idempotency-Key": "payment-once-1"}

    first = await record_payment(
        service.client, account_id=account_id, amount="60.00", headers=headers
    )
    again = await record_payment(
        service.client, account_id=account_id, amount="60.00", headers=headers
    )
    other_body = await record_payment(
        service.client, account_id=account_id, amount="61.00", headers=headers
    )
    payments = (await service.client.get("/v1/payments", params={"account_id": account_id})).json()
    balance = (await service.client.get(f"/v1/account-balances/{account_id}")).json()

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 409
    assert [p["id"] for p in payments["items"]] == [first.json()["id"]]
    assert balance["open_total"] == "40.00"


async def test_refunds_are_limited_to_the_unallocated_amount(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))
    payment = (await record_payment(service.client, account_id=account_id, amount="150.00")).json()
    refunds = f"/v1/payments/{payment['id']}/refunds"

    too_much = await service.client.post(refunds, json={"amount": "50.01"})
    within = await service.client.post(refunds, json={"amount": "20.00"})
    the_rest = await service.client.post(refunds, json={"amount": "30.00"})
    nothing_left = await service.client.post(refunds, json={"amount": "0.01"})
    unknown = await service.client.post(
        f"/v1/payments/{uuid.uuid4()}/refunds", json={"amount": "1.00"}
    )
    not_positive = await service.client.post(refunds, json={"amount": "0.00"})
    after = (await service.client.get(f"/v1/payments/{payment['id']}")).json()
    balance = (await service.client.get(f"/v1/account-balances/{account_id}")).json()

    assert too_much.status_code == 409
    assert too_much.headers["content-type"] == "application/problem+json"
    assert too_much.json()["code"] == "refund_exceeds_unallocated"
    assert within.status_code == 201, within.text
    assert (within.json()["amount"], within.json()["currency"]) == ("20.00", "USD")
    assert within.json()["payment_id"] == payment["id"]
    assert the_rest.status_code == 201
    assert nothing_left.status_code == 409
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "payment_not_found"
    assert not_positive.status_code == 422
    assert [after[k] for k in ("allocated", "unallocated", "refunded")] == [
        "100.00",
        "0.00",
        "50.00",
    ]
    assert balance["credit_balance"] == "0.00"


async def test_concurrent_payments_never_over_allocate_an_invoice(service, settings):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )

    responses = await asyncio.gather(
        *[
            record_payment(
                service.client, account_id=account_id, amount="40.00", reference=f"WIRE-{n}"
            )
            for n in range(5)
        ]
    )
    receivable = await receivable_of(service.client, invoice["invoice_id"])
    payments = [response.json() for response in responses]
    balance = (await service.client.get(f"/v1/account-balances/{account_id}")).json()

    assert [response.status_code for response in responses] == [201] * 5
    assert [receivable[k] for k in ("status", "amount_paid", "balance")] == [
        "paid",
        "100.00",
        "0.00",
    ]
    assert sum(Decimal(p["allocated"]) for p in payments) == Decimal("100.00")
    assert sum(Decimal(p["unallocated"]) for p in payments) == Decimal("100.00")
    assert balance["credit_balance"] == "100.00"


async def test_amounts_are_decimal_strings_in_the_currency_minor_units(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="1000", currency="JPY")
    )

    yen = await record_payment(service.client, account_id=account_id, amount="401", currency="JPY")
    dollars = await record_payment(service.client, account_id=account_id, amount="10.010")
    half_yen = await record_payment(
        service.client, account_id=account_id, amount="400.5", currency="JPY"
    )
    tenth_of_a_cent = await record_payment(service.client, account_id=account_id, amount="10.005")
    as_float = await record_payment(service.client, account_id=account_id, amount=12.5)
    zero = await record_payment(service.client, account_id=account_id, amount="0.00")
    negative = await record_payment(service.client, account_id=account_id, amount="-5.00")
    bad_currency = await record_payment(
        service.client, account_id=account_id, amount="5.00", currency="XXX"
    )
    bad_method = await record_payment(
        service.client, account_id=account_id, amount="5.00", method="barter"
    )
    payments = (await service.client.get("/v1/payments", params={"account_id": account_id})).json()

    assert yen.status_code == 201, yen.text
    assert (yen.json()["amount"], yen.json()["allocations"][0]["amount"]) == ("401", "401")
    assert dollars.json()["amount"] == "10.01"  # a trailing zero is no decimal too many
    assert dollars.json()["allocations"] == []  # the invoice is in yen
    for refused in (half_yen, tenth_of_a_cent, as_float, zero, negative, bad_currency, bad_method):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert half_yen.json()["code"] == tenth_of_a_cent.json()["code"] == "too_many_decimals"
    assert half_yen.json()["errors"] == [{"loc": ["body", "amount"], "msg": "at most 0 decimals"}]
    assert "decimal string" in as_float.text
    assert len(payments["items"]) == 2


async def test_balances_are_per_currency(service, settings):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id, total="100.00"))

    only_usd = await service.client.get(f"/v1/account-balances/{account_id}")
    await record_payment(service.client, account_id=account_id, amount="25.00", currency="EUR")
    ambiguous = await service.client.get(f"/v1/account-balances/{account_id}")
    euros = await service.client.get(
        f"/v1/account-balances/{account_id}", params={"currency": "EUR"}
    )
    pounds = await service.client.get(
        f"/v1/account-balances/{account_id}", params={"currency": "GBP"}
    )
    unknown_account = await service.client.get(f"/v1/account-balances/{uuid.uuid4()}")

    assert only_usd.json() == {
        "account_id": account_id,
        "currency": "USD",
        "open_total": "100.00",
        "credit_balance": "0.00",
        "account_name": None,  # no account event for it
        "email": None,
    }
    assert ambiguous.status_code == 422
    assert ambiguous.json()["code"] == "currency_required"
    assert euros.json() == {
        "account_id": account_id,
        "currency": "EUR",
        "open_total": "0.00",
        "credit_balance": "25.00",
        "account_name": None,
        "email": None,
    }
    assert (pounds.json()["open_total"], pounds.json()["credit_balance"]) == ("0.00", "0.00")
    assert unknown_account.status_code == 404


async def test_unknown_ids_are_404_and_requests_need_the_key(service):
    payment = await service.client.get(f"/v1/payments/{uuid.uuid4()}")
    receivable = await service.client.get(f"/v1/receivables/{uuid.uuid4()}")
    no_key = await service.client.get("/v1/payments", headers={"Authorization": "Bearer nope"})

    assert payment.status_code == 404
    assert payment.json()["code"] == "payment_not_found"
    assert receivable.status_code == 404
    assert no_key.status_code == 401


async def test_many_concurrent_payments_over_a_few_invoices_keep_every_sum_consistent(
    service, settings
):
    account_id = str(uuid.uuid4())
    totals = {"INV-000001": "100.00", "INV-000002": "80.00", "INV-000003": "120.00"}
    invoices = [
        await post_invoice(
            service,
            settings,
            invoice_posted(
                account_id=account_id,
                total=total,
                number=number,
                due_date=date(2026, 1, 10 * (n + 1)),
            ),
        )
        for n, (number, total) in enumerate(totals.items())
    ]

    responses = await asyncio.gather(
        *[
            record_payment(
                service.client, account_id=account_id, amount="45.00", reference=f"WIRE-{n}"
            )
            for n in range(10)
        ]
    )

    assert [response.status_code for response in responses] == [201] * 10
    async with service.database.transaction() as session:
        receivables = {
            row.invoice_id: row
            for row in await session.scalars(
                select(Receivable).where(Receivable.account_id == account_id)
            )
        }
        payments = list(
            await session.scalars(select(Payment).where(Payment.account_id == account_id))
        )
        allocations = list(
            await session.scalars(
                select(PaymentAllocation).where(
                    PaymentAllocation.payment_id.in_([p.id for p in payments]),
                    PaymentAllocation.unapplied_at.is_(None),
                )
            )
        )
    for invoice in invoices:
        receivable = receivables[uuid.UUID(invoice["invoice_id"])]
        allocated = sum(
            (a.amount for a in allocations if a.receivable_id == receivable.id), Decimal(0)
        )
        assert allocated == receivable.amount_paid <= receivable.total
        assert receivable.amount_paid + receivable.credited + receivable.balance == receivable.total
        assert (receivable.status, receivable.balance) == ("paid", Decimal(0))
    for payment in payments:
        allocated = sum((a.amount for a in allocations if a.payment_id == payment.id), Decimal(0))
        assert allocated == payment.allocated
        assert payment.allocated + payment.unallocated + payment.refunded == payment.amount
        assert min(payment.allocated, payment.unallocated) >= 0
    assert sum((p.allocated for p in payments), Decimal(0)) == Decimal("300.00")
    assert sum((p.unallocated for p in payments), Decimal(0)) == Decimal("150.00")
    # What the API shows agrees with the rows.
    shown = [response.json() for response in responses]
    assert sum(Decimal(p["allocated"]) for p in shown) == Decimal("300.00")
    balance = (await service.client.get(f"/v1/account-balances/{account_id}")).json()
    assert (balance["open_total"], balance["credit_balance"]) == ("0.00", "150.00")
