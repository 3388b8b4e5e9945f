"""Posting invoices: the one path, for an invoice run's batch and for one invoice posted by hand
(a batch of one). Numbers from the legal entity's gapless series, due dates, one
`InvoicePosted` each through the outbox."""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc import events, number_series
from invoice_svc.bill_to_accounts.repository import tax_profiles
from invoice_svc.core.balances import can_post, open_balance, payment_status
from invoice_svc.core.drafting import TaxContext
from invoice_svc.core.invoice_dates import falls_due_in_range
from invoice_svc.core.numbering import DocumentKind, series_key
from invoice_svc.core.tax import line_tax
from invoice_svc.errors import (
    InvoiceDateOutOfRange,
    InvoiceNotDraft,
    InvoiceNotFound,
    InvoiceTotalNegative,
)
from invoice_svc.invoices import repository
from invoice_svc.models import Invoice
from invoice_svc.statuses import InvoiceStatus
from invoice_svc.tax_rates.repository import tax_rate_table
from q2c_shared.billing.terms import due_date
from q2c_shared.money import zero
from q2c_shared.outbox import JsonEvent, enqueue_json


async def post_invoice(
    session: AsyncSession,
    invoice_id: uuid.UUID,
    *,
    series_lock_timeout_ms: int = number_series.DEFAULT_SERIES_LOCK_TIMEOUT_MS,
) -> Invoice:
    """Post one draft: a batch of one through `post_drafts`, the path invoice runs post by.
    It is taxed again first (rates in force, bill-to address now: a draft may have waited while
    they changed). A posted invoice, or one with a negative total: 409."""
    invoice = await session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceNotDraft(
            f"Invoice {invoice.number} is already {invoice.status}; only a draft can be posted."
        )
    if not can_post(invoice.total):
        raise InvoiceTotalNegative(
            f"Invoice {invoice.id} totals {invoice.total} {invoice.currency}: it credits the "
            "customer, which is a credit note's job (invoice runs issue one for such credits); "
            "it stays a draft."
        )
    if not falls_due_in_range(invoice.invoice_date, invoice.payment_term):
        raise InvoiceDateOutOfRange(
            f"Invoice {invoice.id} is dated {invoice.invoice_date} ({invoice.payment_term}): it "
            "would be dated or fall due outside the business dates 1900-01-01..2199-12-31 "
            "(a draft written before invoice dates were checked). It stays a draft."
        )
    await _retax_drafts(session, [invoice.id])
    (row,) = await repository.invoice_rows(session, [invoice.id])
    lines = await repository.lines_by_invoice(session, [invoice.id])
    await number_series.wait_for_series(session, lock_timeout_ms=series_lock_timeout_ms)
    await post_drafts(
        session, [row._mapping], {invoice.id: [line._mapping for line in lines[invoice.id]]}
    )
    await session.refresh(invoice)
    return invoice


async def create_invoices(
    session: AsyncSession,
    invoices: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    *,
    post: bool,
) -> int:
    """Write an invoice run's batch: its drafts and their lines (rows as runs/billing.py makes
    them), marking the billed periods invoiced; with `post`, post them (`post_drafts`).
    Returns how many were posted."""
    await repository.insert_invoices(session, invoices, lines)
    if not post:
        return 0
    lines_of: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        lines_of[line["invoice_id"]].append(line)
    return await post_drafts(session, invoices, lines_of)


async def post_drafts(
    session: AsyncSession,
    drafts: Sequence[Mapping[str, Any]],
    lines_of: Mapping[uuid.UUID, Sequence[Mapping[str, Any]]],
) -> int:
    """Post draft invoices (rows as written, with their lines' rows by invoice id): the one
    posting path, for an invoice run's batch and for one invoice posted by hand. Each is
    numbered from its legal entity's gapless series in the order given, gets its due date and
    one `InvoicePosted` in the outbox, written from the rows (nothing read back). A draft
    totalling below zero is left a draft: what the customer is owed is a credit note's job.
    Returns how many were posted.

    All but the numbering is done before the first number is taken, since the series stays
    locked from then until the transaction commits, while the run's next batch waits for it:
    the events are made in full, then given their numbers."""
    postable = [draft for draft in drafts if can_post(draft["total"])]
    posted_events: dict[uuid.UUID, JsonEvent] = {}
    for count, draft in enumerate(postable, start=1):
        posted_events[draft["id"]] = events.invoice_posted(draft, lines_of.get(draft["id"], ()))
        if count % 20 == 0:
            await asyncio.sleep(0)  # see runs.billing.bill_accounts
    postings = await _take_numbers(session, postable)
    await repository.mark_posted(session, postings)
    for posting in postings:
        events.numbered(
            posted_events[posting["invoice_id"]],
            number=posting["number"],
            due_date=posting["due_date"],
        )
    await enqueue_json(session, list(posted_events.values()))
    return len(postings)


async def _take_numbers(
    session: AsyncSession, drafts: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A posting for each draft (`id`, `legal_entity`, `invoice_date`, `payment_term`): its
    number from its legal entity's gapless series, in the order given, and its due date."""
    by_series: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for draft in drafts:
        by_series[series_key(draft["legal_entity"])].append(draft)
    postings: list[dict[str, Any]] = []
    for series in sorted(by_series):  # a fixed order of series locks: no deadlocks
        in_series = by_series[series]
        numbers = await number_series.take_numbers(
            session,
            legal_entity=in_series[0]["legal_entity"],
            kind=DocumentKind.INVOICE,
            count=len(in_series),
        )
        postings += [
            {
                "invoice_id": draft["id"],
                "number": number,
                "due_date": due_date(draft["invoice_date"], draft["payment_term"]),
            }
            for draft, number in zip(in_series, numbers, strict=True)
        ]
    return postings


async def _retax_drafts(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    """Tax the drafts' lines again at the rates in force and their bill-to's address now, and
    set their totals: what a posted invoice shows is taxed as of its posting (a draft may have
    waited while rates or the address changed). Callers hold the drafts' row locks. Returns
    each draft's new total."""
    if not invoice_ids:
        return {}
    invoices = await repository.invoice_rows(session, invoice_ids)
    lines = await repository.lines_with_tax_codes(session, invoice_ids)
    tax = TaxContext(
        rates=await tax_rate_table(session),
        bill_tos=await tax_profiles(session, list({invoice.account_id for invoice in invoices})),
    )
    line_taxes: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    for invoice in invoices:
        tax_total = zero(invoice.currency)
        for line in lines[invoice.id]:
            rate = tax.rate_for(str(invoice.account_id), line.tax_code)
            tax_amount = line_tax(line.amount, rate, invoice.currency)
            tax_total += tax_amount
            line_taxes.append(
                {"line_id": line.id, "tax_rate_percent": rate, "tax_amount": tax_amount}
            )
        total = invoice.subtotal + tax_total
        totals.append(
            {
                "invoice_id": invoice.id,
                "tax_total": tax_total,
                "total": total,
                "balance": open_balance(total, invoice.credited_total, invoice.amount_paid),
                "payment_status": payment_status(
                    total, invoice.credited_total + invoice.amount_paid
                ),
            }
        )
    await repository.set_line_taxes(session, line_taxes)
    await repository.set_invoice_totals(session, totals)
    return {t["invoice_id"]: t["total"] for t in totals}
