"""Read-only, set-based queries of the AR reports and the journal export.

The dates that make an allocation, an unapplication and a refund happen are read here, once,
for the aging, the statements and the journal alike (core/ledger.py says why they are what
they are).
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Row,
    and_,
    case,
    cast,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    Payment,
    PaymentAllocation,
    Receivable,
    ReceivedCreditNote,
    Refund,
)
from payment_svc.statuses import PaymentMethod


def _utc_day(timestamp: Any) -> Any:
    """The UTC calendar day of a timestamptz, whatever the session's time zone."""
    return cast(func.timezone("UTC", timestamp), Date)


def _allocation_timeline() -> Any:
    """Every allocation with the days it was applied and unapplied on, as a subquery.

    `applied_on`: the payment's `received_on` for an allocation made in the payment's own
    transaction (same `created_at`: the transaction's start), else the UTC day it was made; and
    never before the payment arrived nor before the invoice's date. `unapplied_on`: the UTC day
    it was taken back, never before `applied_on`; null while it stands. `at_receipt`: booked by
    its payment's own journal entry (made with it, dated its arrival, and money, not credit).
    """
    allocation, payment, receivable = (
        PaymentAllocation.__table__,
        Payment.__table__,
        Receivable.__table__,
    )
    made_with_payment = allocation.c.created_at == payment.c.created_at
    applied_on = func.greatest(
        payment.c.received_on,
        receivable.c.invoice_date,
        case((made_with_payment, payment.c.received_on), else_=_utc_day(allocation.c.created_at)),
    )
    from_credit = payment.c.method == PaymentMethod.CREDIT_NOTE
    return (
        select(
            allocation.c.id.label("allocation_id"),
            allocation.c.payment_id,
            allocation.c.receivable_id,
            allocation.c.amount,
            payment.c.reference.label("payment_reference"),
            payment.c.account_id,
            payment.c.currency,
            receivable.c.invoice_number,
            from_credit.label("from_credit"),
            and_(
                made_with_payment,
                ~from_credit,
                receivable.c.invoice_date <= payment.c.received_on,
            ).label("at_receipt"),
            applied_on.label("applied_on"),
            # GREATEST skips nulls: without the CASE a standing allocation would look unapplied.
            case(
                (
                    allocation.c.unapplied_at.is_not(None),
                    func.greatest(_utc_day(allocation.c.unapplied_at), applied_on),
                ),
                else_=null(),
            ).label("unapplied_on"),
        )
        .join(payment, payment.c.id == allocation.c.payment_id)
        .join(receivable, receivable.c.id == allocation.c.receivable_id)
        .subquery("allocation_timeline")
    )


def _refunded_on() -> Any:
    """The UTC day a refund was made, never before its payment arrived."""
    return func.greatest(_utc_day(Refund.__table__.c.created_at), Payment.__table__.c.received_on)


def _filters(
    table: Any, *, account_id: uuid.UUID | None = None, currency: str | None = None
) -> list[Any]:
    conditions = []
    if account_id is not None:
        conditions.append(table.c.account_id == account_id)
    if currency is not None:
        conditions.append(table.c.currency == currency)
    return conditions


async def open_balances_as_of(
    session: AsyncSession,
    as_of: date,
    *,
    account_id: uuid.UUID | None = None,
    currency: str | None = None,
) -> list[Row[Any]]:
    """(account_id, currency, due_date, balance) of every invoice dated on or before `as_of`
    that owed something at the end of that day: its total, less its allocations applied by then
    and not unapplied by then, less what its credit notes issued by then took off it."""
    receivable, credit_note = Receivable.__table__, ReceivedCreditNote.__table__
    timeline = _allocation_timeline()
    allocated = (
        select(timeline.c.receivable_id, func.sum(timeline.c.amount).label("amount"))
        .where(
            timeline.c.applied_on <= as_of,
            or_(timeline.c.unapplied_on.is_(None), timeline.c.unapplied_on > as_of),
        )
        .group_by(timeline.c.receivable_id)
        .subquery("allocated")
    )
    credited = (
        select(credit_note.c.receivable_id, func.sum(credit_note.c.applied).label("amount"))
        .where(credit_note.c.receivable_id.is_not(None), credit_note.c.issue_date <= as_of)
        .group_by(credit_note.c.receivable_id)
        .subquery("credited")
    )
    balance = (
        receivable.c.total
        - func.coalesce(allocated.c.amount, 0)
        - func.coalesce(credited.c.amount, 0)
    )
    result = await session.execute(
        select(
            receivable.c.account_id,
            receivable.c.currency,
            receivable.c.due_date,
            balance.label("balance"),
        )
        .outerjoin(allocated, allocated.c.receivable_id == receivable.c.id)
        .outerjoin(credited, credited.c.receivable_id == receivable.c.id)
        .where(
            receivable.c.invoice_date <= as_of,
            balance > 0,
            *_filters(receivable, account_id=account_id, currency=currency),
        )
    )
    return list(result.all())


async def statement_invoices(
    session: AsyncSession, account_id: uuid.UUID, currency: str, until: date
) -> list[Row[Any]]:
    """The account's receivables in `currency` dated on or before `until`."""
    table = Receivable.__table__
    result = await session.execute(
        select(
            table.c.invoice_id,
            table.c.invoice_number,
            table.c.invoice_date,
            table.c.due_date,
            table.c.total,
        ).where(
            table.c.invoice_date <= until,
            *_filters(table, account_id=account_id, currency=currency),
        )
    )
    return list(result.all())


