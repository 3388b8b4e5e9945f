"""Receivables' routes: thin, parse, call one service function, return a schema."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from payment_svc.errors import ReceivableNotFound, problem_responses
from payment_svc.models import Receivable
from payment_svc.receivables import service
from payment_svc.receivables.schemas import ReceivablePublic
from payment_svc.statuses import ReceivableStatus
from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.pagination import Page, PageDep

receivables = APIRouter(prefix="/receivables", tags=["receivables"])


@receivables.get("", summary="List receivables")
async def list_receivables(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
    invoice_id: Annotated[uuid.UUID | None, Query(description="The invoice's receivable.")] = None,
    status: Annotated[ReceivableStatus | None, Query(description="`open` or `paid`.")] = None,
) -> Page[ReceivablePublic]:
    """Receivables, newest first: one per posted invoice, with what is paid and still owed. A
    `cursor` this API did not give out: 422.
    """
    rows, next_cursor = await service.list_receivables(
        session, page, account_id=account_id, invoice_id=invoice_id, status=status
    )
    return Page(
        items=[ReceivablePublic.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@receivables.get(
    "/{receivable_id}",
    summary="Get a receivable",
    responses=problem_responses(ReceivableNotFound),
)
async def get_receivable(receivable_id: uuid.UUID, session: SessionDep) -> ReceivablePublic:
    """One receivable by its own id (to find one by invoice, filter the list by `invoice_id`).
    Unknown id: 404.
    """
    return ReceivablePublic.model_validate(
        await get_or_404(session, Receivable, receivable_id, label="receivable")
    )
