"""Receivables' rows: inserted once per invoice, looked up by invoice; no business rules."""

import uuid
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    Receivable,
)
from q2c_shared.ids import new_id


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


async def receivable_of_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Receivable | None:
    """The invoice's receivable, unlocked (lock its account, then refresh it FOR UPDATE)."""
    return await session.scalar(select(Receivable).where(Receivable.invoice_id == invoice_id))


async def invoice_owners(
    session: AsyncSession, invoice_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """(account, currency) of each of the invoices that has a receivable; the others are left
    out. Unlocked: a receivable's account and currency never change."""
    if not invoice_ids:
        return {}
    result = await session.execute(
        select(Receivable.invoice_id, Receivable.account_id, Receivable.currency).where(
            Receivable.invoice_id.in_(invoice_ids)
        )
    )
    return {invoice_id: (account_id, currency) for invoice_id, account_id, currency in result}


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
