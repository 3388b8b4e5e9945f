"""invoice-svc HTTP API: thin routes that parse, call one service function, return a schema."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from invoice_svc import service
from invoice_svc.documents import (
    credit_note_pdf_filename,
    pdf_filename,
    render_credit_note_pdf,
    render_invoice_pdf,
)
from invoice_svc.models import CreditNote, Invoice, InvoiceRun, TaxRate
from invoice_svc.schemas import (
    BillingSchedulePublic,
    CreditNoteCreate,
    CreditNotePublic,
    CreditNoteStatus,
    InvoicePublic,
    InvoiceRunCreate,
    InvoiceRunPublic,
    InvoiceRunStatus,
    InvoiceStatus,
    TaxRateCreate,
    TaxRatePublic,
    TaxRateUpdate,
)
from invoice_svc.settings import InvoiceSettings
from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

billing_schedules = APIRouter(prefix="/billing-schedules", tags=["billing schedules"])
invoice_runs = APIRouter(prefix="/invoice-runs", tags=["invoice runs"])
invoices = APIRouter(prefix="/invoices", tags=["invoices"])
tax_rates = APIRouter(prefix="/tax-rates", tags=["tax rates"])
credit_notes = APIRouter(prefix="/credit-notes", tags=["credit notes"])


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


@invoices.post(
    "/{invoice_id}/credit-notes",
    status_code=201,
    response_model=CreditNotePublic,
    summary="Credit a posted invoice",
)
async def credit_invoice(
    invoice_id: uuid.UUID, body: CreditNoteCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Issue a credit note for the invoice: in full (omit `lines`: everything not credited yet)
    or by line (an amount of each line, at most what is left of it; its tax goes with it, at
    the line's rate). It is numbered from the legal entity's gapless `CN-` series, lowers the
    invoice's balance and emits `CreditNoteIssued`. Unknown invoice: 404; a draft (409
    `invoice_not_posted`); nothing left to credit (409 `invoice_fully_credited`); a line not on
    the invoice, named twice, itself a credit, or credited beyond what is left: 422. Send an
    `Idempotency-Key` to retry safely."""

    async def create() -> CreditNotePublic:
        credit_note = await service.credit_invoice(
            session, invoice_id, body, today=datetime.now(UTC).date()
        )
        return await service.credit_note_public(session, credit_note)

    return await idempotency.respond(session, create, status_code=201)


# --- credit notes ---------------------------------------------------------------------------


@credit_notes.get("", summary="List credit notes")
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


@credit_notes.get("/{credit_note_id}", summary="Get a credit note")
async def get_credit_note(credit_note_id: uuid.UUID, session: SessionDep) -> CreditNotePublic:
    """The credit note with its lines and totals. Unknown id: 404."""
    return await service.credit_note_public(
        session, await get_or_404(session, CreditNote, credit_note_id, label="credit note")
    )


@credit_notes.get(
    "/{credit_note_id}/pdf",
    summary="Get a credit note as a PDF document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_credit_note_pdf(
    credit_note_id: uuid.UUID, session: SessionDep, request: Request
) -> Response:
    """The credit note as the customer receives it, in its selling legal entity's brand
    (`DOCUMENT_BRANDS`): seller and bill-to, the invoice it credits and why, lines with their
    service periods and tax, and the total credited. Nothing to pay, so no payment
    instructions. A draft is marked DRAFT and has no number yet. Unknown id: 404."""
    credit_note, bill_to = await service.credit_note_document(
        session, await get_or_404(session, CreditNote, credit_note_id, label="credit note")
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


@credit_notes.post("/{credit_note_id}/issue", summary="Issue a draft credit note")
async def issue_credit_note(credit_note_id: uuid.UUID, session: SessionDep) -> CreditNotePublic:
    """Number a draft credit note (left by an invoice run that did not post) from the legal
    entity's gapless `CN-` series and emit `CreditNoteIssued`. Unknown id: 404; issued already:
    409 `credit_note_not_draft`."""
    return await service.credit_note_public(
        session, await service.issue_credit_note(session, credit_note_id)
    )


# --- tax rates ------------------------------------------------------------------------------


@tax_rates.post("", status_code=201, response_model=TaxRatePublic, summary="Create a tax rate")
async def create_tax_rate(
    body: TaxRateCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """The percent a product tax code bears in a country, or in one region of it (which then
    beats the country's rate there). Invoice lines are taxed at the rate of the bill-to
    account's billing address and the product's tax code, rounded per line; tax-exempt accounts,
    accounts without an address and products without a tax code bear none. A rate for the same
    country, region and tax code exists: 409 `tax_rate_exists` (change it with PATCH). A retry
    with the same `Idempotency-Key` and body answers the rate it created."""

    async def create() -> TaxRatePublic:
        return TaxRatePublic.model_validate(await service.create_tax_rate(session, body))

    return await idempotency.respond(session, create, status_code=201)


@tax_rates.get("", summary="List tax rates")
async def list_tax_rates(
    session: SessionDep,
    page: PageDep,
    country: Annotated[
        str | None, Query(description="Only this country's rates (ISO 3166-1 alpha-2).")
    ] = None,
    tax_code: Annotated[str | None, Query(description="Only the rates of this tax code.")] = None,
) -> Page[TaxRatePublic]:
    """The tax rates, newest first. A `cursor` this API did not give out: 422."""
    rows, next_cursor = await service.list_tax_rates(
        session, page, country=country, tax_code=tax_code
    )
    return Page(items=[TaxRatePublic.model_validate(row) for row in rows], next_cursor=next_cursor)


@tax_rates.get("/{tax_rate_id}", summary="Get a tax rate")
async def get_tax_rate(tax_rate_id: uuid.UUID, session: SessionDep) -> TaxRatePublic:
    """One tax rate. Unknown id: 404."""
    return TaxRatePublic.model_validate(
        await get_or_404(session, TaxRate, tax_rate_id, label="tax rate")
    )


@tax_rates.patch("/{tax_rate_id}", summary="Change a tax rate")
async def update_tax_rate(
    tax_rate_id: uuid.UUID, body: TaxRateUpdate, session: SessionDep
) -> TaxRatePublic:
    """A new percent for the rate's country, region and tax code. Posted invoices keep the rate
    they were taxed at; drafts are taxed again when they are posted. Unknown id: 404."""
    return TaxRatePublic.model_validate(await service.update_tax_rate(session, tax_rate_id, body))


routers = [billing_schedules, invoice_runs, invoices, credit_notes, tax_rates]
