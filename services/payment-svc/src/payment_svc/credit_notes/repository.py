"""Received credit notes' rows; no business rules."""

import uuid
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    Payment,
    ReceivedCreditNote,
)
from q2c_shared.ids import new_id


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
