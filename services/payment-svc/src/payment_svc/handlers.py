"""payment-svc event handlers: what other services' events mean for receivables, and the
accounts read model (name, e-mail) that quote-svc's account events keep up to date."""

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.credit_notes.service import apply_credit_note
from payment_svc.customer_accounts.service import record_account
from payment_svc.receivables.service import receivable_from_invoice
from q2c_shared.events import contracts, topics
from q2c_shared.events.envelope import CloudEvent


async def on_invoice_posted(session: AsyncSession, event: CloudEvent) -> None:
    """A posted invoice becomes a receivable, paid at once from any credit of the account.

    Applying the same invoice twice changes nothing: the inbox skips a redelivered event id, and
    one receivable per invoice id is a unique constraint. The posting time is the date a credit
    pays the invoice on, so a redelivery could never record another date.
    """
    await receivable_from_invoice(
        session, contracts.InvoicePosted.model_validate(event.data), posted_on=event.time.date()
    )


async def on_credit_note_issued(session: AsyncSession, event: CloudEvent) -> None:
    """A credit note lowers its invoice's receivable; what it credits beyond that balance (or
    without an invoice) is the account's credit, applied at once to its open invoices
    (credit_notes/service.py). Recorded once per credit note id, however often delivered.
    Arriving before its invoice's `InvoicePosted`, it raises: retried, then dead-lettered."""
    await apply_credit_note(session, contracts.CreditNoteIssued.model_validate(event.data))


async def on_account_created(session: AsyncSession, event: CloudEvent) -> None:
    """A new quote-svc account: its name and e-mail, for balances and dunning."""
    created = contracts.AccountCreated.model_validate(event.data)
    await record_account(session, created.account, event_time=event.time)


async def on_account_updated(session: AsyncSession, event: CloudEvent) -> None:
    """A changed account (the whole account again). One account's events arrive in order (the
    Kafka key is its id), but a redelivery or a replay can bring an older one back after a
    newer one: the event's `time` decides which version stays."""
    updated = contracts.AccountUpdated.model_validate(event.data)
    await record_account(session, updated.account, event_time=event.time)


HANDLERS = {
    contracts.InvoicePosted.event_type: on_invoice_posted,
    contracts.CreditNoteIssued.event_type: on_credit_note_issued,
    contracts.AccountCreated.event_type: on_account_created,
    contracts.AccountUpdated.event_type: on_account_updated,
}
CONSUMED_TOPICS = [topics.INVOICES, topics.ACCOUNTS]
