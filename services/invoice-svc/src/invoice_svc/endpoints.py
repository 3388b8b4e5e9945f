"""invoice-svc HTTP API: thin routes that parse, call one service function, return a schema."""

import uuid

from fastapi import APIRouter, Response

from invoice_svc import service
from invoice_svc.models import Invoice, InvoiceRun
from invoice_svc.schemas import (
    BillingSchedulePublic,
    InvoicePublic,
    InvoiceRunCreate,
    InvoiceRunPublic,
    InvoiceRunStatus,
    InvoiceStatus,
)
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
    order_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    bill_to_account_id: uuid.UUID | None = None,
) -> Page[BillingSchedulePublic]:
    """One schedule per order product of the activated orders, with its billing periods
    (`pending` until an invoice run bills them). `account_id` is the order's account;
    `bill_to_account_id` the account invoiced."""
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
    `post` is true. Answers at once with the queued run; poll it for the outcome."""

    async def create() -> InvoiceRunPublic:
        return InvoiceRunPublic.model_validate(await service.create_invoice_run(session, body))

    return await idempotency.respond(session, create, status_code=202)


@invoice_runs.get("", summary="List invoice runs")
async def list_invoice_runs(
    session: SessionDep, page: PageDep, status: InvoiceRunStatus | None = None
) -> Page[InvoiceRunPublic]:
    """The runs, newest first, optionally of one status."""
    rows, next_cursor = await service.list_invoice_runs(session, page, status=status)
    return Page(
        items=[InvoiceRunPublic.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@invoice_runs.get("/{invoice_run_id}", summary="Get an invoice run")
async def get_invoice_run(invoice_run_id: uuid.UUID, session: SessionDep) -> InvoiceRunPublic:
    """The run's status (`queued`, `running`, `completed`, `failed`) and what it created."""
    return InvoiceRunPublic.model_validate(
        await get_or_404(session, InvoiceRun, invoice_run_id, label="invoice run")
    )


# --- invoices -------------------------------------------------------------------------------


@invoices.get("", summary="List invoices")
async def list_invoices(
    session: SessionDep,
    page: PageDep,
    account_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    invoice_run_id: uuid.UUID | None = None,
    status: InvoiceStatus | None = None,
) -> Page[InvoicePublic]:
    """Invoices with their lines, newest first. `account_id` is the bill-to account;
    `order_id` finds the invoices with a line of that order."""
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
    quote-svc's account events (null until one arrived)."""
    return await service.invoice_public(
        session, await get_or_404(session, Invoice, invoice_id, label="invoice")
    )


@invoices.post("/{invoice_id}/post", summary="Post a draft invoice")
async def post_invoice(invoice_id: uuid.UUID, session: SessionDep) -> InvoicePublic:
    """Give the draft the next number of its legal entity's gapless series and its due date,
    and emit `InvoicePosted`. Posting an invoice that is already posted: 409."""
    return await service.invoice_public(session, await service.post_invoice(session, invoice_id))


routers = [billing_schedules, invoice_runs, invoices]
