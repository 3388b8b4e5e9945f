"""Invoice routes: list, show, render, post."""

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from invoice_svc.documents import pdf_filename, render_invoice_pdf
from invoice_svc.errors import (
    RUN_DATE_REFUSALS,
    InvoiceDateOutOfRange,
    InvoiceNotDraft,
    InvoiceNotFound,
    InvoiceTotalNegative,
    PreviewTooLarge,
    problem_responses,
)
from invoice_svc.invoices import posting, preview, service
from invoice_svc.invoices.preview_schemas import InvoicePreviewPublic, InvoicePreviewRequest
from invoice_svc.invoices.schemas import InvoicePublic
from invoice_svc.settings import InvoiceSettings
from invoice_svc.statuses import InvoiceStatus
from q2c_shared.db import SessionDep
from q2c_shared.edge import DOCUMENT_DEADLINE_SECONDS, longer_deadline
from q2c_shared.pagination import Page, PageDep

router = APIRouter(prefix="/invoices", tags=["invoices"])


@router.get("", summary="List invoices")
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


@router.get("/{invoice_id}", summary="Get an invoice", responses=problem_responses(InvoiceNotFound))
async def get_invoice(invoice_id: uuid.UUID, session: SessionDep) -> InvoicePublic:
    """The invoice with its lines, totals, balance and why its lines were grouped together, and
    `bill_to`: the bill-to account's name, e-mail, billing address and tax exemption from
    quote-svc's account events (null until one arrived). Unknown id: 404.
    """
    return await service.invoice_public(session, await service.get_invoice(session, invoice_id))


@router.get(
    "/{invoice_id}/pdf",
    summary="Get an invoice as a PDF document",
    openapi_extra=longer_deadline(DOCUMENT_DEADLINE_SECONDS),
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}} | problem_responses(InvoiceNotFound),
)
async def get_invoice_pdf(invoice_id: uuid.UUID, session: SessionDep, request: Request) -> Response:
    """The invoice as the customer receives it, in its selling legal entity's brand
    (`DOCUMENT_BRANDS`): seller and bill-to, lines with their service periods, totals, balance
    due and how to pay. A draft is marked DRAFT and has no number yet. Unknown id: 404."""
    invoice = await service.invoice_public(session, await service.get_invoice(session, invoice_id))
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


@router.post(
    "/{invoice_id}/post",
    summary="Post a draft invoice",
    responses=problem_responses(
        InvoiceNotFound, InvoiceNotDraft, InvoiceTotalNegative, InvoiceDateOutOfRange
    ),
)
async def post_invoice(
    invoice_id: uuid.UUID, session: SessionDep, request: Request
) -> InvoicePublic:
    """Give the draft the next number of its legal entity's gapless series and its due date,
    and emit `InvoicePosted`. Unknown id: 404; an invoice that is already posted (409
    `invoice_not_draft`) or totals below zero (409 `invoice_total_negative`); a draft dated, or
    falling due, outside 1900-01-01..2199-12-31 (written before dates were checked): 422
    `date_out_of_range`.
    """
    settings: InvoiceSettings = request.app.state.settings
    invoice = await posting.post_invoice(
        session, invoice_id, series_lock_timeout_ms=settings.posting_lock_timeout_ms
    )
    return await service.invoice_public(session, invoice)


@router.post(
    "/preview",
    summary="Preview the invoices a run would make",
    responses=problem_responses(PreviewTooLarge, *RUN_DATE_REFUSALS),
)
async def preview_invoices(
    body: InvoicePreviewRequest, session: SessionDep
) -> InvoicePreviewPublic:
    """The invoices an invoice run for `target_date` would make, split, drafted and taxed by
    the same code as the run, and written nowhere (no number, no ids of their own): of the
    pending periods of `account_id` (the bill-to) or `order_id`, or of every account when
    neither is given; and of `proposed_order`, an order that does not exist yet (a quote's),
    scheduled as it would be once activated (an amendment's changes on the period grids of the
    subscriptions they change, given `subscription_start_date`). A bill-to whose credits
    outweigh its charges gets a credit note from a run: it is in `credit_notes`, beside the
    invoices in `items`. Nothing is locked, so a preview never holds up a run. More than 1,000
    invoices and credit notes: 422 `preview_too_large` (narrow it by account or order). The
    dates obey a run's rules: 422 `date_out_of_range` or `invoice_date_far_from_target_date`,
    and periods a run would leave pending are left out; amounts with more decimals than the
    proposed order's currency: 422 `too_many_decimals`; totals past 18 digits: 422
    `amount_out_of_range`."""
    return await preview.preview_invoices(session, body)
