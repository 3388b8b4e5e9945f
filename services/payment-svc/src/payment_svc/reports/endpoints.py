"""The AR reports' and the journal export's routes: thin; parse, negotiate the format, call one
service function, return a schema or a document."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from payment_svc.errors import (
    AccountNotFound,
    CurrencyRequired,
    InvalidPeriod,
    UnknownCurrency,
    UnsupportedFormat,
    problem_responses,
)
from payment_svc.reports import journal
from payment_svc.reports import service as reporting
from payment_svc.reports.documents import render as statement_document
from payment_svc.reports.schemas import (
    ArAgingReport,
    CashReceiptsReport,
    CustomerStatement,
    JournalExport,
    OutputFormat,
)
from payment_svc.settings import PaymentSettings
from q2c_shared.bounds import NO_NUL_PATTERN, BusinessDate
from q2c_shared.db import SessionDep
from q2c_shared.edge import DOCUMENT_DEADLINE_SECONDS, longer_deadline

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
            raise UnsupportedFormat(
                f"format={requested} is not offered here; use one of {', '.join(offered)}.",
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
    "date YYYY-MM-DD, 1900-01-01 to 2199-12-31. Default: today (UTC)."
)
_FROM = Query(
    alias="from",
    description="The first day of the period; ISO date YYYY-MM-DD, 1900-01-01 to 2199-12-31.",
)
_TO = Query(
    alias="to",
    description="The last day of the period, included; ISO date YYYY-MM-DD, 1900-01-01 to "
    "2199-12-31.",
)
_CURRENCY = Query(
    min_length=3,
    max_length=3,
    pattern=NO_NUL_PATTERN,
    examples=["USD"],
    description="ISO 4217 code: only amounts in this currency.",
)


@reports.get(
    "/ar-aging",
    summary="Age the open receivables",
    responses=problem_responses(UnknownCurrency, CurrencyRequired),
)
async def get_ar_aging(
    session: SessionDep,
    as_of: Annotated[BusinessDate | None, _AS_OF] = None,
    currency: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=3,
            pattern=NO_NUL_PATTERN,
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


@reports.get(
    "/cash-receipts",
    summary="Cash receipts by day",
    responses=problem_responses(InvalidPeriod, UnknownCurrency),
)
async def get_cash_receipts(
    session: SessionDep,
    period_start: Annotated[BusinessDate, _FROM],
    period_end: Annotated[BusinessDate, _TO],
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
    openapi_extra=longer_deadline(DOCUMENT_DEADLINE_SECONDS),
    response_model=CustomerStatement,
    responses={
        200: {
            "description": "The statement: JSON, or with `?format=pdf` (or `Accept: "
            "application/pdf`) the PDF document to send the customer.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(
            AccountNotFound, InvalidPeriod, UnknownCurrency, CurrencyRequired, UnsupportedFormat
        ),
    },
)
async def get_statement(
    account_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    period_start: Annotated[
        BusinessDate | None,
        Query(
            alias="from",
            description="The first day of the period; ISO date YYYY-MM-DD, 1900-01-01 to "
            "2199-12-31. Default: the first day of `to`'s month.",
        ),
    ] = None,
    period_end: Annotated[
        BusinessDate | None,
        Query(
            alias="to",
            description="The last day of the period, included; ISO date YYYY-MM-DD, 1900-01-01 "
            "to 2199-12-31. Default: today (UTC).",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=3,
            pattern=NO_NUL_PATTERN,
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
        },
        **problem_responses(InvalidPeriod, UnknownCurrency, UnsupportedFormat),
    },
)
async def export_journal_entries(
    request: Request,
    session: SessionDep,
    period_start: Annotated[BusinessDate, _FROM],
    period_end: Annotated[BusinessDate, _TO],
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
    entries = await journal.journal_entries(
        session,
        period_start=period_start,
        period_end=period_end,
        account_id=account_id,
        currency=currency,
    )
    if chosen != OutputFormat.CSV:
        return journal.journal_export(entries, period_start=period_start, period_end=period_end)
    filename = f"journal-{period_start.isoformat()}-{period_end.isoformat()}.csv"
    return Response(
        journal.journal_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
