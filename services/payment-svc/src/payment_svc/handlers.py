"""payment-svc event handlers: what other services' events mean for receivables."""

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc import service
from q2c_shared.events import contracts, topics
from q2c_shared.events.envelope import CloudEvent


async def on_invoice_posted(session: AsyncSession, event: CloudEvent) -> None:
    """A posted invoice becomes a receivable, paid at once from any credit of the account.

    Applying the same invoice twice changes nothing: the inbox skips a redelivered event id, and
    one receivable per invoice id is a unique constraint. The posting time is the date a credit
    pays the invoice on, so a redelivery could never record another date.
    """
    await service.receivable_from_invoice(
        session, contracts.InvoicePosted.model_validate(event.data), posted_on=event.time.date()
    )


HANDLERS = {contracts.InvoicePosted.event_type: on_invoice_posted}
CONSUMED_TOPICS = [topics.INVOICES]
