"""payment-svc HTTP API: thin routes that parse, call one service function, return a schema."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from payment_svc import batches, dunning_runs, gateways, reporting, service, webhooks
from payment_svc.documents import render as statement_document
from payment_svc.gateways import WebhookEvent
from payment_svc.models import Payment, Receivable
from payment_svc.schemas import (
    AccountBalance,
    ArAgingReport,
    CashReceiptsReport,
    CustomerStatement,
    DunningNoticePublic,
    DunningNoticeStatus,
    DunningRunCreate,
    DunningRunPublic,
    JournalExport,
    OutputFormat,
    PaymentBatchCreate,
    PaymentBatchPublic,
    PaymentCreate,
    PaymentPublic,
    ReceivablePublic,
    ReceivableStatus,
    ReceivedCreditNotePublic,
    RefundCreate,
    RefundPublic,
    StripeWebhookEvent,
    WebhookReceipt,
)
from payment_svc.settings import PaymentSettings
from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep
from q2c_shared.problems import PROBLEM_CONTENT, ProblemDetails, Unprocessable

receivables = APIRouter(prefix="/receivables", tags=["receivables"])
payments = APIRouter(prefix="/payments", tags=["payments"])
account_balances = APIRouter(prefix="/account-balances", tags=["balances"])


# --- receivables ----------------------------------------------------------------------------


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


@receivables.get("/{receivable_id}", summary="Get a receivable")
async def get_receivable(receivable_id: uuid.UUID, session: SessionDep) -> ReceivablePublic:
    """One receivable by its own id (to find one by invoice, filter the list by `invoice_id`).
    Unknown id: 404.
    """
    return ReceivablePublic.model_validate(
        await get_or_404(session, Receivable, receivable_id, label="receivable")
    )


# --- payments -------------------------------------------------------------------------------


@payments.post("", status_code=201, response_model=PaymentPublic, summary="Record a payment")
async def record_payment(
    body: PaymentCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Record money received and apply it to the account's open invoices in its currency.

    Without `allocations`, oldest due date first; with them, exactly those (422 listing every
    problem when one names an invoice that is not open, or asks for more than its balance or
    than the payment). What is left is the account's credit, which pays its next invoices.
    Emits `PaymentReceived`, a `PaymentAllocated` per invoice and `InvoicePaid` per invoice
    settled.
    """

    async def create() -> PaymentPublic:
        return await service.payment_public(session, await service.record_payment(session, body))

    return await idempotency.respond(session, create)


@payments.get("", summary="List payments")
async def list_payments(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
) -> Page[PaymentPublic]:
    """Payments, newest first, each with its allocations. A `cursor` this API did not give
    out: 422."""
    rows, next_cursor = await service.list_payments(session, page, account_id=account_id)
    return Page(items=await service.payments_public(session, rows), next_cursor=next_cursor)


@payments.get("/{payment_id}", summary="Get a payment")
async def get_payment(payment_id: uuid.UUID, session: SessionDep) -> PaymentPublic:
    """A payment with what it paid (`allocations`), its credit (`unallocated`) and refunds. Unknown
    id: 404.
    """
    return await service.payment_public(
        session, await get_or_404(session, Payment, payment_id, label="payment")
    )


@payments.post(
    "/{payment_id}/refunds",
    status_code=201,
    response_model=RefundPublic,
    summary="Refund unallocated payment money",
)
async def refund_payment(
    payment_id: uuid.UUID, body: RefundCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Give back up to the payment's unallocated amount (more: 409 `refund_exceeds_unallocated`).
    Unknown payment: 404. No event is emitted: the contract has no refund event yet.
    """

    async def create() -> RefundPublic:
        return await service.refund_payment(session, payment_id, body)

    return await idempotency.respond(session, create)


@payments.post(
    "/{payment_id}/allocations/{allocation_id}/unapply",
    response_model=PaymentPublic,
    summary="Unapply an allocation",
)
async def unapply_allocation(
    payment_id: uuid.UUID,
    allocation_id: uuid.UUID,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Take back an allocation of the payment (its `allocations[].id`): the amount is the
    payment's `unallocated` money again and the invoice's receivable owes it again (`open`).
    The money is not applied anywhere else: refund it, or it pays the account's next posted
    invoice. Returns the payment, without the allocation. Emits `PaymentUnapplied`.

    Unknown payment, or an allocation that is not the payment's: 404. An allocation already
    unapplied: 409 `allocation_already_unapplied`.
    """

    async def unapply() -> PaymentPublic:
        payment = await service.unapply_allocation(session, payment_id, allocation_id)
        return await service.payment_public(session, payment)

    return await idempotency.respond(session, unapply, status_code=200)


# --- balances -------------------------------------------------------------------------------


@account_balances.get("/{account_id}", summary="Get an account's balance")
async def get_account_balance(
    account_id: uuid.UUID,
    session: SessionDep,
    currency: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=3,
            examples=["USD"],
            description="Required when the account has money in several currencies.",
        ),
    ] = None,
) -> AccountBalance:
    """What the account owes (`open_total`) and its unused payment and credit-note money
    (`credit_balance`), with its `account_name` and `email` (null until quote-svc's account
    events arrived).

    Amounts of different currencies are never added up: the balance is per currency. Without
    `currency` it is the account's only one; an account with money in several currencies must
    name one (422). An account with no invoice or payment shows zeros in its own currency when
    payment-svc knows it from its account events, and is a 404 otherwise. With `currency`, an
    account with nothing in it shows zeros.
    """
    return await service.account_balance(session, account_id, currency)


