"""Invoice run routes: queue a run, list runs, follow one."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from invoice_svc.errors import RUN_DATE_REFUSALS, InvoiceRunNotFound, problem_responses
from invoice_svc.models import InvoiceRun
from invoice_svc.runs import service
from invoice_svc.runs.schemas import InvoiceRunCreate, InvoiceRunPublic
from invoice_svc.statuses import InvoiceRunStatus
from q2c_shared.db import SessionDep
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

router = APIRouter(prefix="/invoice-runs", tags=["invoice runs"])


@router.post(
    "",
    status_code=202,
    response_model=InvoiceRunPublic,
    summary="Start an invoice run",
    responses=problem_responses(*RUN_DATE_REFUSALS),
)
async def start_invoice_run(
    body: InvoiceRunCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Queue a run that bills every pending period billable on or before `target_date`
    (only of the bill-to accounts in `account_ids`, when given), and posts the invoices when
    `post` is true. Answers at once with the queued run; poll it for the outcome. An invalid body:
    422; an invoice date whose invoices could fall due after 2199-12-31 (422
    `date_out_of_range`) or more than 366 days from the target date (422
    `invoice_date_far_from_target_date`); a reused `Idempotency-Key` with another body: 409. A
    due period starting after the date its invoice would fall due is left pending
    (`periods_deferred`), for a run with a later invoice date (docs/adr/0022).
    """

    async def create() -> InvoiceRunPublic:
        return InvoiceRunPublic.model_validate(await service.create_invoice_run(session, body))

    return await idempotency.respond(session, create, status_code=202)


@router.get("", summary="List invoice runs")
async def list_invoice_runs(
    session: SessionDep,
    page: PageDep,
    status: Annotated[
        InvoiceRunStatus | None, Query(description="Only the runs in this status.")
    ] = None,
) -> Page[InvoiceRunPublic]:
    """The runs, newest first, optionally of one status. A `cursor` this API did not give
    out: 422."""
    rows, next_cursor = await service.list_invoice_runs(session, page, status=status)
    return Page(
        items=[InvoiceRunPublic.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/{invoice_run_id}",
    summary="Get an invoice run",
    responses=problem_responses(InvoiceRunNotFound),
)
async def get_invoice_run(invoice_run_id: uuid.UUID, session: SessionDep) -> InvoiceRunPublic:
    """The run's status (`queued`, `running`, `completed`, `failed`) and what it created. Unknown
    id: 404.
    """
    run = await session.get(InvoiceRun, invoice_run_id)
    if run is None:
        raise InvoiceRunNotFound(invoice_run_id)
    return InvoiceRunPublic.model_validate(run)
