"""order-svc data access."""

import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.models import OrderProduct, Subscription


async def next_number(session: AsyncSession, sequence: str, prefix: str) -> str:
    value = await session.scalar(text(f"SELECT nextval('{sequence}')"))
    return f"{prefix}-{value:06d}"


async def order_products(session: AsyncSession, order_id: uuid.UUID) -> list[OrderProduct]:
    result = await session.execute(
        select(OrderProduct)
        .where(OrderProduct.order_id == order_id)
        .order_by(OrderProduct.position)
    )
    return list(result.scalars())


async def subscriptions(
    session: AsyncSession, contract_id: uuid.UUID, *, for_update: bool = False
) -> list[Subscription]:
    statement = (
        select(Subscription)
        .where(Subscription.contract_id == contract_id)
        .order_by(Subscription.id)
    )
    if for_update:
        statement = statement.with_for_update()
    result = await session.execute(statement)
    return list(result.scalars())
