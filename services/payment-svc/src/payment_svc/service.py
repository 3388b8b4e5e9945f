"""payment-svc use cases: receivables from posted invoices, payments and their allocation,
refunds, account balances, and the read model of the customer accounts.

Functions flush, never commit: the request's or the consumed message's unit of work commits
(q2c_shared.db). Every change to an account's money first takes the account's lock
(repository.lock_account), so concurrent payments, refunds and postings apply one after another.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc import repository
from payment_svc.allocation import (
    Allocation,
    OpenInvoice,
    allocate_oldest_first,
    check_explicit_allocations,
)
from payment_svc.models import CustomerAccount, Payment, PaymentAllocation, Receivable, Refund
from payment_svc.schemas import (
    AccountBalance,
    AllocationPublic,
    PaymentCreate,
    PaymentPublic,
    ReceivableStatus,
    RefundCreate,
    RefundPublic,
)
from q2c_shared.db import get_or_404
from q2c_shared.events import contracts
from q2c_shared.events.contracts import EventData
from q2c_shared.money import UnknownCurrencyError, minor_units, round_money, zero
from q2c_shared.outbox import enqueue_many
from q2c_shared.pagination import PageRequest, fetch_page
from q2c_shared.problems import Conflict, NotFound, Unprocessable

OutboxItem = tuple[EventData, str, str | None]
"""(event data, Kafka key, CloudEvents subject), as `enqueue_many` takes them."""


class _Application(NamedTuple):
    """Money of one payment applied to one receivable."""

    payment: Payment
    receivable: Receivable
    amount: Decimal


# --- receivables ----------------------------------------------------------------------------


async def receivable_from_invoice(
    session: AsyncSession, posted: contracts.InvoicePosted, *, posted_on: date
) -> Receivable | None:
    """Open the receivable of a posted invoice; None when the invoice already has one.

    The account's credit (unallocated money of earlier payments in the invoice's currency) pays
    the new invoice at once, oldest payment first, with the same events a payment emits;
    `posted_on` is then the date it was paid on. An invoice posted with nothing to pay is
    recorded as paid, without events: nothing was paid.
    """
    invoice = posted.invoice
    currency = invoice.currency
    total, balance = round_money(invoice.total, currency), round_money(invoice.balance, currency)
    if total < 0 or balance < 0:
        # A credit invoice is not a receivable; raising dead-letters the event for a person to
        # look at, rather than inventing a negative debt.
        raise ValueError(
            f"invoice {invoice.number} has a negative total or balance "
            f"({total}, {balance}); credit invoices are not receivables"
        )
    account_id = uuid.UUID(invoice.account_id)
    await repository.lock_account(session, account_id)
    settled = balance == 0
    receivable = await repository.insert_receivable(
        session,
        {
            "invoice_id": uuid.UUID(invoice.id),
            "invoice_number": invoice.number,
            "account_id": account_id,
            "currency": currency,
            "invoice_date": invoice.invoice_date,
            "due_date": invoice.due_date,
            "total": total,
            "amount_paid": zero(currency),
            "credited": zero(currency),
            "balance": balance,
            "status": ReceivableStatus.PAID if settled else ReceivableStatus.OPEN,
            "paid_on": invoice.invoice_date if settled else None,
        },
    )
    if receivable is None or settled:
        return receivable
    credits = await repository.lock_payments_with_credit(session, account_id, currency)
    applications = _draw_on_credit(receivable, credits)
    await enqueue_many(session, await _apply(session, applications, paid_on=posted_on))
    return receivable


def _draw_on_credit(receivable: Receivable, payments: list[Payment]) -> list[_Application]:
    """Pay the receivable from the payments' unallocated money, oldest payment first."""
    applications = []
    remaining = receivable.balance
    for payment in sorted(payments, key=lambda payment: (payment.received_on, payment.id)):
        if remaining <= 0:
            break
        amount = min(payment.unallocated, remaining)
        applications.append(_Application(payment=payment, receivable=receivable, amount=amount))
        remaining -= amount
    return applications


