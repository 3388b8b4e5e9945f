"""Gateway events and the payments they led to; no business rules."""

import uuid
from typing import Any

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    GatewayEvent,
    Payment,
)
from q2c_shared.ids import new_id


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
