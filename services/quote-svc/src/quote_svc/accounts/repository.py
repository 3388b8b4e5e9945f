"""Account rows: loads and pages; no business rules, nothing HTTP."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.pagination import PageRequest, fetch_page
from quote_svc.models import Account


async def get(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> Account | None:
    return await session.get(Account, account_id, with_for_update=for_update)


async def page(session: AsyncSession, request: PageRequest) -> tuple[list[Account], str | None]:
    return await fetch_page(session, select(Account), Account.id, request)
