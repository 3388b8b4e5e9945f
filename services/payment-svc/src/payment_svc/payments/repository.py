"""Payments, their allocations and the receivables they pay: locked, read and written in
sets; no business rules.

Lock order (`locks.py`): the accounts, then their receivables by id, then their payments by id.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Date,
    Numeric,
    Row,
    String,
    any_,
    bindparam,
    column,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.core.allocation import Credit
from payment_svc.models import (
    Payment,
    PaymentAllocation,
    Receivable,
)
from payment_svc.statuses import ReceivableStatus
from q2c_shared.db import copy_rows


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


async def insert_payments(session: AsyncSession, payments: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert payments; the ids of those inserted.

    A gateway payment whose (gateway, gateway_reference) is recorded already is left out: the
    unique constraint decides (INSERT ... ON CONFLICT DO NOTHING), not a check a concurrent
    delivery could race past. Payments without a gateway reference can never clash (NULLs are
    distinct), so those are written with COPY, which costs PostgreSQL about half as much for a
    batch of a thousand.
    """
    if not any(payment["gateway_reference"] for payment in payments):
        await copy_rows(session, Payment.__table__, payments)
        return {payment["id"] for payment in payments}
    names = list(_PAYMENT_COLUMN_TYPES)
    result = await session.execute(
        text(
            f"INSERT INTO payments ({', '.join(names)}) SELECT * FROM unnest("
            + ", ".join(
                f"CAST(:{name} AS {kind}[])" for name, kind in _PAYMENT_COLUMN_TYPES.items()
            )
            + ") ON CONFLICT ON CONSTRAINT uq_payments_gateway_reference DO NOTHING RETURNING id"
        ),
        {name: [payment[name] for payment in payments] for name in names},
    )
    return set(result.scalars())


_PAYMENT_COLUMN_TYPES = {
    "id": "uuid",
    "account_id": "uuid",
    "currency": "text",
    "amount": "numeric",
    "allocated": "numeric",
    "unallocated": "numeric",
    "refunded": "numeric",
    "method": "text",
    "reference": "text",
    "received_on": "date",
    "gateway": "text",
    "gateway_reference": "text",
    "source_credit_note_id": "uuid",
}


async def insert_allocations(session: AsyncSession, allocations: list[dict[str, Any]]) -> None:
    """Bulk-insert allocations (COPY)."""
    await copy_rows(session, PaymentAllocation.__table__, allocations)


async def add_allocated(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Each of `payment_id`, `allocated`: that much more of the recorded payment allocated and
    that much less unallocated, in one statement (its check constraints keep it whole)."""
    if not changes:
        return
    await session.execute(
        text(
            "UPDATE payments SET allocated = payments.allocated + change.allocated, "
            "unallocated = payments.unallocated - change.allocated "
            "FROM unnest(CAST(:payment_ids AS uuid[]), CAST(:allocated AS numeric[])) "
            "AS change(payment_id, allocated) WHERE payments.id = change.payment_id"
        ),
        {
            "payment_ids": [change["payment_id"] for change in changes],
            "allocated": [change["allocated"] for change in changes],
        },
    )


async def lock_credits(session: AsyncSession, account_id: uuid.UUID, currency: str) -> list[Credit]:
    """The account's payments in `currency` with unallocated money, locked in id order."""
    table = Payment.__table__
    result = await session.execute(
        select(table.c.id, table.c.received_on, table.c.unallocated)
        .where(
            table.c.account_id == account_id,
            table.c.currency == currency,
            table.c.unallocated > 0,
        )
        .order_by(table.c.id)
        .with_for_update()
    )
    return [
        Credit(payment_id=payment_id, received_on=received_on, unallocated=unallocated)
        for payment_id, received_on, unallocated in result.all()
    ]


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
