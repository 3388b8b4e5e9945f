"""Credit notes invoice-svc issued (`CreditNoteIssued`), applied to receivables and credit.

Functions flush, never commit: the consumed message's or the request's unit of work commits.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.credit_notes import repository
from payment_svc.credit_notes.schemas import ReceivedCreditNotePublic
from payment_svc.locks import lock_accounts
from payment_svc.models import ReceivedCreditNote
from payment_svc.payments.recording import NewPayment, apply_payments
from payment_svc.receivables import repository as receivables_repository
from payment_svc.statuses import PaymentMethod, ReceivableStatus
from q2c_shared.events import contracts
from q2c_shared.money import round_money, zero
from q2c_shared.pagination import PageRequest, fetch_page


class ReceivableNotYetKnown(LookupError):
    """A credit note of an invoice whose `InvoicePosted` has not been applied yet."""


async def apply_credit_note(
    session: AsyncSession, issued: contracts.CreditNoteIssued
) -> ReceivedCreditNote | None:
    """Apply an issued credit note to the account's money; None when it was received before.

    Under the account's lock the credit note is recorded once (UNIQUE `credit_note_id`: a
    redelivery, even under a new event id, changes nothing). It takes `min(total, balance)` off
    its invoice's receivable (`credited`; the receivable is `paid`, on the issue date, when that
    brings the balance to zero). No event says so: invoice-svc issued the credit note and already
    lowered the invoice itself, and `InvoicePaid` stays the event of money paying an invoice.

    The excess (the invoice was paid already, or the credit note credits no invoice: an invoice
    run's) becomes the account's credit: a `credit_note` payment of the excess, referenced by the
    credit note's number, received on its issue date, recorded as every payment is
    (`recording.apply_payments`, a batch of one). Like a payment without allocations it pays the
    account's open invoices in its currency at once, oldest due date first, emitting
    `PaymentAllocated` / `InvoicePaid`; what is left pays the next posted invoices
    (`receivables.service.receivable_from_invoice`). No `PaymentReceived`: no money was
    received.

    The invoice's `InvoicePosted` and its `CreditNoteIssued` are both on `q2c.invoices` keyed by
    the account, so the receivable exists first; if it does not (a replay out of order, a lost
    event), `ReceivableNotYetKnown` is raised: the consumer retries, then dead-letters the event
    for a person to replay once the invoice is known, rather than guessing where the money goes.
    """
    note = issued.credit_note
    currency = note.currency
    total = round_money(note.total, currency)
    if total < 0:
        raise ValueError(f"credit note {note.number} has a negative total ({total})")
    account_id = uuid.UUID(note.account_id)
    invoice_id = uuid.UUID(note.invoice_id) if note.invoice_id else None
    await lock_accounts(session, [account_id])
    receivable = None
    if invoice_id is not None:
        receivable = await receivables_repository.lock_receivable_of_invoice(session, invoice_id)
        if receivable is None:
            raise ReceivableNotYetKnown(
                f"credit note {note.number} credits invoice {note.invoice_number} "
                f"({invoice_id}), which has no receivable yet"
            )
        if (receivable.account_id, receivable.currency) != (account_id, currency):
            raise ValueError(
                f"credit note {note.number} ({note.account_id}, {currency}) does not match "
                f"invoice {receivable.invoice_number} ({receivable.account_id}, "
                f"{receivable.currency})"
            )
    applied = min(total, receivable.balance) if receivable is not None else zero(currency)
    excess = total - applied
    received = await repository.insert_credit_note(
        session,
        {
            "credit_note_id": uuid.UUID(note.id),
            "number": note.number,
            "account_id": account_id,
            "invoice_id": invoice_id,
            "receivable_id": receivable.id if receivable is not None else None,
            "currency": currency,
            "issue_date": note.issue_date,
            "reason": note.reason,
            "subtotal": round_money(note.subtotal, currency),
            "tax_total": round_money(note.tax_total, currency),
            "total": total,
            "applied": applied,
            "excess": excess,
        },
    )
    if received is None:
        return None
    if receivable is not None and applied > 0:
        receivable.credited += applied
        receivable.balance -= applied
        if receivable.balance == 0:
            receivable.status = ReceivableStatus.PAID
            receivable.paid_on = note.issue_date
        await session.flush()
    if excess > 0:
        await apply_payments(
            session,
            [
                NewPayment(
                    account_id=account_id,
                    currency=currency,
                    amount=excess,
                    method=PaymentMethod.CREDIT_NOTE,
                    reference=note.number,
                    received_on=note.issue_date,
                    source_credit_note_id=uuid.UUID(note.id),
                )
            ],
        )
    return received


async def list_received_credit_notes(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
) -> tuple[list[ReceivedCreditNotePublic], str | None]:
    statement = select(ReceivedCreditNote)
    if account_id is not None:
        statement = statement.where(ReceivedCreditNote.account_id == account_id)
    if invoice_id is not None:
        statement = statement.where(ReceivedCreditNote.invoice_id == invoice_id)
    rows, next_cursor = await fetch_page(session, statement, ReceivedCreditNote.id, page)
    payments = await repository.credit_payment_ids(session, [row.credit_note_id for row in rows])
    return [
        ReceivedCreditNotePublic.model_validate(
            {**row.model_dump(), "credit_payment_id": payments.get(row.credit_note_id)}
        )
        for row in rows
    ], next_cursor
