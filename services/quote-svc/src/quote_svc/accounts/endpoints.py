"""Account routes: thin, each parses, calls one service function, returns a schema."""

import uuid

from fastapi import APIRouter, Response

from q2c_shared.db import SessionDep
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep
from quote_svc.accounts import service
from quote_svc.accounts.schemas import AccountCreate, AccountPublic, AccountUpdate
from quote_svc.errors import AccountNotFound, IdempotencyKeyReused, problem_responses

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.post(
    "",
    status_code=201,
    response_model=AccountPublic,
    summary="Create an account",
    responses=problem_responses(IdempotencyKeyReused),
)
async def create_account(
    body: AccountCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Create a customer account with its currency, billing address, payment term and tax
    exemption; emits `AccountCreated` on `q2c.accounts`. An invalid body (an unknown currency, a
    country that is not two letters): 422; a reused `Idempotency-Key` with another body: 409.
    """

    async def create() -> AccountPublic:
        return AccountPublic.model_validate(await service.create_account(session, body))

    return await idempotency.respond(session, create)


@router.get("", summary="List accounts")
async def list_accounts(session: SessionDep, page: PageDep) -> Page[AccountPublic]:
    """The accounts, newest first, a page at a time. A `cursor` this API did not give out: 422."""
    rows, next_cursor = await service.list_accounts(session, page)
    return Page(items=[AccountPublic.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/{account_id}", summary="Get an account", responses=problem_responses(AccountNotFound))
async def get_account(account_id: uuid.UUID, session: SessionDep) -> AccountPublic:
    """One account by id, with its billing details. Unknown id: 404."""
    return AccountPublic.model_validate(await service.get_account(session, account_id))


@router.patch(
    "/{account_id}", summary="Update an account", responses=problem_responses(AccountNotFound)
)
async def update_account(
    account_id: uuid.UUID, body: AccountUpdate, session: SessionDep
) -> AccountPublic:
    """Change the fields given and keep the others; emits `AccountUpdated` with the whole account.
    Unknown id: 404; an invalid value: 422.
    """
    return AccountPublic.model_validate(await service.update_account(session, account_id, body))
