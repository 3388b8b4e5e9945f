"""Dunning notices and the overdue receivables they remind of; no business rules."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Row,
    any_,
    cast,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    CustomerAccount,
    DunningNotice,
    Receivable,
)
from payment_svc.statuses import DunningNoticeStatus, ReceivableStatus
from q2c_shared.ids import new_id


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
