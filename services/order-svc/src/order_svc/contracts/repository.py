"""Contract rows: loads, locks and pages them; no business rules, nothing HTTP."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.models import Contract, Subscription
from q2c_shared.db import copy_rows
from q2c_shared.ids import new_ids
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


async def subscriptions_of(
    session: AsyncSession, contract_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Subscription]]:
    """The subscriptions of each contract, in one query for all the contracts."""
    if not contract_ids:
        return {}
    result = await session.execute(
        select(Subscription)
        .where(Subscription.contract_id.in_(contract_ids))
        .order_by(Subscription.contract_id, Subscription.id)
    )
    by_contract: dict[uuid.UUID, list[Subscription]] = defaultdict(list)
    for subscription in result.scalars():
        by_contract[subscription.contract_id].append(subscription)
    return by_contract


async def insert_subscriptions(
    session: AsyncSession, subscriptions: Sequence[dict[str, Any]]
) -> list[uuid.UUID]:
    """New subscriptions in one COPY however many; their ids, in the order given (and
    increasing, so they list in that order too)."""
    ids = new_ids(len(subscriptions))
    await copy_rows(
        session,
        Subscription.__table__,
        [{"id": id_, **row} for id_, row in zip(ids, subscriptions, strict=True)],
    )
    return ids


async def page(
    session: AsyncSession, request: PageRequest, *, account_id: uuid.UUID | None
) -> tuple[list[Contract], str | None]:
    statement: Select = select(Contract)
    if account_id is not None:
        statement = statement.where(Contract.account_id == account_id)
    return await fetch_page(session, statement, Contract.id, request)