async def list_receivables(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
    status: ReceivableStatus | None,
) -> tuple[list[Receivable], str | None]:
    statement = select(Receivable)
    if account_id is not None:
        statement = statement.where(Receivable.account_id == account_id)
    if invoice_id is not None:
        statement = statement.where(Receivable.invoice_id == invoice_id)
    if status is not None:
        statement = statement.where(Receivable.status == status)
    return await fetch_page(session, statement, Receivable.id, page)


# --- payments -------------------------------------------------------------------------------


async def record_payment(session: AsyncSession, body: PaymentCreate) -> Payment:
    """Record a payment and apply it: to the invoices asked for, else oldest due date first.

    The account's open receivables are locked before anything is computed, so a concurrent
    payment waits and then sees the balances this one left.
    """
    await repository.lock_account(session, body.account_id)
    open_receivables = await repository.lock_open_receivables(
        session, body.account_id, body.currency
    )
    by_invoice = {str(receivable.invoice_id): receivable for receivable in open_receivables}
    if body.allocations is None:
        allocations, _ = allocate_oldest_first(
            body.amount,
            [
                OpenInvoice(
                    invoice_id=str(receivable.invoice_id),
                    due_date=receivable.due_date,
                    invoice_date=receivable.invoice_date,
                    balance=receivable.balance,
                )
                for receivable in open_receivables
            ],
        )
    else:
        allocations = [
            Allocation(invoice_id=str(requested.invoice_id), amount=requested.amount)
            for requested in body.allocations
        ]
        problems = check_explicit_allocations(
            body.amount,
            allocations,
            {invoice_id: receivable.balance for invoice_id, receivable in by_invoice.items()},
        )
        if problems:
            raise Unprocessable(
                "The allocations cannot be applied: " + "; ".join(problems) + ".",
                code="invalid_allocations",
            )
    payment = Payment(
        account_id=body.account_id,
        currency=body.currency,
        amount=body.amount,
        allocated=zero(body.currency),
        unallocated=body.amount,
        refunded=zero(body.currency),
        method=body.method,
        reference=body.reference,
        received_on=body.received_on,
    )
    session.add(payment)
    await session.flush()
    received = contracts.PaymentReceived(
        payment=contracts.PaymentSnapshot(
            id=str(payment.id),
            account_id=str(payment.account_id),
            amount=payment.amount,
            currency=payment.currency,
            method=payment.method,
            reference=payment.reference,
            received_on=payment.received_on,
        )
    )
    applications = [
        _Application(
            payment=payment, receivable=by_invoice[allocation.invoice_id], amount=allocation.amount
        )
        for allocation in allocations
    ]
    events: list[OutboxItem] = [(received, str(payment.account_id), str(payment.id))]
    events += await _apply(session, applications, paid_on=payment.received_on)
    await enqueue_many(session, events)
    return payment


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


# --- refunds --------------------------------------------------------------------------------


async def refund_payment(
    session: AsyncSession, payment_id: uuid.UUID, body: RefundCreate
) -> RefundPublic:
    """Give back part of a payment's unallocated money; allocated money stays on its invoices.

    No event: the contract has none for refunds yet.
    """
    payment = await get_or_404(session, Payment, payment_id, label="payment")
    await repository.lock_account(session, payment.account_id)
    await session.refresh(payment, with_for_update=True)  # what it is now, under the lock
    amount = round_money(body.amount, payment.currency)
    if amount <= 0:
        raise Unprocessable(
            f"A refund must be positive in {payment.currency}, got {amount}.",
            code="refund_not_positive",
        )
    if amount > payment.unallocated:
        raise Conflict(
            f"Payment {payment.id} has {payment.unallocated} {payment.currency} unallocated; a "
            f"refund of {amount} would give back money already applied to invoices.",
            code="refund_exceeds_unallocated",
        )
    payment.unallocated -= amount
    payment.refunded += amount
    refund = Refund(payment_id=payment.id, amount=amount)
    session.add(refund)
    await session.flush()
    await session.refresh(refund)
    return RefundPublic.model_validate({**refund.model_dump(), "currency": payment.currency})


