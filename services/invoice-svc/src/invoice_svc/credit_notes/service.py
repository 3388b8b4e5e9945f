"""Credit notes of an invoice, issuing a run's draft, and credit notes as the API shows them."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bill_to_accounts.repository import bill_to_accounts
from invoice_svc.bill_to_accounts.schemas import BillToPublic
from invoice_svc.core.balances import open_balance, payment_status
from invoice_svc.core.crediting import (
    CreditableLine,
    CreditRefused,
    credit_by_line,
    credit_in_full,
    credit_totals,
)
from invoice_svc.credit_notes import repository
from invoice_svc.credit_notes.issuing import (
    create_credit_notes,
    credit_note_rows,
    issue_credit_notes,
)
from invoice_svc.credit_notes.schemas import (
    CreditNoteCreate,
    CreditNoteLinePublic,
    CreditNotePublic,
)
from invoice_svc.errors import (
    CreditNoteBeforeInvoice,
    CreditNoteNotDraft,
    CreditNoteNotFound,
    InvoiceNotFound,
    InvoiceNotPosted,
    credit_refused,
)
from invoice_svc.invoices.repository import invoice_numbers
from invoice_svc.models import CreditNote, Invoice
from invoice_svc.number_series import DEFAULT_SERIES_LOCK_TIMEOUT_MS, wait_for_series
from invoice_svc.statuses import CreditNoteStatus, InvoiceStatus
from q2c_shared.pagination import PageRequest


async def credit_invoice(
    session: AsyncSession,
    invoice_id: uuid.UUID,
    body: CreditNoteCreate,
    *,
    today: date,
    series_lock_timeout_ms: int = DEFAULT_SERIES_LOCK_TIMEOUT_MS,
) -> CreditNote:
    """Issue a credit note for a posted invoice, in full (no `lines`) or by line: numbered from
    its legal entity's gapless `CN-` series, the invoice's credited total, balance and payment
    status lowered, `CreditNoteIssued` in the outbox. The invoice's row lock, held to commit,
    keeps two credit notes of one invoice from both taking what is left of a line."""
    invoice = await session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    if invoice.status != InvoiceStatus.POSTED:
        raise InvoiceNotPosted(
            f"Invoice {invoice.id} is a {invoice.status}; only a posted invoice can be credited "
            "(change or delete a draft instead)."
        )
    # By default today, or the invoice's date when the invoice is dated ahead of today.
    issue_date = body.issue_date or max(today, invoice.invoice_date)
    if issue_date < invoice.invoice_date:
        raise CreditNoteBeforeInvoice(
            f"A credit note of invoice {invoice.number} dated {issue_date} would precede the "
            f"invoice itself ({invoice.invoice_date}): date it on or after the invoice.",
            errors=[{"loc": ["body", "issue_date"], "msg": "before the invoice's date"}],
        )
    creditable = [
        CreditableLine(**line._mapping)
        for line in await repository.creditable_lines(session, invoice.id)
    ]
    try:
        credits = (
            credit_in_full(creditable)
            if body.lines is None
            else credit_by_line(
                creditable,
                [(line.invoice_line_id, line.amount) for line in body.lines],
                currency=invoice.currency,
            )
        )
    except CreditRefused as refused:
        raise credit_refused(refused) from None
    totals = credit_totals(credits, invoice.currency)
    note, lines = credit_note_rows(
        credits,
        totals,
        account_id=invoice.account_id,
        legal_entity=invoice.legal_entity,
        currency=invoice.currency,
        invoice_id=invoice.id,
        invoice_run_id=None,
        reason=body.reason,
        issue_date=issue_date,
        grouping=None,
    )
    invoice.credited_total += totals.total
    invoice.balance = open_balance(invoice.total, invoice.credited_total, invoice.amount_paid)
    invoice.payment_status = payment_status(
        invoice.total, invoice.credited_total + invoice.amount_paid
    )
    await session.flush()
    await wait_for_series(session, lock_timeout_ms=series_lock_timeout_ms)
    await create_credit_notes(
        session,
        [note],
        lines,
        issue=True,
        invoice_numbers={invoice.id: invoice.number},
        invoice_balances={invoice.id: invoice.balance},
    )
    credit_note = await session.get(CreditNote, note["id"])
    assert credit_note is not None  # written just now
    await session.refresh(credit_note)
    return credit_note


async def issue_credit_note(
    session: AsyncSession,
    credit_note_id: uuid.UUID,
    *,
    series_lock_timeout_ms: int = DEFAULT_SERIES_LOCK_TIMEOUT_MS,
) -> CreditNote:
    """Issue a draft credit note an invoice run left (a run that did not post). Issued
    already: 409."""
    credit_note = await session.get(CreditNote, credit_note_id, with_for_update=True)
    if credit_note is None:
        raise CreditNoteNotFound(credit_note_id)
    if credit_note.status != CreditNoteStatus.DRAFT:
        raise CreditNoteNotDraft(f"Credit note {credit_note.number} is already issued.")
    lines = await repository.credit_note_lines(session, [credit_note.id])
    await wait_for_series(session, lock_timeout_ms=series_lock_timeout_ms)
    await issue_credit_notes(
        session,
        [credit_note.model_dump()],
        {credit_note.id: [line._mapping for line in lines[credit_note.id]]},
        invoice_numbers={},
        invoice_balances={},
    )
    await session.refresh(credit_note)
    return credit_note


async def list_credit_notes(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
    status: CreditNoteStatus | None,
) -> tuple[list[CreditNotePublic], str | None]:
    notes, next_cursor = await repository.page_of_credit_notes(
        session, page, account_id=account_id, invoice_id=invoice_id, status=status
    )
    return await _credit_notes_public(session, notes), next_cursor


async def credit_note_public(session: AsyncSession, credit_note: CreditNote) -> CreditNotePublic:
    (public,) = await _credit_notes_public(session, [credit_note])
    return public


async def _credit_notes_public(
    session: AsyncSession, notes: Sequence[CreditNote]
) -> list[CreditNotePublic]:
    lines = await repository.credit_note_lines(session, [note.id for note in notes])
    numbers = await invoice_numbers(
        session, [note.invoice_id for note in notes if note.invoice_id is not None]
    )
    return [
        CreditNotePublic.model_validate(
            {
                **note.model_dump(),
                "invoice_number": numbers.get(note.invoice_id) if note.invoice_id else None,
                "lines": [CreditNoteLinePublic.model_validate(line) for line in lines[note.id]],
            }
        )
        for note in notes
    ]


async def credit_note_document(
    session: AsyncSession, credit_note: CreditNote
) -> tuple[CreditNotePublic, BillToPublic | None]:
    """What the credit note's PDF prints: the credit note and its bill-to account as the read
    model knows it (None until an account event arrived), which the credit note does not carry."""
    bill_tos = await bill_to_accounts(session, [credit_note.account_id])
    bill_to = bill_tos.get(credit_note.account_id)
    return (
        await credit_note_public(session, credit_note),
        BillToPublic.model_validate(bill_to) if bill_to is not None else None,
    )


async def get_credit_note(session: AsyncSession, credit_note_id: uuid.UUID) -> CreditNote:
    credit_note = await session.get(CreditNote, credit_note_id)
    if credit_note is None:
        raise CreditNoteNotFound(credit_note_id)
    return credit_note
