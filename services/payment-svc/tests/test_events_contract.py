"""Every event payment-svc writes (`payment_svc.events`, the one writer of each) is its
contract's model in JSON form: what `q2c_shared.events.contracts` validates back to the very
same data, with the account id as key and the subject consumers expect."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from payment_svc import events
from payment_svc.core.allocation import OpenReceivable
from payment_svc.statuses import PaymentMethod
from q2c_shared.events import contracts
from q2c_shared.outbox import JsonEvent

ACCOUNT_ID = str(uuid.uuid4())
PAYMENT_ID = str(uuid.uuid4())
ALLOCATION_ID = str(uuid.uuid4())


def _receivable(*, currency: str, amount_paid: Decimal, balance: Decimal) -> OpenReceivable:
    invoice_id = uuid.uuid4()
    return OpenReceivable(
        receivable_id=uuid.uuid4(),
        invoice_id=invoice_id,
        invoice_key=str(invoice_id),
        account_id=uuid.UUID(ACCOUNT_ID),
        currency=currency,
        invoice_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        amount_paid=amount_paid,
        balance=balance,
    )


def _received(currency: str, amount: Decimal, method: PaymentMethod, reference: str | None):
    return events.payment_received(
        payment_id=PAYMENT_ID,
        account_id=ACCOUNT_ID,
        amount=amount,
        currency=currency,
        method=method,
        reference=reference,
        received_on=date(2026, 2, 10),
    )


def _allocated(currency: str, amount: Decimal, amount_paid: Decimal, balance: Decimal):
    return events.payment_allocated(
        allocation_id=ALLOCATION_ID,
        payment_id=PAYMENT_ID,
        account_id=ACCOUNT_ID,
        amount=amount,
        receivable=_receivable(currency=currency, amount_paid=amount_paid, balance=balance),
    )


def _unapplied(currency: str, amount: Decimal, amount_paid: Decimal, balance: Decimal):
    return events.payment_unapplied(
        allocation_id=ALLOCATION_ID,
        payment_id=PAYMENT_ID,
        account_id=ACCOUNT_ID,
        amount=amount,
        receivable=_receivable(currency=currency, amount_paid=amount_paid, balance=balance),
    )


def _paid(currency: str, amount_paid: Decimal):
    return events.invoice_paid(
        account_id=ACCOUNT_ID,
        receivable=_receivable(currency=currency, amount_paid=amount_paid, balance=Decimal(0)),
        paid_on=date(2026, 2, 10),
    )


WRITTEN = {
    "received USD wire": _received(
        "USD", Decimal("1250.00"), PaymentMethod.BANK_TRANSFER, "STMT-2026-02-10/17"
    ),
    "received a cent by card": _received("USD", Decimal("0.01"), PaymentMethod.CARD, None),
    "received JPY, unicode reference": _received(
        "JPY", Decimal("1000"), PaymentMethod.CHECK, "Ref — ü"
    ),
    "received an exponent amount": _received("USD", Decimal("1E+3"), PaymentMethod.OTHER, ""),
    "allocated part": _allocated("USD", Decimal("37.42"), Decimal("37.42"), Decimal("62.58")),
    "allocated all": _allocated("USD", Decimal("100.00"), Decimal("100.00"), Decimal("0.00")),
    "allocated JPY": _allocated("JPY", Decimal("500"), Decimal("1500"), Decimal("0")),
    "allocated exponents": _allocated("USD", Decimal("1E+2"), Decimal("1E+2"), Decimal("0E-2")),
    "unapplied part": _unapplied("USD", Decimal("40.00"), Decimal("60.00"), Decimal("40.00")),
    "unapplied JPY": _unapplied("JPY", Decimal("500"), Decimal("0"), Decimal("1500")),
    "paid USD": _paid("USD", Decimal("100.00")),
    "paid exponent": _paid("USD", Decimal("1E+2")),
}


@pytest.mark.parametrize("written", WRITTEN.values(), ids=WRITTEN.keys())
def test_each_writer_writes_its_contract_model_exactly(written: JsonEvent) -> None:
    model = contracts.EVENT_TYPES[written.event_class.event_type]
    assert written.event_class is model
    assert model.model_validate(written.data).model_dump(mode="json") == written.data
    assert written.key == ACCOUNT_ID
    expected_subject = (
        PAYMENT_ID if model is contracts.PaymentReceived else written.data["invoice_id"]
    )
    assert written.subject == expected_subject


def test_every_event_payment_svc_emits_has_a_writer() -> None:
    emitted = {written.event_class.event_type for written in WRITTEN.values()}
    assert emitted == {"PaymentReceived", "PaymentAllocated", "PaymentUnapplied", "InvoicePaid"}
