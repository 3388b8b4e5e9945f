"""A payment batch's hand-written event data is exactly what the contracts' models make (the
envelopes and outbox rows `outbox.enqueue_json` makes of it are held to `enqueue`'s in the
shared tests)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from payment_svc.batches import (
    _OpenBalance,
    invoice_paid_json,
    payment_allocated_json,
    payment_received_json,
)
from payment_svc.schemas import PaymentBatchItem, PaymentMethod
from q2c_shared.events import contracts


def _receivable(*, currency: str, amount_paid: Decimal, balance: Decimal) -> _OpenBalance:
    invoice_id = uuid.uuid4()
    return _OpenBalance(
        receivable_id=uuid.uuid4(),
        invoice_id=invoice_id,
        invoice_key=str(invoice_id),
        account_id=uuid.uuid4(),
        currency=currency,
        invoice_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        amount_paid=amount_paid,
        balance=balance,
    )


@pytest.mark.parametrize(
    ("currency", "amount", "method", "reference"),
    [
        ("USD", Decimal("1250.00"), PaymentMethod.BANK_TRANSFER, "STMT-2026-02-10/17"),
        ("USD", Decimal("0.01"), PaymentMethod.CARD, None),
        ("JPY", Decimal("1000"), PaymentMethod.CHECK, "Ref — ü"),
        ("USD", Decimal("1E+3"), PaymentMethod.OTHER, ""),
    ],
)
def test_payment_received(currency, amount, method, reference):
    item = PaymentBatchItem(
        account_id=uuid.uuid4(),
        amount=amount,
        currency=currency,
        method=method,
        reference=reference,
        received_on=date(2026, 2, 10),
    )
    payment_id, account_id = str(uuid.uuid4()), str(item.account_id)

    by_model = contracts.PaymentReceived(
        payment=contracts.PaymentSnapshot(
            id=payment_id,
            account_id=account_id,
            amount=amount,
            currency=currency,
            method=item.method,
            reference=item.reference,
            received_on=item.received_on,
        )
    ).model_dump(mode="json")

    written = payment_received_json(payment_id, account_id, amount, item)
    assert written == by_model
    assert contracts.PaymentReceived.model_validate(written).model_dump(mode="json") == by_model


@pytest.mark.parametrize(
    ("currency", "amount", "amount_paid", "balance"),
    [
        ("USD", Decimal("37.42"), Decimal("37.42"), Decimal("62.58")),
        ("USD", Decimal("100.00"), Decimal("100.00"), Decimal("0.00")),
        ("JPY", Decimal("500"), Decimal("1500"), Decimal("0")),
        ("USD", Decimal("1E+2"), Decimal("1E+2"), Decimal("0E-2")),
    ],
)
def test_payment_allocated_and_invoice_paid(currency, amount, amount_paid, balance):
    receivable = _receivable(currency=currency, amount_paid=amount_paid, balance=balance)
    allocation_id, payment_id, account_id = (str(uuid.uuid4()) for _ in range(3))

    allocated_by_model = contracts.PaymentAllocated(
        allocation_id=allocation_id,
        payment_id=payment_id,
        account_id=account_id,
        invoice_id=str(receivable.invoice_id),
        currency=currency,
        amount=amount,
        invoice_amount_paid=amount_paid,
        invoice_balance=balance,
    ).model_dump(mode="json")
    paid_by_model = contracts.InvoicePaid(
        invoice_id=str(receivable.invoice_id),
        account_id=account_id,
        currency=currency,
        amount_paid=amount_paid,
        paid_on=date(2026, 2, 10),
    ).model_dump(mode="json")

    assert (
        payment_allocated_json(allocation_id, payment_id, account_id, currency, amount, receivable)
        == allocated_by_model
    )
    assert invoice_paid_json(account_id, currency, receivable, date(2026, 2, 10)) == paid_by_model
