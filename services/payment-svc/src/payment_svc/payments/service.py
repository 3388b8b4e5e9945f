"""Payments: recording one or a batch (both through `recording.apply_payments`), showing them
with their allocations, refunding unallocated money and unapplying allocations.

Functions flush, never commit: the request's unit of work commits (q2c_shared.db). Every change
to an account's money first takes the account's lock (`locks.lock_accounts`), so concurrent
payments, refunds and postings apply one after another.
"""

import functools
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc import events
from payment_svc.core.allocation import Allocation, OpenReceivable
from payment_svc.errors import (
    AllocationAlreadyUnapplied,
    AllocationNotFound,
    RefundExceedsUnallocated,
    RefundNotPositive,
)
from payment_svc.locks import lock_accounts
from payment_svc.models import Payment, PaymentAllocation, Receivable, Refund
from payment_svc.payments import references, repository
from payment_svc.payments.recording import AppliedPayments, NewPayment, apply_payments
from payment_svc.payments.schemas import (
    AllocationPublic,
    PaymentBatchItem,
    PaymentCreate,
    PaymentPublic,
    RefundCreate,
    RefundPublic,
)
from payment_svc.statuses import ReceivableStatus
from q2c_shared.db import get_or_404
from q2c_shared.money import check_minor_units, round_money
from q2c_shared.outbox import enqueue_json
from q2c_shared.pagination import PageRequest, fetch_page


async def record_payment(
    session: AsyncSession,
    body: PaymentCreate,
    *,
    gateway: str | None = None,
    gateway_reference: str | None = None,
) -> Payment:
    """Record a payment and apply it: to the invoices asked for, else oldest due date first; a
    batch of one (`recording.apply_payments`).

    Refused (422) before anything is written: an amount finer than the currency, an account
    payment-svc does not know, an allocation to an invoice that is unknown, another account's
    or in another currency (`references`).

    A payment a gateway reported (`gateway`, `gateway_reference`) is recorded once: the UNIQUE
    (gateway, gateway_reference) constraint decides, and a second one raises
    `GatewayPaymentExists` before anything is applied, leaving the transaction usable.
    """
    check_minor_units(body.amount, body.currency, field="amount")
    for position, requested in enumerate(body.allocations or []):
        check_minor_units(requested.amount, body.currency, field=f"allocations.{position}.amount")
    if body.allocations:
        await references.check_allocations(
            session, body.allocations, account_id=body.account_id, currency=body.currency
        )
    explicit = (
        None
        if body.allocations is None
        else [
            # Exact (checked above): rounding only gives it the currency's scale.
            Allocation(
                invoice_id=str(requested.invoice_id),
                amount=round_money(requested.amount, body.currency),
            )
            for requested in body.allocations
        ]
    )
    applied = await apply_payments(
        session,
        [
            NewPayment(
                account_id=body.account_id,
                currency=body.currency,
                amount=body.amount,
                method=body.method,
                reference=body.reference,
                received_on=body.received_on,
                allocations=explicit,
                gateway=gateway,
                gateway_reference=gateway_reference,
            )
        ],
        check_accounts=references.check_accounts,
    )
    (payment_id,) = applied.payment_ids
    payment = await session.get(Payment, payment_id)
    assert payment is not None  # inserted just now
    return payment


async def record_payment_batch(
    session: AsyncSession, items: Sequence[PaymentBatchItem]
) -> AppliedPayments:
    """Record and apply many payments at once, each as `record_payment` without allocations
    would, in the batch's order. An amount finer than its currency, or an account payment-svc
    does not know: 422 before anything is written."""
    for position, item in enumerate(items):
        check_minor_units(item.amount, item.currency, field=f"payments.{position}.amount")
    return await apply_payments(
        session,
        [
            NewPayment(
                account_id=item.account_id,
                currency=item.currency,
                amount=item.amount,
                method=item.method,
                reference=item.reference,
                received_on=item.received_on,
            )
            for item in items
        ],
        check_accounts=functools.partial(references.check_accounts, batch=True),
    )


async def payments_public(session: AsyncSession, payments: list[Payment]) -> list[PaymentPublic]:
    allocations = await repository.allocations_of(session, [payment.id for payment in payments])
    return [
        PaymentPublic.model_validate(
            {
                **payment.model_dump(),
                "allocations": [
                    AllocationPublic.model_validate(allocation)
                    for allocation in allocations[payment.id]
                ],
            }
        )
        for payment in payments
    ]


