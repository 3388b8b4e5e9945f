"""Account rows: loads and pages; no business rules, nothing HTTP."""

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.pagination import PageRequest, fetch_page
from quote_svc.models import Account


async def get(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> Account | None:
    return await session.get(Account, account_id, with_for_update=for_update)


async def existing_ids(session: AsyncSession, account_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these accounts exist, in one query."""
    if not account_ids:
        return set()
    result = await session.scalars(select(Account.id).where(Account.id.in_(set(account_ids))))
    return set(result)


async def page(session: AsyncSession, request: PageRequest) -> tuple[list[Account], str | None]:
    return await fetch_page(session, select(Account), Account.id, request)
