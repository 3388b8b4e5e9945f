"""payment-svc data access: loads, locks and sums rows; no business rules.

Lock order, the same in every writer so that two of them never wait on each other in a cycle:
the account (an advisory lock), then its receivables by id, then its payments by id.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Numeric,
    Row,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    CustomerAccount,
    DunningNotice,
    GatewayEvent,
    Payment,
    PaymentAllocation,
    Receivable,
    ReceivedCreditNote,
    Refund,
)
from payment_svc.schemas import DunningNoticeStatus, PaymentMethod, ReceivableStatus
from q2c_shared.db import copy_rows
from q2c_shared.ids import new_id


async def lock_account(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Serialise the writers of one account's money until the transaction ends.

    Row locks alone cannot do it: a payment and an `InvoicePosted` for the same account each
    insert a row the other cannot see yet, so the payment would stay credit and the invoice stay
    open. Every writer of an account's receivables or payments takes this lock first.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"payment-svc:account:{account_id}"},
    )


async def lock_open_receivables(
    session: AsyncSession, account_id: uuid.UUID, currency: str
) -> list[Receivable]:
    """The account's open receivables in `currency`, locked in id order."""
    result = await session.execute(
        select(Receivable)
        .where(
            Receivable.account_id == account_id,
            Receivable.currency == currency,
            Receivable.status == ReceivableStatus.OPEN,
        )
        .order_by(Receivable.id)
        .with_for_update()
    )
    return list(result.scalars())


async def lock_payments_with_credit(
    session: AsyncSession, account_id: uuid.UUID, currency: str
) -> list[Payment]:
    """The account's payments in `currency` with unallocated money, locked in id order."""
    result = await session.execute(
        select(Payment)
        .where(
            Payment.account_id == account_id, Payment.currency == currency, Payment.unallocated > 0
        )
        .order_by(Payment.id)
        .with_for_update()
    )
    return list(result.scalars())


async def insert_receivable(session: AsyncSession, values: dict[str, Any]) -> Receivable | None:
    """Insert the receivable of an invoice; None when the invoice already has one."""
    table = Receivable.__table__
    inserted_id = await session.scalar(
        # A core insert skips the model's Python-side default, so the UUIDv7 is made here.
        insert(table)
        .values(id=new_id(), **values)
        .on_conflict_do_nothing(index_elements=[table.c.invoice_id])
        .returning(table.c.id)
    )
    if inserted_id is None:
        return None
    return await session.get(Receivable, inserted_id)


async def insert_payment(session: AsyncSession, values: dict[str, Any]) -> Payment | None:
    """Insert a payment; None when its gateway reference is already recorded (UNIQUE (gateway,
    gateway_reference); payments recorded by hand have none and never clash)."""
    table = Payment.__table__
    inserted_id = await session.scalar(
        insert(table)
        .values(id=new_id(), **values)
        .on_conflict_do_nothing(constraint="uq_payments_gateway_reference")
        .returning(table.c.id)
    )
    if inserted_id is None:
        return None
    return await session.get(Payment, inserted_id)


async def allocations_of(
    session: AsyncSession, payment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentAllocation]]:
    """The active (not unapplied) allocations of each payment in the order they were made, for
    a whole page at once.

    Allocations made in one transaction share `created_at` and their UUIDv7 ids need not sort
    within a millisecond, so those are shown in the order oldest-first allocation uses.
    """
    by_payment: dict[uuid.UUID, list[PaymentAllocation]] = defaultdict(list)
    if not payment_ids:
        return by_payment
    result = await session.execute(
        select(PaymentAllocation)
        .join(Receivable, Receivable.id == PaymentAllocation.receivable_id)
        .where(
            PaymentAllocation.payment_id.in_(payment_ids),
            PaymentAllocation.unapplied_at.is_(None),
        )
        .order_by(
            PaymentAllocation.created_at,
            Receivable.due_date,
            Receivable.invoice_date,
            Receivable.invoice_id,
        )
    )
    for allocation in result.scalars():
        by_payment[allocation.payment_id].append(allocation)
    return by_payment