async def payment_public(session: AsyncSession, payment: Payment) -> PaymentPublic:
    return (await payments_public(session, [payment]))[0]


async def list_payments(
    session: AsyncSession, page: PageRequest, *, account_id: uuid.UUID | None
) -> tuple[list[Payment], str | None]:
    statement = select(Payment)
    if account_id is not None:
        statement = statement.where(Payment.account_id == account_id)
    return await fetch_page(session, statement, Payment.id, page)


async def refund_payment(
    session: AsyncSession, payment_id: uuid.UUID, body: RefundCreate
) -> RefundPublic:
    """Give back part of a payment's unallocated money; allocated money stays on its invoices.

    No event: the contract has none for refunds yet.
    """
    payment = await get_or_404(session, Payment, payment_id, label="payment")
    await lock_accounts(session, [payment.account_id])
    await session.refresh(payment, with_for_update=True)  # what it is now, under the lock
    check_minor_units(body.amount, payment.currency, field="amount")
    amount = round_money(body.amount, payment.currency)  # exact: the currency's scale only
    if amount <= 0:
        raise RefundNotPositive(f"A refund must be positive in {payment.currency}, got {amount}.")
    if amount > payment.unallocated:
        raise RefundExceedsUnallocated(
            f"Payment {payment.id} has {payment.unallocated} {payment.currency} unallocated; a "
            f"refund of {amount} would give back money already applied to invoices."
        )
    payment.unallocated -= amount
    payment.refunded += amount
    refund = Refund(payment_id=payment.id, amount=amount)
    session.add(refund)
    await session.flush()
    await session.refresh(refund)
    return RefundPublic.model_validate({**refund.model_dump(), "currency": payment.currency})


async def unapply_allocation(
    session: AsyncSession, payment_id: uuid.UUID, allocation_id: uuid.UUID
) -> Payment:
    """Take an allocation back: its amount is the payment's unallocated money again and its
    invoice owes it again (`open`, no `paid_on`). Emits `PaymentUnapplied`.

    The money is not applied anywhere else by itself: whoever unapplies it means to refund it
    or to apply it otherwise. It stays the account's credit, which the account's next posted
    invoice draws on. Unknown payment, or an allocation not of this payment: 404; already
    unapplied: 409 (the conditional UPDATE decides, under the account's lock).

    A receivable's `credited` part does not move: a credit note issued after the invoice was
    paid left its excess as credit, so after unapplying the payment the receivable owes more
    than invoice-svc's invoice (whose balance nets the whole credit note) by that excess; the
    account's net position (owed minus credit) agrees in both.
    """
    payment = await get_or_404(session, Payment, payment_id, label="payment")
    allocation = await session.get(PaymentAllocation, allocation_id)
    if allocation is None or allocation.payment_id != payment.id:
        raise AllocationNotFound(f"Payment {payment_id} has no allocation {allocation_id}.")
    await lock_accounts(session, [payment.account_id])
    # Under the lock, in the lock order: the receivable, then the payment.
    receivable = await session.get(
        Receivable, allocation.receivable_id, with_for_update=True, populate_existing=True
    )
    assert receivable is not None  # a foreign key
    await session.refresh(payment, with_for_update=True)
    if not await repository.mark_allocation_unapplied(session, allocation.id):
        raise AllocationAlreadyUnapplied(
            f"Allocation {allocation_id} of payment {payment_id} is already unapplied."
        )
    amount = allocation.amount
    payment.allocated -= amount
    payment.unallocated += amount
    reopened = _open_receivable(receivable)
    reopened.unpay(amount)
    receivable.amount_paid, receivable.balance = reopened.amount_paid, reopened.balance
    receivable.status, receivable.paid_on = ReceivableStatus.OPEN, reopened.paid_on
    await session.flush()
    await enqueue_json(
        session,
        [
            events.payment_unapplied(
                allocation_id=str(allocation.id),
                payment_id=str(payment.id),
                account_id=str(payment.account_id),
                amount=amount,
                receivable=reopened,
            )
        ],
    )
    return payment


def _open_receivable(receivable: Receivable) -> OpenReceivable:
    return OpenReceivable(
        receivable_id=receivable.id,
        invoice_id=receivable.invoice_id,
        invoice_key=str(receivable.invoice_id),
        account_id=receivable.account_id,
        currency=receivable.currency,
        invoice_date=receivable.invoice_date,
        due_date=receivable.due_date,
        amount_paid=receivable.amount_paid,
        balance=receivable.balance,
        paid_on=receivable.paid_on,
    )