# --- payment batches ------------------------------------------------------------------------

payment_batches = APIRouter(prefix="/payment-batches", tags=["payments"])


@payment_batches.post(
    "", status_code=201, response_model=PaymentBatchPublic, summary="Record a batch of payments"
)
async def record_payment_batch(
    body: PaymentBatchCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Record up to 10,000 payments at once (a bank statement, a lockbox file), in one
    transaction: each is applied as `POST /v1/payments` without allocations applies it, to its
    account's open invoices in its currency, oldest due date first, the rest kept as the
    account's credit, with the same events. Payments of one account apply in the batch's order.
    An invalid item: 422 and nothing is recorded. Send an `Idempotency-Key` to retry safely."""

    async def create() -> PaymentBatchPublic:
        result = await batches.record_payment_batch(session, body.payments)
        return PaymentBatchPublic(
            payments_recorded=len(result.payment_ids),
            allocations_created=result.allocations,
            invoices_paid=result.invoices_paid,
            payment_ids=result.payment_ids,
        )

    return await idempotency.respond(session, create, status_code=201)


# --- payment gateway webhooks ---------------------------------------------------------------

gateway_webhooks = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _verified_event(gateway_name: str) -> Callable[[Request], Awaitable[WebhookEvent]]:
    """A dependency: the delivery's event, verified by the gateway, before the request's
    transaction begins, so a request without a valid signature never touches the database."""

    async def verified_event(request: Request) -> WebhookEvent:
        gateway = gateways.configured_gateway(gateway_name, request.app.state.settings)
        return gateway.parse(await request.body(), request.headers)

    return verified_event


# The route reads the raw body (the signature covers its exact bytes), so FastAPI cannot
# describe it from a parameter: the body and the signature header are documented here.
_STRIPE_WEBHOOK_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": "Stripe-Signature",
            "in": "header",
            "required": True,
            "description": "Stripe's signature of the body, `t=<unix seconds>,v1=<signature>`: "
            "the hex HMAC-SHA256 of `<t>.<body>` with the endpoint's signing secret.",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": {
        "required": True,
        "description": "The event exactly as Stripe sent it.",
        "content": {"application/json": {"schema": StripeWebhookEvent.model_json_schema()}},
    },
}
_STRIPE_WEBHOOK_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ProblemDetails,
        "content": PROBLEM_CONTENT,
        "description": "`invalid_signature`: the signature is missing, does not match the "
        "body, or is older than `STRIPE_WEBHOOK_TOLERANCE_SECONDS`. `invalid_event`: signed, "
        "but not a Stripe event payment-svc can read (or in a currency it does not know). "
        "Nothing is recorded; Stripe retries.",
    },
    503: {
        "model": ProblemDetails,
        "content": PROBLEM_CONTENT,
        "description": "`gateway_not_configured`: `STRIPE_WEBHOOK_SECRET` is not set.",
    },
}


@gateway_webhooks.post(
    "/stripe",
    summary="Receive a Stripe webhook",
    responses=_STRIPE_WEBHOOK_PROBLEMS,
    openapi_extra=_STRIPE_WEBHOOK_OPENAPI,
)
async def receive_stripe_webhook(
    event: Annotated[WebhookEvent, Depends(_verified_event("stripe"))], session: SessionDep
) -> WebhookReceipt:
    """Stripe's webhook endpoint: register this URL in Stripe for `payment_intent.succeeded`.

    No bearer key: Stripe cannot send one. The `Stripe-Signature` header, checked with the
    official `stripe` library against `STRIPE_WEBHOOK_SECRET`, authenticates the request.

    A succeeded payment intent whose `metadata.invoice_id` names a known invoice in the same
    currency records a `card` payment of the invoice's account (reference: the intent id),
    applied to that invoice up to its balance, the rest kept as the account's credit, with the
    events `POST /v1/payments` emits: `recorded`. One naming an unknown invoice but an account
    (`metadata.account_id`) becomes that account's credit, which pays the invoice once it is
    posted. Neither: `unmatched`, kept without a payment. Other event types: `ignored`. Each
    event and each payment intent is recorded once, however often Stripe delivers it:
    `duplicate`. All of these are 200, so Stripe stops delivering.
    """
    return await webhooks.receive_event(session, "stripe", event)


# --- credit notes received ------------------------------------------------------------------

# Not /v1/credit-notes: invoice-svc owns that prefix (one ingress routes by path, CONTRACT.md).
received_credit_notes = APIRouter(prefix="/received-credit-notes", tags=["credit notes"])


@received_credit_notes.get("", summary="List received credit notes")
async def list_received_credit_notes(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
    invoice_id: Annotated[
        uuid.UUID | None, Query(description="Only the credit notes of this invoice.")
    ] = None,
) -> Page[ReceivedCreditNotePublic]:
    """Credit notes invoice-svc issued (`CreditNoteIssued`), newest first, as payment-svc
    applied them: `applied` to the invoice's receivable, `excess` kept as the account's credit
    (the `credit_note` payment `credit_payment_id`). A `cursor` this API did not give out: 422.
    """
    items, next_cursor = await service.list_received_credit_notes(
        session, page, account_id=account_id, invoice_id=invoice_id
    )
    return Page(items=items, next_cursor=next_cursor)


# --- reports --------------------------------------------------------------------------------

reports = APIRouter(prefix="/reports", tags=["reports"])
statements = APIRouter(prefix="/statements", tags=["reports"])
journal_entries = APIRouter(prefix="/journal-entries", tags=["reports"])

_MEDIA_TYPES = {
    OutputFormat.JSON: "application/json",
    OutputFormat.PDF: "application/pdf",
    OutputFormat.CSV: "text/csv",
}


def _negotiated(
    request: Request, requested: OutputFormat | None, offered: tuple[OutputFormat, ...]
) -> OutputFormat:
    """`?format=` when given (one the route does not offer: 422), else the offered media type
    the `Accept` header prefers (highest q; ties: the first offered, JSON); an `Accept` that
    names none of them gets JSON rather than a 406."""
    if requested is not None:
        if requested not in offered:
            raise Unprocessable(
                f"format={requested} is not offered here; use one of {', '.join(offered)}.",
                code="unsupported_format",
                errors=[{"loc": ["query", "format"], "msg": f"not one of {', '.join(offered)}"}],
            )
        return requested
    preferences: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        media_type, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            preferences[media_type.lower()] = quality

    def quality_of(output: OutputFormat) -> float:
        media_type = _MEDIA_TYPES[output]
        for accepted in (media_type, media_type.split("/")[0] + "/*", "*/*"):
            if accepted in preferences:
                return preferences[accepted]
        return 0.0

    best = max(offered, key=quality_of)  # max keeps the first of equals
    return best if quality_of(best) > 0 else OutputFormat.JSON


_AS_OF = Query(
    description="The day to age at (balances at its end, days past due counted to it); ISO "
    "date YYYY-MM-DD. Default: today (UTC)."
)
_FROM = Query(alias="from", description="The first day of the period; ISO date YYYY-MM-DD.")
_TO = Query(alias="to", description="The last day of the period, included; ISO date YYYY-MM-DD.")
_CURRENCY = Query(
    min_length=3,
    max_length=3,
    examples=["USD"],
    description="ISO 4217 code: only amounts in this currency.",
)


@reports.get("/ar-aging", summary="Age the open receivables")
async def get_ar_aging(
    session: SessionDep,
    as_of: Annotated[date | None, _AS_OF] = None,
    currency: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=3,
            examples=["USD"],
            description="The currency to age. Default: the only one anything is owed in; "
            "required (422 `currency_required`) when balances are open in several.",
        ),
    ] = None,
) -> ArAgingReport:
    """What every account owed at the end of `as_of`, by days past due then: `current` (not
    yet due), `1_30`, `31_60`, `61_90`, `over_90`, per account (with its `name`) and in total.

    As of a past day, a balance is what the invoice owed then: invoices dated on or before it,
    less the allocations applied by then and not unapplied by then, less what credit notes
    issued by then took off them. Amounts of different currencies are never added up: a report
    is of one currency (`currency`, else the only one with open balances; several: 422
    `currency_required`). An unknown currency or a malformed date: 422.
    """
    return await reporting.ar_aging(
        session, as_of=as_of or datetime.now(UTC).date(), currency=currency
    )


@reports.get("/cash-receipts", summary="Cash receipts by day")
async def get_cash_receipts(
    session: SessionDep,
    period_start: Annotated[date, _FROM],
    period_end: Annotated[date, _TO],
    currency: Annotated[str | None, _CURRENCY] = None,
) -> CashReceiptsReport:
    """Money received from `from` to `to` (both included, by `received_on`), per day and
    currency: how many payments, how much, and the same by method. Days without receipts are
    left out; a credit note's excess (a `credit_note` payment) is not money received, and
    refunds are not netted in. `from` after `to`, a malformed date or an unknown currency: 422.
    """
    return await reporting.cash_receipts(
        session, period_start=period_start, period_end=period_end, currency=currency
    )


@statements.get(
    "/{account_id}",
    summary="Get a customer statement",
    response_model=CustomerStatement,
    responses={
        200: {
            "description": "The statement: JSON, or with `?format=pdf` (or `Accept: "
            "application/pdf`) the PDF document to send the customer.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def get_statement(
    account_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    period_start: Annotated[
        date | None,
        Query(
            alias="from",
            description="The first day of the period; ISO date YYYY-MM-DD. Default: the first "
            "day of `to`'s month.",
        ),
    ] = None,
    period_end: Annotated[
        date | None,
        Query(
            alias="to",
            description="The last day of the period, included; ISO date YYYY-MM-DD. Default: "
            "today (UTC).",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=3,
            examples=["USD"],
            description="Required when the account has money in several currencies.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat | None,
        Query(
            alias="format",
            description="`json` or `pdf`; unset, the `Accept` header decides (JSON unless it "
            "prefers `application/pdf`).",
        ),
    ] = None,
) -> Any:
    """The account's statement of account for a period, in one currency: the opening balance
    (at the end of the day before `from`), every invoice (+), credit note (-), payment (-) and
    refund (+) of the period with the running balance, the closing balance, the period's totals
    by type, and the open invoices aged at `to`.

    The balance is what the customer owes net of their unused credit: invoices - credit notes
    - payments + refunds. A credit note's excess is not a payment: its credit note shows it.

    As a PDF (`?format=pdf` or `Accept: application/pdf`) it is the document to send the
    customer, in the sender's brand (`STATEMENT_BRAND`). An account payment-svc has never heard
    of: 404. `from` after `to`, a malformed date, an unknown currency, or none named for an
    account with money in several: 422.
    """
    chosen = _negotiated(request, output_format, (OutputFormat.JSON, OutputFormat.PDF))
    period_end = period_end or datetime.now(UTC).date()
    statement = await reporting.customer_statement(
        session,
        account_id,
        period_start=period_start or period_end.replace(day=1),
        period_end=period_end,
        currency=currency,
    )
    if chosen != OutputFormat.PDF:
        return statement
    settings: PaymentSettings = request.app.state.settings
    # Laying out a PDF is CPU work: keep it off the event loop.
    content = await asyncio.to_thread(
        statement_document.render_statement_pdf,
        statement=statement,
        brand=settings.statement_brand,
        page_size=settings.statement_page_size,
    )
    filename = statement_document.pdf_filename(statement)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@journal_entries.get(
    "",
    summary="Export the journal entries",
    response_model=JournalExport,
    responses={
        200: {
            "description": "The entries: JSON, or with `?format=csv` (or `Accept: text/csv`) "
            "one CSV row per line.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def export_journal_entries(
    request: Request,
    session: SessionDep,
    period_start: Annotated[date, _FROM],
    period_end: Annotated[date, _TO],
    account_id: Annotated[
        uuid.UUID | None, Query(description="Only the entries of this customer account.")
    ] = None,
    currency: Annotated[str | None, _CURRENCY] = None,
    output_format: Annotated[
        OutputFormat | None,
        Query(
            alias="format",
            description="`json` or `csv`; unset, the `Accept` header decides (JSON unless it "
            "prefers `text/csv`).",
        ),
    ] = None,
) -> Any:
    """The double-entry journal of receivables, credit notes, payments, allocations and refunds
    dated from `from` to `to` (both included), for the general ledger to import. Every entry's
    debits equal its credits, so the export balances in each currency (`totals`).

    Ledger accounts: `1000` Cash, `1100` Accounts Receivable, `2200` Tax Payable, `2300`
    Unapplied Cash, `2400` Customer Credits, `4000` Revenue. An invoice posted: Dr 1100 total /
    Cr 4000 subtotal, Cr 2200 tax. A credit note: Dr 4000, Dr 2200 / Cr 1100 what it took off
    its invoice, Cr 2400 the rest. A payment received: Dr 1000 / Cr 1100 what it paid on
    arrival, Cr 2300 the rest. Unapplied cash or a customer credit paying an invoice later:
    Dr 2300 (or 2400) / Cr 1100; an allocation unapplied: the reverse; a refund: Dr 2300 (or
    2400) / Cr 1000. Each entry's `entry_id` is the same in every export.

    As CSV (`?format=csv` or `Accept: text/csv`): one row per line with its entry's columns
    (`entry_id, entry_date, source_type, source_id, source_number, account_id, currency,
    description, line, ledger_account_code, ledger_account_name, debit, credit`). `from` after
    `to`, a malformed date or an unknown currency: 422.
    """
    chosen = _negotiated(request, output_format, (OutputFormat.JSON, OutputFormat.CSV))
    entries = await reporting.journal_entries(
        session,
        period_start=period_start,
        period_end=period_end,
        account_id=account_id,
        currency=currency,
    )
    if chosen != OutputFormat.CSV:
        return reporting.journal_export(entries, period_start=period_start, period_end=period_end)
    filename = f"journal-{period_start.isoformat()}-{period_end.isoformat()}.csv"
    return Response(
        reporting.journal_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- dunning --------------------------------------------------------------------------------

dunning = APIRouter(prefix="/dunning-runs", tags=["dunning"])
dunning_notices = APIRouter(prefix="/dunning-notices", tags=["dunning"])


@dunning.post("", summary="Run dunning: e-mail the payment reminders due")
async def run_dunning(body: DunningRunCreate, request: Request) -> DunningRunPublic:
    """E-mail a payment reminder for every open invoice that has reached a dunning level (1, 7,
    14 or 30 days past due at `as_of`) higher than any it was reminded of: one reminder per
    invoice, for the highest level reached. A level passed over between two runs is not sent
    later. The mail, sent over SMTP (`SMTP_HOST`, `SMTP_PORT`) to the account's e-mail address,
    names the invoice number, the amount due, the due date, how late it is and how to pay.

    Synchronous: answers once every reminder was handed to the SMTP server or failed, with the
    run's counts and notices. Safe to repeat: a second run for the same `as_of` records and
    sends nothing new (no `Idempotency-Key` needed). It does send reminders left `pending` by
    an interrupted run, and tries `failed` ones again (an SMTP server that was down, an account
    without an e-mail address that has one now) up to `DUNNING_MAX_ATTEMPTS` tries. Reminders
    no longer due when their turn comes (the invoice was paid) are `cancelled`.
    """
    return await dunning_runs.run_dunning(
        request.app.state.database,
        request.app.state.settings,
        as_of=body.as_of or dunning_runs.today(),
    )


@dunning_notices.get("", summary="List dunning notices")
async def list_dunning_notices(
    session: SessionDep,
    page: PageDep,
    invoice_id: Annotated[uuid.UUID | None, Query(description="Only this invoice's.")] = None,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
    level: Annotated[
        int | None, Query(description="Only this dunning level (1, 7, 14 or 30).")
    ] = None,
    status: Annotated[
        DunningNoticeStatus | None,
        Query(description="`pending`, `sent`, `failed` or `cancelled`."),
    ] = None,
) -> Page[DunningNoticePublic]:
    """The payment reminders dunning runs recorded, newest first: their `level`, the run's
    `as_of`, `status` and `sent_at`, and why one was not sent (`last_error`). A `cursor` this
    API did not give out: 422.
    """
    items, next_cursor = await dunning_runs.list_dunning_notices(
        session, page, invoice_id=invoice_id, account_id=account_id, level=level, status=status
    )
    return Page(items=items, next_cursor=next_cursor)


routers = [
    receivables,
    payments,
    account_balances,
    payment_batches,
    received_credit_notes,
    reports,
    statements,
    journal_entries,
    dunning,
    dunning_notices,
]
public_routers = [gateway_webhooks]
"""Under /v1 without the bearer key: each route checks its caller's signature itself."""