async def open_total(session: AsyncSession, account_id: uuid.UUID, currency: str) -> Decimal:
    """What the account still owes in `currency`: the balances of its open receivables."""
    total = await session.scalar(
        select(func.sum(Receivable.balance)).where(
            Receivable.account_id == account_id,
            Receivable.currency == currency,
            Receivable.status == ReceivableStatus.OPEN,
        )
    )
    return total or Decimal(0)


async def credit_balance(session: AsyncSession, account_id: uuid.UUID, currency: str) -> Decimal:
    """The account's payment money in `currency` that is neither allocated nor refunded."""
    total = await session.scalar(
        select(func.sum(Payment.unallocated)).where(
            Payment.account_id == account_id, Payment.currency == currency
        )
    )
    return total or Decimal(0)


async def account_currencies(session: AsyncSession, account_id: uuid.UUID) -> set[str]:
    """Every currency the account has been invoiced or has paid in."""
    invoiced = select(Receivable.currency).where(Receivable.account_id == account_id)
    paid = select(Payment.currency).where(Payment.account_id == account_id)
    result = await session.execute(invoiced.union(paid))
    return set(result.scalars())


# --- customer accounts (read model) ---------------------------------------------------------


async def upsert_customer_account(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the account, or overwrite it when `values` come from a newer event than the row's
    (`source_event_time`); False when the row was newer or as new and stayed as it was.

    The comparison is in the statement, not in Python: two deliveries racing each other, or an
    old event redelivered after a newer one, can never put an older version back.
    """
    table = CustomerAccount.__table__
    statement = insert(table).values(**values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.account_id],
        set_={
            **{name: excluded[name] for name in values if name != "account_id"},
            "updated_at": func.now(),
        },
        where=table.c.source_event_time < excluded.source_event_time,
    ).returning(table.c.account_id)
    return (await session.execute(statement)).first() is not None


# --- payment batches ------------------------------------------------------------------------


async def lock_accounts(session: AsyncSession, account_ids: Sequence[uuid.UUID]) -> None:
    """`lock_account` for many accounts in one statement, in the order given (callers sort
    them: a fixed order, so two batches never wait on each other in a cycle)."""
    await session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtextextended('payment-svc:account:' || id, 0)) "
            "FROM unnest(CAST(:ids AS text[])) WITH ORDINALITY AS a(id, n) ORDER BY n"
        ),
        {"ids": [str(account_id) for account_id in account_ids]},
    )


async def lock_open_receivables_of(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> list[Row[Any]]:
    """The open receivables of these accounts, every currency, locked in id order."""
    table = Receivable.__table__
    result = await session.execute(
        select(
            table.c.id,
            table.c.invoice_id,
            table.c.account_id,
            table.c.currency,
            table.c.invoice_date,
            table.c.due_date,
            table.c.amount_paid,
            table.c.balance,
        )
        .where(
            table.c.account_id
            == any_(
                bindparam("account_ids", list(account_ids), type_=ARRAY(PG_UUID(as_uuid=True)))
            ),
            table.c.status == ReceivableStatus.OPEN,
        )
        .order_by(table.c.id)
        .with_for_update()
    )
    return list(result.all())


async def insert_payments(
    session: AsyncSession, payments: list[dict[str, Any]], allocations: list[dict[str, Any]]
) -> None:
    """Bulk-insert payments and their allocations (COPY)."""
    await copy_rows(session, Payment.__table__, payments)
    await copy_rows(session, PaymentAllocation.__table__, allocations)


async def set_receivable_payments(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Each of `receivable_id`, `amount_paid`, `balance`, `status`, `paid_on`: one statement."""
    if not changes:
        return
    table = Receivable.__table__
    changed = (
        func.unnest(
            *(
                bindparam(None, [change[name] for change in changes], type_=ARRAY(item_type))
                for name, item_type in _RECEIVABLE_CHANGE_TYPES.items()
            )
        )
        .table_valued(
            *(column(name, item_type) for name, item_type in _RECEIVABLE_CHANGE_TYPES.items())
        )
        .render_derived()
    )
    await session.execute(
        update(table)
        .where(table.c.id == changed.c.receivable_id)
        .values(
            amount_paid=changed.c.amount_paid,
            balance=changed.c.balance,
            status=changed.c.status,
            paid_on=changed.c.paid_on,
        )
    )


_RECEIVABLE_CHANGE_TYPES = {
    "receivable_id": PG_UUID(as_uuid=True),
    "amount_paid": Numeric(),
    "balance": Numeric(),
    "status": String(),
    "paid_on": Date(),
}


# --- gateway events -------------------------------------------------------------------------


async def insert_gateway_event(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Record a gateway's webhook event; None when it is recorded already (UNIQUE (gateway,
    event_id)). A concurrent delivery of the same event waits here until the first one's
    transaction ends, then finds it recorded (or records it, if that one rolled back)."""
    table = GatewayEvent.__table__
    return await session.scalar(
        insert(table)
        .values(id=new_id(), **values)
        .on_conflict_do_nothing(constraint="uq_gateway_events_event")
        .returning(table.c.id)
    )


async def gateway_event_payment_id(
    session: AsyncSession, gateway: str, event_id: str
) -> uuid.UUID | None:
    """The payment a recorded gateway event led to, if any."""
    return await session.scalar(
        select(GatewayEvent.payment_id).where(
            GatewayEvent.gateway == gateway, GatewayEvent.event_id == event_id
        )
    )


async def set_gateway_event_payment(
    session: AsyncSession, gateway_event_id: uuid.UUID, payment_id: uuid.UUID
) -> None:
    await session.execute(
        update(GatewayEvent.__table__)
        .where(GatewayEvent.__table__.c.id == gateway_event_id)
        .values(payment_id=payment_id)
    )


async def payment_id_by_gateway_reference(
    session: AsyncSession, gateway: str, gateway_reference: str
) -> uuid.UUID | None:
    return await session.scalar(
        select(Payment.id).where(
            Payment.gateway == gateway, Payment.gateway_reference == gateway_reference
        )
    )


async def receivable_of_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Receivable | None:
    """The invoice's receivable, unlocked (lock its account, then refresh it FOR UPDATE)."""
    return await session.scalar(select(Receivable).where(Receivable.invoice_id == invoice_id))


