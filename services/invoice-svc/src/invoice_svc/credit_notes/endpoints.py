"""Credit note routes: credit an invoice, list, show, render, issue a run's draft."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from invoice_svc.credit_notes import service
from invoice_svc.credit_notes.schemas import CreditNoteCreate, CreditNotePublic
from invoice_svc.documents import credit_note_pdf_filename, render_credit_note_pdf
from invoice_svc.errors import (
    CREDIT_REFUSALS,
    CreditNoteBeforeInvoice,
    CreditNoteNotDraft,
    CreditNoteNotFound,
    InvoiceNotFound,
    InvoiceNotPosted,
    problem_responses,
)
from invoice_svc.settings import InvoiceSettings
from invoice_svc.statuses import CreditNoteStatus
from q2c_shared.db import SessionDep
from q2c_shared.edge import DOCUMENT_DEADLINE_SECONDS, longer_deadline
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

router = APIRouter(prefix="/credit-notes", tags=["credit notes"])
invoice_credit_notes = APIRouter(prefix="/invoices", tags=["invoices"])
"""The route crediting an invoice: under the invoice's path, with the invoices."""


@invoice_credit_notes.post(
    "/{invoice_id}/credit-notes",
    status_code=201,
    response_model=CreditNotePublic,
    summary="Credit a posted invoice",
    responses=problem_responses(
        InvoiceNotFound, InvoiceNotPosted, CreditNoteBeforeInvoice, *CREDIT_REFUSALS
    ),
)
async def credit_invoice(
    invoice_id: uuid.UUID,
    body: CreditNoteCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    request: Request,
) -> Response:
    """Issue a credit note for the invoice: in full (omit `lines`: everything not credited yet)
    or by line (an amount of each line, at most what is left of it; its tax goes with it, at
    the line's rate). It is numbered from the legal entity's gapless `CN-` series, lowers the
    invoice's balance and emits `CreditNoteIssued`. Unknown invoice: 404; a draft (409
    `invoice_not_posted`); nothing left to credit (409 `invoice_fully_credited`); a line not on
    the invoice, named twice, itself a credit, or credited beyond what is left, an amount with
    more decimals than the currency has, an `issue_date` before the invoice's date: 422. Send an
    `Idempotency-Key` to retry safely."""

    async def create() -> CreditNotePublic:
        settings: InvoiceSettings = request.app.state.settings
        credit_note = await service.credit_invoice(
            session,
            invoice_id,
            body,
            today=datetime.now(UTC).date(),
            series_lock_timeout_ms=settings.posting_lock_timeout_ms,
        )
        return await service.credit_note_public(session, credit_note)

    return await idempotency.respond(session, create, status_code=201)


@router.get("", summary="List credit notes")
async def list_credit_notes(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[
        uuid.UUID | None, Query(description="Only the credit notes of this bill-to account.")
    ] = None,
    invoice_id: Annotated[
        uuid.UUID | None, Query(description="Only the credit notes of this invoice.")
    ] = None,
    status: Annotated[
        CreditNoteStatus | None, Query(description="`draft` or `issued` only.")
    ] = None,
) -> Page[CreditNotePublic]:
    """Credit notes with their lines, newest first. A `cursor` this API did not give out:
    422."""
    items, next_cursor = await service.list_credit_notes(
        session, page, account_id=account_id, invoice_id=invoice_id, status=status
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{credit_note_id}",
    summary="Get a credit note",
    responses=problem_responses(CreditNoteNotFound),
)
async def get_credit_note(credit_note_id: uuid.UUID, session: SessionDep) -> CreditNotePublic:
    """The credit note with its lines and totals. Unknown id: 404."""
    return await service.credit_note_public(
        session, await service.get_credit_note(session, credit_note_id)
    )


@router.get(
    "/{credit_note_id}/pdf",
    summary="Get a credit note as a PDF document",
    openapi_extra=longer_deadline(DOCUMENT_DEADLINE_SECONDS),
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}} | problem_responses(CreditNoteNotFound),
)
async def get_credit_note_pdf(
    credit_note_id: uuid.UUID, session: SessionDep, request: Request
) -> Response:
    """The credit note as the customer receives it, in its selling legal entity's brand
    (`DOCUMENT_BRANDS`): seller and bill-to, the invoice it credits and why, lines with their
    service periods and tax, and the total credited. Nothing to pay, so no payment
    instructions. A draft is marked DRAFT and has no number yet. Unknown id: 404."""
    credit_note, bill_to = await service.credit_note_document(
        session, await service.get_credit_note(session, credit_note_id)
    )
    settings: InvoiceSettings = request.app.state.settings
    # Laying out a PDF is CPU work: keep it off the event loop.
    content = await asyncio.to_thread(
        render_credit_note_pdf,
        credit_note=credit_note,
        bill_to=bill_to,
        brand=settings.document_brand(credit_note.legal_entity),
        page_size=settings.document_page_size,
    )
    filename = credit_note_pdf_filename(credit_note)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.post(
    "/{credit_note_id}/issue",
    summary="Issue a draft credit note",
    responses=problem_responses(CreditNoteNotFound, CreditNoteNotDraft),
)
async def issue_credit_note(
    credit_note_id: uuid.UUID, session: SessionDep, request: Request
) -> CreditNotePublic:
    """Number a draft credit note (left by an invoice run that did not post) from the legal
    entity's gapless `CN-` series and emit `CreditNoteIssued`. Unknown id: 404; issued already:
    409 `credit_note_not_draft`."""
    settings: InvoiceSettings = request.app.state.settings
    credit_note = await service.issue_credit_note(
        session, credit_note_id, series_lock_timeout_ms=settings.posting_lock_timeout_ms
    )
    return await service.credit_note_public(session, credit_note)
