"""invoice-svc HTTP API: thin routes that parse, call one service function, return a schema."""

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from invoice_svc import service
from invoice_svc.documents import pdf_filename, render_invoice_pdf
from invoice_svc.models import Invoice, InvoiceRun
from invoice_svc.schemas import (
    BillingSchedulePublic,
    InvoicePublic,
    InvoiceRunCreate,
    InvoiceRunPublic,
    InvoiceRunStatus,
    InvoiceStatus,
)
from invoice_svc.settings import InvoiceSettings
from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

billing_schedules = APIRouter(prefix="/billing-schedules", tags=["billing schedules"])
invoice_runs = APIRouter(prefix="/invoice-runs", tags=["invoice runs"])
invoices = APIRouter(prefix="/invoices", tags=["invoices"])


# --- billing schedules ----------------------------------------------------------------------


@billing_schedules.get("", summary="List billing schedules")
async def list_billing_schedules(
    session: SessionDep,
    page: PageDep,
    order_id: Annotated[
        uuid.UUID | None, Query(description="Only the schedules of this order.")
    ] = None,
    account_id: Annotated[
        uuid.UUID | None, Query(description="Only the schedules of this account's orders.")
    ] = None,
    bill_to_account_id: Annotated[
        uuid.UUID | None, Query(description="Only the schedules this account is invoiced for.")
    ] = None,
) -> Page[BillingSchedulePublic]:
    """One schedule per order product of the activated orders, with its billing periods
    (`pending` until an invoice run bills them). `account_id` is the order's account;
    `bill_to_account_id` the account invoiced. A `cursor` this API did not give out: 422.
    """
    items, next_cursor = await service.list_billing_schedules(
        session,
        page,
        order_id=order_id,
        account_id=account_id,
        bill_to_account_id=bill_to_account_id,
    )
    return Page(items=items, next_cursor=next_cursor)


# --- invoice runs ---------------------------------------------------------------------------


@invoice_runs.post(
    "", status_code=202, response_model=InvoiceRunPublic, summary="Start an invoice run"
)
async def start_invoice_run(
    body: InvoiceRunCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Queue a run that bills every pending period billable on or before `target_date`
    (only of the bill-to accounts in `account_ids`, when given), and posts the invoices when
    `post` is true. Answers at once with the queued run; poll it for the outcome. An invalid body:
    422; a reused `Idempotency-Key` with another body: 409.
    """

    async def create() -> InvoiceRunPublic:
        return InvoiceRunPublic.model_validate(await service.create_invoice_run(session, body))

    return await idempotency.respond(session, create, status_code=202)


@invoice_runs.get("", summary="List invoice runs")
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


@invoice_runs.get("/{invoice_run_id}", summary="Get an invoice run")
async def get_invoice_run(invoice_run_id: uuid.UUID, session: SessionDep) -> InvoiceRunPublic:
    """The run's status (`queued`, `running`, `completed`, `failed`) and what it created. Unknown
    id: 404.
    """
    return InvoiceRunPublic.model_validate(
        await get_or_404(session, InvoiceRun, invoice_run_id, label="invoice run")
    )


# --- invoices -------------------------------------------------------------------------------


@invoices.get("", summary="List invoices")
async def list_invoices(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[
        uuid.UUID | None, Query(description="Only the invoices of this bill-to account.")
    ] = None,
    order_id: Annotated[
        uuid.UUID | None, Query(description="Only the invoices with a line of this order.")
    ] = None,
    invoice_run_id: Annotated[
        uuid.UUID | None, Query(description="Only the invoices this run created.")
    ] = None,
    status: Annotated[
        InvoiceStatus | None, Query(description="`draft` or `posted` invoices only.")
    ] = None,
) -> Page[InvoicePublic]:
    """Invoices with their lines, newest first. `account_id` is the bill-to account;
    `order_id` finds the invoices with a line of that order. A `cursor` this API did not give out:
    422.
    """
    items, next_cursor = await service.list_invoices(
        session,
        page,
        account_id=account_id,
        order_id=order_id,
        invoice_run_id=invoice_run_id,
        status=status,
    )
    return Page(items=items, next_cursor=next_cursor)


@invoices.get("/{invoice_id}", summary="Get an invoice")
async def get_invoice(invoice_id: uuid.UUID, session: SessionDep) -> InvoicePublic:
    """The invoice with its lines, totals, balance and why its lines were grouped together, and
    `bill_to`: the bill-to account's name, e-mail, billing address and tax exemption from
    quote-svc's account events (null until one arrived). Unknown id: 404.
    """
    return await service.invoice_public(
        session, await get_or_404(session, Invoice, invoice_id, label="invoice")
    )


@invoices.get(
    "/{invoice_id}/pdf",
    summary="Get an invoice as a PDF document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_invoice_pdf(invoice_id: uuid.UUID, session: SessionDep, request: Request) -> Response:
    """The invoice as the customer receives it, in its selling legal entity's brand
    (`DOCUMENT_BRANDS`): seller and bill-to, lines with their service periods, totals, balance
    due and how to pay. A draft is marked DRAFT and has no number yet. Unknown id: 404."""
    invoice = await service.invoice_public(
        session, await get_or_404(session, Invoice, invoice_id, label="invoice")
    )
    settings: InvoiceSettings = request.app.state.settings
    # Laying out a PDF is CPU work: keep it off the event loop.
    content = await asyncio.to_thread(
        render_invoice_pdf,
        invoice=invoice,
        brand=settings.document_brand(invoice.legal_entity),
        page_size=settings.document_page_size,
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf_filename(invoice)}"'},
    )


@invoices.post("/{invoice_id}/post", summary="Post a draft invoice")
async def post_invoice(invoice_id: uuid.UUID, session: SessionDep) -> InvoicePublic:
    """Give the draft the next number of its legal entity's gapless series and its due date,
    and emit `InvoicePosted`. Unknown id: 404; an invoice that is already posted (409
    `invoice_not_draft`) or totals below zero (409 `invoice_total_negative`).
    """
    return await service.invoice_public(session, await service.post_invoice(session, invoice_id))


routers = [billing_schedules, invoice_runs, invoices]
