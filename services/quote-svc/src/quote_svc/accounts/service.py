"""Accounts: the customers quotes are for, and `AccountCreated` / `AccountUpdated`.

Functions flush, never commit: the request's unit of work commits (q2c_shared.db).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.outbox import enqueue
from q2c_shared.pagination import PageRequest
from quote_svc import events
from quote_svc.accounts import repository
from quote_svc.accounts.schemas import AccountCreate, AccountUpdate
from quote_svc.errors import AccountNotFound, UnknownAccount
from quote_svc.models import Account


async def create_account(session: AsyncSession, body: AccountCreate) -> Account:
    account = Account.model_validate(body.model_dump(mode="json"))
    session.add(account)
    await session.flush()  # the INSERT returns the server's created_at/updated_at (eager defaults)
    await enqueue(
        session, events.account_created(account), key=str(account.id), subject=str(account.id)
    )
    return account


async def update_account(
    session: AsyncSession, account_id: uuid.UUID, body: AccountUpdate
) -> Account:
    account = await get_account(session, account_id, for_update=True)
    for field, value in body.model_dump(mode="json", exclude_unset=True).items():
        setattr(account, field, value)
    account.updated_at = datetime.now(UTC)
    await session.flush()
    await enqueue(
        session, events.account_updated(account), key=str(account.id), subject=str(account.id)
    )
    return account


async def get_account(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> Account:
    account = await repository.get(session, account_id, for_update=for_update)
    if account is None:
        raise AccountNotFound(f"No account with id {account_id}.")
    return account


async def list_accounts(
    session: AsyncSession, page: PageRequest
) -> tuple[list[Account], str | None]:
    return await repository.page(session, page)


async def existing_account(session: AsyncSession, account_id: uuid.UUID, *, role: str) -> Account:
    """An account a quote names (as its customer or a bill-to): unknown is a 422, not a 404,
    because the request, not the path, names it."""
    account = await repository.get(session, account_id)
    if account is None:
        raise UnknownAccount(f"The {role} {account_id} does not exist.")
    return account


async def check_accounts_exist(
    session: AsyncSession, account_ids: Sequence[uuid.UUID], *, role: str
) -> None:
    """The accounts a request names (bill-tos of its lines), checked in one query: the first
    unknown one is a 422."""
    known = await repository.existing_ids(session, account_ids)
    for account_id in account_ids:
        if account_id not in known:
            raise UnknownAccount(f"The {role} {account_id} does not exist.")