async def statement_credit_notes(
    session: AsyncSession, account_id: uuid.UUID, currency: str, until: date
) -> list[Row[Any]]:
    """The account's credit notes in `currency` issued on or before `until`, with the number of
    the invoice each credits (null for an invoice run's)."""
    credit_note, receivable = ReceivedCreditNote.__table__, Receivable.__table__
    result = await session.execute(
        select(
            credit_note.c.credit_note_id,
            credit_note.c.number,
            credit_note.c.issue_date,
            credit_note.c.total,
            receivable.c.invoice_number,
        )
        .outerjoin(receivable, receivable.c.id == credit_note.c.receivable_id)
        .where(
            credit_note.c.issue_date <= until,
            *_filters(credit_note, account_id=account_id, currency=currency),
        )
    )
    return list(result.all())


async def statement_payments(
    session: AsyncSession, account_id: uuid.UUID, currency: str, until: date
) -> list[Row[Any]]:
    """The account's money received in `currency` on or before `until` (no `credit_note`
    payments: those are credit notes' excess, not money)."""
    table = Payment.__table__
    result = await session.execute(
        select(
            table.c.id, table.c.reference, table.c.method, table.c.received_on, table.c.amount
        ).where(
            table.c.received_on <= until,
            table.c.method != PaymentMethod.CREDIT_NOTE,
            *_filters(table, account_id=account_id, currency=currency),
        )
    )
    return list(result.all())


async def statement_refunds(
    session: AsyncSession, account_id: uuid.UUID, currency: str, until: date
) -> list[Row[Any]]:
    """The account's refunds in `currency` made on or before `until` (`refunded_on`), credit
    refunded included, with their payment's reference and method."""
    refund, payment = Refund.__table__, Payment.__table__
    refunded_on = _refunded_on()
    result = await session.execute(
        select(
            refund.c.id,
            refund.c.amount,
            refunded_on.label("refunded_on"),
            payment.c.reference,
            payment.c.method,
        )
        .join(payment, payment.c.id == refund.c.payment_id)
        .where(refunded_on <= until, *_filters(payment, account_id=account_id, currency=currency))
    )
    return list(result.all())


async def receipts_by_day(
    session: AsyncSession, start: date, end: date, *, currency: str | None = None
) -> list[Row[Any]]:
    """(received_on, currency, method, count, amount) of the money received from `start` to
    `end`, both included; `credit_note` payments are no money and are left out."""
    table = Payment.__table__
    result = await session.execute(
        select(
            table.c.received_on,
            table.c.currency,
            table.c.method,
            func.count().label("count"),
            func.sum(table.c.amount).label("amount"),
        )
        .where(
            table.c.received_on.between(start, end),
            table.c.method != PaymentMethod.CREDIT_NOTE,
            *_filters(table, currency=currency),
        )
        .group_by(table.c.received_on, table.c.currency, table.c.method)
    )
    return list(result.all())


async def journal_sources(
    session: AsyncSession,
    start: date,
    end: date,
    *,
    account_id: uuid.UUID | None = None,
    currency: str | None = None,
) -> dict[str, list[Row[Any]]]:
    """What the journal entries from `start` to `end` (both included) are made of, by kind:
    `invoices`, `credit_notes`, `payments` (money only), `allocations` (applied or unapplied in
    the range, at-receipt ones with their payments) and `refunds`."""
    receivable, credit_note = Receivable.__table__, ReceivedCreditNote.__table__
    payment, refund = Payment.__table__, Refund.__table__
    timeline = _allocation_timeline()
    refunded_on = _refunded_on()
    statements = {
        "invoices": select(
            receivable.c.invoice_id,
            receivable.c.invoice_number,
            receivable.c.account_id,
            receivable.c.currency,
            receivable.c.invoice_date,
            receivable.c.subtotal,
            receivable.c.tax_total,
            receivable.c.total,
        ).where(
            receivable.c.invoice_date.between(start, end),
            *_filters(receivable, account_id=account_id, currency=currency),
        ),
        "credit_notes": select(
            credit_note.c.credit_note_id,
            credit_note.c.number,
            credit_note.c.account_id,
            credit_note.c.currency,
            credit_note.c.issue_date,
            credit_note.c.subtotal,
            credit_note.c.tax_total,
            credit_note.c.applied,
            credit_note.c.excess,
        ).where(
            credit_note.c.issue_date.between(start, end),
            *_filters(credit_note, account_id=account_id, currency=currency),
        ),
        "payments": select(
            payment.c.id,
            payment.c.reference,
            payment.c.method,
            payment.c.account_id,
            payment.c.currency,
            payment.c.received_on,
            payment.c.amount,
        ).where(
            payment.c.received_on.between(start, end),
            payment.c.method != PaymentMethod.CREDIT_NOTE,
            *_filters(payment, account_id=account_id, currency=currency),
        ),
        "allocations": select(timeline).where(
            or_(
                timeline.c.applied_on.between(start, end),
                timeline.c.unapplied_on.between(start, end),
            ),
            *_filters(timeline, account_id=account_id, currency=currency),
        ),
        "refunds": select(
            refund.c.id,
            refund.c.payment_id,
            refund.c.amount,
            refunded_on.label("refunded_on"),
            payment.c.reference,
            payment.c.account_id,
            payment.c.currency,
            (payment.c.method == PaymentMethod.CREDIT_NOTE).label("from_credit"),
        )
        .join(payment, payment.c.id == refund.c.payment_id)
        .where(
            refunded_on.between(start, end),
            *_filters(payment, account_id=account_id, currency=currency),
        ),
    }
    return {
        kind: list((await session.execute(statement)).all())
        for kind, statement in statements.items()
    }
