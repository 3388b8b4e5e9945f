"""Writing and issuing credit notes: the one path, for an invoice run's credit notes and for
one credit note of an invoice (a batch of one). Numbers from the legal entity's gapless `CN-`
series, one `CreditNoteIssued` each through the outbox."""

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc import events, number_series
from invoice_svc.core.crediting import CreditLine, CreditTotals, credit_totals, run_credits
from invoice_svc.core.drafting import InvoiceDraft
from invoice_svc.core.numbering import DocumentKind, series_key
from invoice_svc.credit_notes import repository
from invoice_svc.statuses import CreditNoteStatus
from q2c_shared.events import contracts
from q2c_shared.ids import new_id
from q2c_shared.outbox import enqueue_many


async def create_credit_notes(
    session: AsyncSession,
    notes: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    *,
    issue: bool,
    invoice_numbers: Mapping[uuid.UUID, str | None] | None = None,
    invoice_balances: Mapping[uuid.UUID, Decimal] | None = None,
) -> None:
    """Write draft credit notes (rows as `credit_note_rows` makes them: an invoice run's, or
    one credit note of an invoice), marking the periods a run's credit; with `issue`, number
    and issue them as well (`issue_credit_notes`, given the credited invoices' numbers and
    balances after them)."""
    await repository.insert_credit_notes(session, notes, lines)
    if not issue or not notes:
        return
    lines_of: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        lines_of[line["credit_note_id"]].append(line)
    await issue_credit_notes(
        session,
        notes,
        lines_of,
        invoice_numbers=invoice_numbers or {},
        invoice_balances=invoice_balances or {},
    )


async def issue_credit_notes(
    session: AsyncSession,
    notes: Sequence[Mapping[str, Any]],
    lines_of: Mapping[uuid.UUID, Sequence[Mapping[str, Any]]],
    *,
    invoice_numbers: Mapping[uuid.UUID, str | None],
    invoice_balances: Mapping[uuid.UUID, Decimal],
) -> int:
    """Number the draft credit notes `notes` (rows as written) from their legal entity's
    gapless `CN-` series, in the order given, mark them issued and put one `CreditNoteIssued`
    each in the outbox, built from the rows (nothing read back). Returns how many."""
    by_series: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for note in notes:
        by_series[series_key(note["legal_entity"])].append(note)
    issuings: list[dict[str, Any]] = []
    issued_events: list[tuple[contracts.EventData, str, str | None]] = []
    for series in sorted(by_series):  # a fixed order of series locks: no deadlocks
        in_series = by_series[series]
        numbers = await number_series.take_numbers(
            session,
            legal_entity=in_series[0]["legal_entity"],
            kind=DocumentKind.CREDIT_NOTE,
            count=len(in_series),
        )
        for note, number in zip(in_series, numbers, strict=True):
            issuings.append({"credit_note_id": note["id"], "number": number})
            invoice_id = note["invoice_id"]
            issued_events.append(
                events.credit_note_issued(
                    note,
                    lines_of[note["id"]],
                    number=number,
                    invoice_number=invoice_numbers.get(invoice_id) if invoice_id else None,
                    invoice_balance=invoice_balances.get(invoice_id) if invoice_id else None,
                )
            )
    await repository.mark_credit_notes_issued(session, issuings)
    await enqueue_many(session, issued_events)
    return len(issuings)


def credit_note_rows(
    credits: Sequence[CreditLine],
    totals: CreditTotals,
    *,
    account_id: uuid.UUID,
    legal_entity: str | None,
    currency: str,
    invoice_id: uuid.UUID | None,
    invoice_run_id: uuid.UUID | None,
    reason: str,
    issue_date: date,
    grouping: dict[str, Any] | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A draft credit note's row and its lines' rows, for `repository.insert_credit_notes`."""
    note_id = new_id()
    note = {
        "id": note_id,
        "number": None,
        "status": CreditNoteStatus.DRAFT,
        "account_id": account_id,
        "legal_entity": legal_entity,
        "currency": currency,
        "invoice_id": invoice_id,
        "invoice_run_id": invoice_run_id,
        "reason": reason,
        "issue_date": issue_date,
        "subtotal": totals.subtotal,
        "tax_total": totals.tax_total,
        "total": totals.total,
        "grouping": grouping,
        "issued_at": None,
    }
    lines = [
        {
            "id": new_id(),
            "credit_note_id": note_id,
            "position": position,
            "invoice_line_id": credit.invoice_line_id,
            "billing_period_id": credit.billing_period_id,
            "order_id": credit.order_id,
            "order_product_id": credit.order_product_id,
            "product_id": credit.product_id,
            "description": credit.description,
            "period_start": credit.period_start,
            "period_end": credit.period_end,
            "quantity": credit.quantity,
            "amount": credit.amount,
            "tax_rate_percent": credit.tax_rate_percent,
            "tax_amount": credit.tax_amount,
        }
        for position, credit in enumerate(credits, start=1)
    ]
    return note, lines


RUN_CREDIT_REASON = "Credits for changes to your subscriptions (removed quantities)"


def run_credit_note_rows(
    draft: InvoiceDraft, run_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An invoice run's draft that came out below zero, as a credit note for its bill-to."""
    credits = run_credits(draft)
    return credit_note_rows(
        credits,
        credit_totals(credits, draft.key.currency),
        account_id=uuid.UUID(draft.key.bill_to_account_id),
        legal_entity=draft.legal_entity,
        currency=draft.key.currency,
        invoice_id=None,
        invoice_run_id=run_id,
        reason=RUN_CREDIT_REASON,
        issue_date=draft.invoice_date,
        grouping=draft.key.explain(),
    )
