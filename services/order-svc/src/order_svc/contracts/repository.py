"""Contract rows: loads, locks and pages them; no business rules, nothing HTTP."""

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.models import Contract, Subscription
from q2c_shared.pagination import PageRequest, fetch_page


async def get(
    session: AsyncSession, contract_id: uuid.UUID, *, for_update: bool = False
) -> Contract | None:
    return await session.get(Contract, contract_id, with_for_update=for_update)


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


async def page(
    session: AsyncSession, request: PageRequest, *, account_id: uuid.UUID | None
) -> tuple[list[Contract], str | None]:
    statement: Select = select(Contract)
    if account_id is not None:
        statement = statement.where(Contract.account_id == account_id)
    return await fetch_page(session, statement, Contract.id, request)
