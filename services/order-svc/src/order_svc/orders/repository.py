"""Order rows: loads, locks, pages and numbers them; no business rules, nothing HTTP."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.models import Order, OrderProduct
from q2c_shared.db import copy_rows
from q2c_shared.ids import new_ids
from q2c_shared.pagination import PageRequest, fetch_page


async def next_number(session: AsyncSession, sequence: str, prefix: str) -> str:
    """The next number of a series (`O-000001`, `C-000001`) from its PostgreSQL sequence."""
    value = await session.scalar(text(f"SELECT nextval('{sequence}')"))
    return f"{prefix}-{value:06d}"


async def get(
    session: AsyncSession, order_id: uuid.UUID, *, for_update: bool = False
) -> Order | None:
    return await session.get(Order, order_id, with_for_update=for_update)


async def of_quote(session: AsyncSession, quote_id: uuid.UUID) -> Order | None:
    return await session.scalar(select(Order).where(Order.quote_id == quote_id))


async def order_products(session: AsyncSession, order_id: uuid.UUID) -> list[OrderProduct]:
    result = await session.execute(
        select(OrderProduct)
        .where(OrderProduct.order_id == order_id)
        .order_by(OrderProduct.position)
    )
    return list(result.scalars())


async def order_products_of(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderProduct]]:
    """The order products of each order, in their order, in one query for all the orders."""
    if not order_ids:
        return {}
    result = await session.execute(
        select(OrderProduct)
        .where(OrderProduct.order_id.in_(order_ids))
        .order_by(OrderProduct.order_id, OrderProduct.position)
    )
    by_order: dict[uuid.UUID, list[OrderProduct]] = defaultdict(list)
    for product in result.scalars():
        by_order[product.order_id].append(product)
    return by_order


async def insert_order_products(
    session: AsyncSession, order_id: uuid.UUID, products: Sequence[dict[str, Any]]
) -> None:
    """The order's products, numbered 1.. in the order given, in one COPY however many."""
    ids = new_ids(len(products))
    await copy_rows(
        session,
        OrderProduct.__table__,
        [
            {"id": product_id, "order_id": order_id, "position": position, **product}
            for position, (product_id, product) in enumerate(zip(ids, products, strict=True), 1)
        ],
    )


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    quote_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    contract_id: uuid.UUID | None,
) -> tuple[list[Order], str | None]:
    statement: Select = select(Order)
    if quote_id is not None:
        statement = statement.where(Order.quote_id == quote_id)
    if account_id is not None:
        statement = statement.where(Order.account_id == account_id)
    if contract_id is not None:
        statement = statement.where(Order.contract_id == contract_id)
    return await fetch_page(session, statement, Order.id, request)