# --- balances -------------------------------------------------------------------------------


async def account_balance(
    session: AsyncSession, account_id: uuid.UUID, currency: str | None
) -> AccountBalance:
    """What the account owes and what credit it has, in one currency (never summed across),
    with the account's name and e-mail when quote-svc's events told us about it.

    Without `currency`: the account's only currency; an account with money in several must name
    one (422). An account without invoices or payments shows zeros in its own currency when its
    account events arrived, and is a 404 when payment-svc has never heard of it.
    With `currency`: that currency, zero when there is nothing in it.
    """
    account = await session.get(CustomerAccount, account_id)
    if currency is None:
        currencies = await repository.account_currencies(session, account_id)
        if not currencies and account is not None:
            currencies = {account.currency}
        if not currencies:
            raise NotFound(
                f"No receivables or payments of account {account_id}.", code="account_not_found"
            )
        if len(currencies) > 1:
            raise Unprocessable(
                f"Account {account_id} has money in {', '.join(sorted(currencies))}; pass "
                "?currency= to pick one.",
                code="currency_required",
            )
        (currency,) = currencies
    else:
        try:
            minor_units(currency)
        except UnknownCurrencyError as error:
            raise Unprocessable(str(error), code="unknown_currency") from None
    open_total = round_money(await repository.open_total(session, account_id, currency), currency)
    credit = round_money(await repository.credit_balance(session, account_id, currency), currency)
    return AccountBalance(
        account_id=account_id,
        currency=currency,
        open_total=open_total,
        credit_balance=credit,
        account_name=account.name if account else None,
        email=account.email if account else None,
    )


# --- customer accounts (read model) ---------------------------------------------------------


async def record_account(
    session: AsyncSession, account: contracts.AccountSnapshot, *, event_time: datetime
) -> bool:
    """Keep the newest known version of a quote-svc account: written unless the row already
    holds an event at least as new (`event_time` is the CloudEvents `time`), so a redelivered
    or late older event never puts an old name or e-mail back. True when the row was written."""
    return await repository.upsert_customer_account(
        session,
        {
            "account_id": uuid.UUID(account.id),
            "name": account.name,
            "email": account.email,
            "currency": account.currency,
            "payment_term": account.payment_term,
            "source_event_time": event_time,
        },
    )


# --- internals ------------------------------------------------------------------------------


async def _apply(
    session: AsyncSession, applications: list[_Application], *, paid_on: date
) -> list[OutboxItem]:
    """Move money from payments to receivables; the events saying so, in order.

    One `PaymentAllocated` per application, carrying the invoice's amount paid and balance after
    it, then `InvoicePaid` right after the one that brought the balance to zero.
    """
    events: list[OutboxItem] = []
    for payment, receivable, amount in applications:
        allocation = PaymentAllocation(
            payment_id=payment.id,
            receivable_id=receivable.id,
            invoice_id=receivable.invoice_id,
            amount=amount,
        )
        session.add(allocation)
        payment.allocated += amount
        payment.unallocated -= amount
        receivable.amount_paid += amount
        receivable.balance -= amount
        settled = receivable.balance == 0
        if settled:
            receivable.status = ReceivableStatus.PAID
            receivable.paid_on = paid_on
        key, subject = str(receivable.account_id), str(receivable.invoice_id)
        events.append(
            (
                contracts.PaymentAllocated(
                    allocation_id=str(allocation.id),
                    payment_id=str(payment.id),
                    account_id=str(payment.account_id),
                    invoice_id=str(receivable.invoice_id),
                    currency=payment.currency,
                    amount=amount,
                    invoice_amount_paid=receivable.amount_paid,
                    invoice_balance=receivable.balance,
                ),
                key,
                subject,
            )
        )
        if settled:
            events.append(
                (
                    contracts.InvoicePaid(
                        invoice_id=str(receivable.invoice_id),
                        account_id=str(receivable.account_id),
                        currency=receivable.currency,
                        amount_paid=receivable.amount_paid,
                        paid_on=paid_on,
                    ),
                    key,
                    subject,
                )
            )
    await session.flush()
    return events
