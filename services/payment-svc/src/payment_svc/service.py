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
from payment_svc.models import (
    CustomerAccount,
    Payment,
    PaymentAllocation,
    Receivable,
    ReceivedCreditNote,
    Refund,
)
from payment_svc.schemas import (
    AccountBalance,
    AllocationPublic,
    PaymentCreate,
    PaymentMethod,
    PaymentPublic,
    ReceivableStatus,
    ReceivedCreditNotePublic,
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
            # Kept for the journal export, which credits revenue and tax apart.
            "subtotal": round_money(invoice.subtotal, currency),
            "tax_total": round_money(invoice.tax_total, currency),
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


class GatewayPaymentExists(Conflict):
    """A gateway's payment (its reference) is already recorded; nothing was changed."""

    code, title = "gateway_payment_exists", "Gateway payment already recorded"


async def record_payment(
    session: AsyncSession,
    body: PaymentCreate,
    *,
    gateway: str | None = None,
    gateway_reference: str | None = None,
) -> Payment:
    """Record a payment and apply it: to the invoices asked for, else oldest due date first.

    The account's open receivables are locked before anything is computed, so a concurrent
    payment waits and then sees the balances this one left.

    A payment a gateway reported (`gateway`, `gateway_reference`) is recorded once: the UNIQUE
    (gateway, gateway_reference) constraint decides, and a second one raises
    `GatewayPaymentExists` before anything is applied, leaving the transaction usable.
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
    payment = await repository.insert_payment(
        session,
        {
            "account_id": body.account_id,
            "currency": body.currency,
            "amount": body.amount,
            "allocated": zero(body.currency),
            "unallocated": body.amount,
            "refunded": zero(body.currency),
            "method": body.method,
            "reference": body.reference,
            "received_on": body.received_on,
            "gateway": gateway,
            "gateway_reference": gateway_reference,
        },
    )
    if payment is None:
        raise GatewayPaymentExists(f"The {gateway} payment {gateway_reference} is recorded.")
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


# --- credit notes ---------------------------------------------------------------------------


class ReceivableNotYetKnown(LookupError):
    """A credit note of an invoice whose `InvoicePosted` has not been applied yet."""


async def apply_credit_note(
    session: AsyncSession, issued: contracts.CreditNoteIssued
) -> ReceivedCreditNote | None:
    """Apply an issued credit note to the account's money; None when it was received before.

    Under the account's lock the credit note is recorded once (UNIQUE `credit_note_id`: a
    redelivery, even under a new event id, changes nothing). It takes `min(total, balance)` off
    its invoice's receivable (`credited`; the receivable is `paid`, on the issue date, when that
    brings the balance to zero). No event says so: invoice-svc issued the credit note and already
    lowered the invoice itself, and `InvoicePaid` stays the event of money paying an invoice.

    The excess (the invoice was paid already, or the credit note credits no invoice: an invoice
    run's) becomes the account's credit: a `credit_note` payment of the excess, referenced by the
    credit note's number, received on its issue date. Like a payment without allocations it
    pays the account's open invoices in its currency at once, oldest due date first, emitting
    `PaymentAllocated` / `InvoicePaid`; what is left pays the next posted invoices
    (`receivable_from_invoice`). No `PaymentReceived`: no money was received.

    The invoice's `InvoicePosted` and its `CreditNoteIssued` are both on `q2c.invoices` keyed by
    the account, so the receivable exists first; if it does not (a replay out of order, a lost
    event), `ReceivableNotYetKnown` is raised: the consumer retries, then dead-letters the event
    for a person to replay once the invoice is known, rather than guessing where the money goes.
    """
    note = issued.credit_note
    currency = note.currency
    total = round_money(note.total, currency)
    if total < 0:
        raise ValueError(f"credit note {note.number} has a negative total ({total})")
    account_id = uuid.UUID(note.account_id)
    invoice_id = uuid.UUID(note.invoice_id) if note.invoice_id else None
    await repository.lock_account(session, account_id)
    receivable = None
    if invoice_id is not None:
        receivable = await repository.lock_receivable_of_invoice(session, invoice_id)
        if receivable is None:
            raise ReceivableNotYetKnown(
                f"credit note {note.number} credits invoice {note.invoice_number} "
                f"({invoice_id}), which has no receivable yet"
            )
        if (receivable.account_id, receivable.currency) != (account_id, currency):
            raise ValueError(
                f"credit note {note.number} ({note.account_id}, {currency}) does not match "
                f"invoice {receivable.invoice_number} ({receivable.account_id}, "
                f"{receivable.currency})"
            )
    applied = min(total, receivable.balance) if receivable is not None else zero(currency)
    excess = total - applied
    received = await repository.insert_credit_note(
        session,
        {
            "credit_note_id": uuid.UUID(note.id),
            "number": note.number,
            "account_id": account_id,
            "invoice_id": invoice_id,
            "receivable_id": receivable.id if receivable is not None else None,
            "currency": currency,
            "issue_date": note.issue_date,
            "reason": note.reason,
            "subtotal": round_money(note.subtotal, currency),
            "tax_total": round_money(note.tax_total, currency),
            "total": total,
            "applied": applied,
            "excess": excess,
        },
    )
    if received is None:
        return None
    if receivable is not None and applied > 0:
        receivable.credited += applied
        receivable.balance -= applied
        if receivable.balance == 0:
            receivable.status = ReceivableStatus.PAID
            receivable.paid_on = note.issue_date
        await session.flush()
    if excess > 0:
        # Locked before the payment row exists: the account's receivables, then its payments.
        open_receivables = await repository.lock_open_receivables(session, account_id, currency)
        credit = await repository.insert_payment(
            session,
            {
                "account_id": account_id,
                "currency": currency,
                "amount": excess,
                "allocated": zero(currency),
                "unallocated": excess,
                "refunded": zero(currency),
                "method": PaymentMethod.CREDIT_NOTE,
                "reference": note.number,
                "received_on": note.issue_date,
                "source_credit_note_id": uuid.UUID(note.id),
            },
        )
        assert credit is not None  # only gateway payments can clash, and this is none
        applications = _oldest_due_first(credit, open_receivables)
        await enqueue_many(session, await _apply(session, applications, paid_on=note.issue_date))
    return received


def _oldest_due_first(payment: Payment, open_receivables: list[Receivable]) -> list[_Application]:
    """The payment's unallocated money over the open receivables, oldest due date first (as a
    payment without allocations is applied)."""
    by_invoice = {str(receivable.invoice_id): receivable for receivable in open_receivables}
    allocations, _ = allocate_oldest_first(
        payment.unallocated,
        [
            OpenInvoice(
                invoice_id=invoice_id,
                due_date=receivable.due_date,
                invoice_date=receivable.invoice_date,
                balance=receivable.balance,
            )
            for invoice_id, receivable in by_invoice.items()
        ],
    )
    return [
        _Application(
            payment=payment, receivable=by_invoice[allocation.invoice_id], amount=allocation.amount
        )
        for allocation in allocations
    ]


async def list_received_credit_notes(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
) -> tuple[list[ReceivedCreditNotePublic], str | None]:
    statement = select(ReceivedCreditNote)
    if account_id is not None:
        statement = statement.where(ReceivedCreditNote.account_id == account_id)
    if invoice_id is not None:
        statement = statement.where(ReceivedCreditNote.invoice_id == invoice_id)
    rows, next_cursor = await fetch_page(session, statement, ReceivedCreditNote.id, page)
    payments = await repository.credit_payment_ids(session, [row.credit_note_id for row in rows])
    return [
        ReceivedCreditNotePublic.model_validate(
            {**row.model_dump(), "credit_payment_id": payments.get(row.credit_note_id)}
        )
        for row in rows
    ], next_cursor


# --- unapplying allocations -----------------------------------------------------------------


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
        raise NotFound(
            f"Payment {payment_id} has no allocation {allocation_id}.",
            code="allocation_not_found",
        )
    await repository.lock_account(session, payment.account_id)
    # Under the lock, in the lock order: the receivable, then the payment.
    receivable = await session.get(
        Receivable, allocation.receivable_id, with_for_update=True, populate_existing=True
    )
    assert receivable is not None  # a foreign key
    await session.refresh(payment, with_for_update=True)
    if not await repository.mark_allocation_unapplied(session, allocation.id):
        raise Conflict(
            f"Allocation {allocation_id} of payment {payment_id} is already unapplied.",
            code="allocation_already_unapplied",
        )
    amount = allocation.amount
    payment.allocated -= amount
    payment.unallocated += amount
    receivable.amount_paid -= amount
    receivable.balance += amount
    receivable.status = ReceivableStatus.OPEN
    receivable.paid_on = None
    await session.flush()
    unapplied = contracts.PaymentUnapplied(
        allocation_id=str(allocation.id),
        payment_id=str(payment.id),
        account_id=str(payment.account_id),
        invoice_id=str(receivable.invoice_id),
        currency=payment.currency,
        amount=amount,
        invoice_amount_paid=receivable.amount_paid,
        invoice_balance=receivable.balance,
    )
    await enqueue_many(session, [(unapplied, str(payment.account_id), str(receivable.invoice_id))])
    return payment


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
