"""The one writer of each event payment-svc emits on `q2c.payments`, built from its domain rows.

Each function returns the event ready for `q2c_shared.outbox.enqueue_json`: its data already in
the contract's JSON form (a model per event took some 40% of a payment batch's CPU), the account
id as Kafka key (one account's events stay in order) and its subject. Never built from an API
response model: a field the API does not show would silently vanish from the event.
`tests/test_events_contract.py` holds every writer's data to its model in
`q2c_shared.events.contracts`.
"""

from datetime import date
from decimal import Decimal

from payment_svc.core.allocation import OpenReceivable
from q2c_shared.events import contracts
from q2c_shared.money import plain_decimal
from q2c_shared.outbox import JsonEvent


def payment_received(
    *,
    payment_id: str,
    account_id: str,
    amount: Decimal,
    currency: str,
    method: str,
    reference: str | None,
    received_on: date,
) -> JsonEvent:
    """`PaymentReceived`: money recorded as payment `payment_id` (subject: the payment)."""
    data = {
        "payment": {
            "id": payment_id,
            "account_id": account_id,
            "amount": plain_decimal(amount),
            "currency": currency,
            "method": str(method),
            "reference": reference,
            "received_on": received_on.isoformat(),
        }
    }
    return JsonEvent(contracts.PaymentReceived, data, account_id, payment_id)


def payment_allocated(
    *,
    allocation_id: str,
    payment_id: str,
    account_id: str,
    amount: Decimal,
    receivable: OpenReceivable,
) -> JsonEvent:
    """`PaymentAllocated`: `amount` of the payment applied to the receivable, which the event
    shows as it stands after it (subject: the invoice)."""
    data = {
        "allocation_id": allocation_id,
        "payment_id": payment_id,
        "account_id": account_id,
        "invoice_id": receivable.invoice_key,
        "currency": receivable.currency,
        "amount": plain_decimal(amount),
        "invoice_amount_paid": plain_decimal(receivable.amount_paid),
        "invoice_balance": plain_decimal(receivable.balance),
    }
    return JsonEvent(contracts.PaymentAllocated, data, account_id, receivable.invoice_key)


def invoice_paid(*, account_id: str, receivable: OpenReceivable, paid_on: date) -> JsonEvent:
    """`InvoicePaid`: the receivable's balance reached zero on `paid_on` (subject: the
    invoice)."""
    data = {
        "invoice_id": receivable.invoice_key,
        "account_id": account_id,
        "currency": receivable.currency,
        "amount_paid": plain_decimal(receivable.amount_paid),
        "paid_on": paid_on.isoformat(),
    }
    return JsonEvent(contracts.InvoicePaid, data, account_id, receivable.invoice_key)


def payment_unapplied(
    *,
    allocation_id: str,
    payment_id: str,
    account_id: str,
    amount: Decimal,
    receivable: OpenReceivable,
) -> JsonEvent:
    """`PaymentUnapplied`: allocation `allocation_id` taken back from the receivable, which the
    event shows as it stands after it (subject: the invoice)."""
    data = {
        "allocation_id": allocation_id,
        "payment_id": payment_id,
        "account_id": account_id,
        "invoice_id": receivable.invoice_key,
        "currency": receivable.currency,
        "amount": plain_decimal(amount),
        "invoice_amount_paid": plain_decimal(receivable.amount_paid),
        "invoice_balance": plain_decimal(receivable.balance),
    }
    return JsonEvent(contracts.PaymentUnapplied, data, account_id, receivable.invoice_key)
