"""Contract routes: read-only; contracts change by activating orders."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from order_svc.contracts import service
from order_svc.contracts.schemas import ContractPublic
from order_svc.errors import ContractNotFound, problem_responses
from q2c_shared.db import SessionDep
from q2c_shared.pagination import Page, PageDep

router = APIRouter(prefix="/contracts", tags=["contracts"])


@router.get("", summary="List contracts")
async def list_contracts(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Contracts of this account.")] = None,
) -> Page[ContractPublic]:
    """Contracts with their subscriptions, newest first, optionally of one account. A `cursor` this
    API did not give out: 422.
    """
    rows, next_cursor = await service.list_contracts(session, page, account_id=account_id)
    return Page(items=await service.contracts_public(session, rows), next_cursor=next_cursor)


@router.get(
    "/{contract_id}",
    summary="Get a contract with its subscriptions",
    responses=problem_responses(ContractNotFound),
)
async def get_contract(contract_id: uuid.UUID, session: SessionDep) -> ContractPublic:
    """One contract with its term, billing terms and subscriptions (cancelled ones at quantity 0).
    Unknown id: 404.
    """
    return await service.contract_public(session, await service.get_contract(session, contract_id))