# --- credit notes and unapplied allocations -------------------------------------------------


async def lock_receivable_of_invoice(
    session: AsyncSession, invoice_id: uuid.UUID
) -> Receivable | None:
    """The invoice's receivable, locked (take its account's lock first)."""
    return await session.scalar(
        select(Receivable)
        .where(Receivable.invoice_id == invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def insert_credit_note(
    session: AsyncSession, values: dict[str, Any]
) -> ReceivedCreditNote | None:
    """Record a received credit note; None when it is recorded already (UNIQUE credit_note_id)."""
    table = ReceivedCreditNote.__table__
    inserted_id = await session.scalar(
        insert(table)
        .values(id=new_id(), **values)
        .on_conflict_do_nothing(index_elements=[table.c.credit_note_id])
        .returning(table.c.id)
    )
    if inserted_id is None:
        return None
    return await session.get(ReceivedCreditNote, inserted_id)


async def credit_payment_ids(
    session: AsyncSession, credit_note_ids: list[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The `credit_note` payment holding each credit note's excess, by credit note id."""
    if not credit_note_ids:
        return {}
    result = await session.execute(
        select(Payment.source_credit_note_id, Payment.id).where(
            Payment.source_credit_note_id.in_(credit_note_ids)
        )
    )
    return {credit_note_id: payment_id for credit_note_id, payment_id in result.all()}


async def mark_allocation_unapplied(session: AsyncSession, allocation_id: uuid.UUID) -> bool:
    """Stamp the allocation unapplied now; False when it already was (the statement decides,
    so two requests cannot both take the same money back)."""
    table = PaymentAllocation.__table__
    marked = await session.scalar(
        update(table)
        .where(table.c.id == allocation_id, table.c.unapplied_at.is_(None))
        .values(unapplied_at=func.now())
        .returning(table.c.id)
    )
    return marked is not None


# --- reports --------------------------------------------------------------------------------
# Read-only, set-based queries of the AR reports and the journal export. The dates that make
# an allocation, an unapplication and a refund happen are read here, once, for the aging, the
# statements and the journal alike (ledger.py says why they are what they are).


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


async def customer_accounts(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CustomerAccount]:
    """The known accounts among `account_ids` (the read model of quote-svc's accounts)."""
    if not account_ids:
        return {}
    result = await session.execute(
        select(CustomerAccount).where(CustomerAccount.account_id.in_(list(account_ids)))
    )
    return {account.account_id: account for account in result.scalars()}


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


# --- dunning --------------------------------------------------------------------------------


async def overdue_receivables(
    session: AsyncSession, *, due_before: date, after_id: uuid.UUID | None, limit: int
) -> list[Row[Any]]:
    """One batch (by id, after `after_id`) of the open receivables due before `due_before`, with
    their account's e-mail address (null when unknown)."""
    statement = (
        select(
            Receivable.id,
            Receivable.invoice_id,
            Receivable.account_id,
            Receivable.currency,
            Receivable.due_date,
            Receivable.balance,
            CustomerAccount.email,
        )
        .outerjoin(CustomerAccount, CustomerAccount.account_id == Receivable.account_id)
        .where(
            Receivable.status == ReceivableStatus.OPEN,
            Receivable.balance > 0,
            Receivable.due_date < due_before,
        )
        .order_by(Receivable.id)
        .limit(limit)
    )
    if after_id is not None:
        statement = statement.where(Receivable.id > after_id)
    return list((await session.execute(statement)).all())


async def dunning_levels_of(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, frozenset[int]]:
    """Every level recorded for each invoice, whatever its notice's status."""
    levels: dict[uuid.UUID, set[int]] = defaultdict(set)
    if invoice_ids:
        result = await session.execute(
            select(DunningNotice.invoice_id, DunningNotice.level).where(
                DunningNotice.invoice_id == any_(cast(list(invoice_ids), ARRAY(PG_UUID)))
            )
        )
        for invoice_id, level in result.all():
            levels[invoice_id].add(level)
    return {invoice_id: frozenset(each) for invoice_id, each in levels.items()}


async def insert_dunning_notices(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Record notices; one whose (invoice, level) is recorded already (by a concurrent run) is
    left out. How many were recorded."""
    if not rows:
        return 0
    table = DunningNotice.__table__
    result = await session.execute(
        insert(table)
        .values([{"id": new_id(), **row} for row in rows])
        .on_conflict_do_nothing(constraint="uq_dunning_notices_level")
        .returning(table.c.id)
    )
    return len(result.all())


_TO_SEND = (DunningNoticeStatus.PENDING, DunningNoticeStatus.FAILED)


async def dunning_notice_ids_to_send(
    session: AsyncSession, *, max_attempts: int
) -> list[uuid.UUID]:
    """Notices waiting to be sent (`pending`) or to be tried again (`failed`, fewer than
    `max_attempts` tries), oldest first."""
    result = await session.execute(
        select(DunningNotice.id)
        .where(
            DunningNotice.status.in_(_TO_SEND),
            DunningNotice.attempts < max_attempts,
        )
        .order_by(DunningNotice.id)
    )
    return list(result.scalars())


async def claim_dunning_notice(
    session: AsyncSession, notice_id: uuid.UUID, *, max_attempts: int
) -> DunningNotice | None:
    """The notice, locked until the transaction ends, if it still waits to be sent; None when
    it was sent meanwhile or another run holds it (SKIP LOCKED: that run sends it)."""
    return await session.scalar(
        select(DunningNotice)
        .where(
            DunningNotice.id == notice_id,
            DunningNotice.status.in_(_TO_SEND),
            DunningNotice.attempts < max_attempts,
        )
        .with_for_update(skip_locked=True)
    )


async def highest_dunning_level(session: AsyncSession, invoice_id: uuid.UUID) -> int | None:
    """The highest level recorded for the invoice and not cancelled."""
    return await session.scalar(
        select(func.max(DunningNotice.level)).where(
            DunningNotice.invoice_id == invoice_id,
            DunningNotice.status != DunningNoticeStatus.CANCELLED,
        )
    )
