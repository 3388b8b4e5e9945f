"""One batch of an invoice run.

A run bills whole bill-to accounts per batch, one transaction each: it locks the accounts'
pending periods due by the target date (`FOR UPDATE OF billing_periods SKIP LOCKED`), splits
them into invoices with `grouping.group_charges`, writes invoices and lines with COPY, marks
the periods invoiced in one statement, posts the invoices when asked (numbers, then one
`InvoicePosted` each in the outbox), and counts its progress on the run row. A period is never
billed twice: row locks keep two runs apart, and the UNIQUE constraint on
`invoice_lines.billing_period_id` stops whatever might slip past them. (Two runs at once may
each take part of one account's periods, giving it two invoices where one would do; never one
period twice.)"""

import asyncio
import uuid
from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bill_to_accounts.repository import tax_profiles
from invoice_svc.core.balances import can_post, payment_status
from invoice_svc.core.drafting import DueCharge, InvoiceDraft, TaxContext, draft_invoices
from invoice_svc.core.grouping import group_charges
from invoice_svc.core.invoice_dates import billable_now
from invoice_svc.credit_notes.issuing import create_credit_notes, run_credit_note_rows
from invoice_svc.invoices.posting import create_invoices
from invoice_svc.models import InvoiceRun
from invoice_svc.number_series import DEFAULT_SERIES_LOCK_TIMEOUT_MS, wait_for_series
from invoice_svc.runs import repository
from invoice_svc.statuses import InvoiceStatus
from invoice_svc.tax_rates.repository import tax_rate_table
from q2c_shared.db import JsonText
from q2c_shared.ids import new_ids, parse_id
from q2c_shared.money import zero


class BatchOutcome(NamedTuple):
    """What one batch made (`bill_accounts`)."""

    invoices: int
    posted: int
    credit_notes: int


async def bill_accounts(
    session: AsyncSession,
    run: InvoiceRun,
    bill_to_account_ids: list[uuid.UUID],
    *,
    series_lock_timeout_ms: int = DEFAULT_SERIES_LOCK_TIMEOUT_MS,
) -> BatchOutcome:
    """One batch: these accounts' due periods become draft (or posted) invoices. A period
    starting after the date its invoice would fall due stays pending (docs/adr/0022)."""
    locked = await repository.lock_due_periods(
        session, target_date=run.target_date, bill_to_account_ids=bill_to_account_ids
    )
    due, deferred = billable_now(locked, invoice_date=run.invoice_date)
    tax = TaxContext(
        rates=await tax_rate_table(session),
        bill_tos=await tax_profiles(session, bill_to_account_ids),
    )
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    credit_notes: list[dict[str, Any]] = []
    credit_lines: list[dict[str, Any]] = []
    for rows in _by_bill_to(due, accounts=_ACCOUNTS_PER_STEP):
        drafts = draft_invoices(group_charges(rows), invoice_date=run.invoice_date, tax=tax)
        # A bill-to whose credits (amendments removing quantity) outweigh its charges is owed
        # money: a credit note, not an invoice with a negative total.
        step_invoices, step_lines = _rows([d for d in drafts if can_post(d.total)], run.id)
        invoices += step_invoices
        lines += step_lines
        for draft in drafts:
            if not can_post(draft.total):
                note, note_lines = run_credit_note_rows(draft, run.id)
                credit_notes.append(note)
                credit_lines += note_lines
        # A few accounts at a time, letting the run's other batches go on in between: the one
        # holding the series lock (invoices.posting) would otherwise wait for all of
        # this batch's drafting before it may commit, and keep every other batch waiting too.
        await asyncio.sleep(0)
    if run.post:  # the series may be another batch's until it commits: wait for it
        await wait_for_series(session, lock_timeout_ms=series_lock_timeout_ms)
    posted = await create_invoices(session, invoices, lines, post=run.post)
    # After the invoices: every batch takes the invoice series before the credit note series
    # (a fixed order of series locks, so two batches never wait on each other in a cycle).
    await create_credit_notes(session, credit_notes, credit_lines, issue=run.post)
    await repository.count_run_progress(
        session,
        run.id,
        invoices=len(invoices),
        lines=len(lines),
        posted=posted,
        credit_notes=len(credit_notes),
        periods_deferred=deferred,
    )
    return BatchOutcome(invoices=len(invoices), posted=posted, credit_notes=len(credit_notes))


_ACCOUNTS_PER_STEP = 10


def _by_bill_to(rows: list[DueCharge], *, accounts: int) -> Iterator[list[DueCharge]]:
    """The due periods (ordered by bill-to account) a few whole accounts at a time. No invoice
    has two bill-to accounts, so grouping step by step splits them exactly as grouping all of
    them at once would."""
    step: list[DueCharge] = []
    by_account = groupby(rows, key=attrgetter("bill_to_account_id"))
    for count, (_, account_rows) in enumerate(by_account, start=1):
        step += account_rows
        if count % accounts == 0:
            yield step
            step = []
    if step:
        yield step


def _rows(
    drafts: list[InvoiceDraft], run_id: uuid.UUID
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Invoice and line rows for one bulk insert each (ids made here, so lines can point at
    their invoice without a round trip)."""
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    ids = iter(new_ids(len(drafts) + sum(len(draft.lines) for draft in drafts)))
    for draft in drafts:
        invoice_id = next(ids)
        invoices.append(
            {
                "id": invoice_id,
                "number": None,
                "status": InvoiceStatus.DRAFT,
                "account_id": parse_id(draft.key.bill_to_account_id),
                "legal_entity": draft.legal_entity,
                "currency": draft.key.currency,
                "payment_term": draft.key.payment_term,
                "invoice_date": draft.invoice_date,
                "due_date": draft.due_date,
                "subtotal": draft.subtotal,
                "tax_total": draft.tax_total,
                "total": draft.total,
                "credited_total": zero(draft.key.currency),
                "amount_paid": zero(draft.key.currency),
                "balance": draft.total,
                "payment_status": payment_status(draft.total, zero(draft.key.currency)),
                # Serialised here by pydantic's serialiser, several times faster than the
                # json.dumps copy_rows would call per invoice; JSONB stores the same document.
                "grouping": JsonText(to_json(draft.key.explain()).decode()),
                "invoice_run_id": run_id,
                "posted_at": None,
            }
        )
        lines += [
            {
                "id": next(ids),
                "invoice_id": invoice_id,
                "position": position,
                "billing_period_id": line.period.billing_period_id,
                "billing_schedule_id": line.period.billing_schedule_id,
                "order_id": line.period.order_id,
                "order_product_id": line.period.order_product_id,
                "product_id": line.period.product_id,
                "description": line.period.description,
                "period_start": line.period.period_start,
                "period_end": line.period.period_end,
                "quantity": line.period.quantity,
                "amount": line.period.amount,
                "tax_rate_percent": line.tax_rate_percent,
                "tax_amount": line.tax_amount,
            }
            for position, line in enumerate(draft.lines, start=1)
        ]
    return invoices, lines
