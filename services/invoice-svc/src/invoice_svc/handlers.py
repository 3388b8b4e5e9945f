"""invoice-svc event handlers: what other services' events mean for billing.

Each runs inside the consumer's transaction, after the inbox recorded the event id, so a
redelivered event changes nothing.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bill_to_accounts.service import record_account
from invoice_svc.invoices.payments import apply_payment, unapply_payment
from invoice_svc.schedules.service import create_billing_schedules
from q2c_shared.events import contracts, topics
from q2c_shared.events.envelope import CloudEvent


async def on_order_activated(session: AsyncSession, event: CloudEvent) -> None:
    """An activated order gets one billing schedule per order product, periods included."""
    await create_billing_schedules(session, contracts.OrderActivated.model_validate(event.data))


async def on_payment_allocated(session: AsyncSession, event: CloudEvent) -> None:
    """A payment applied to an invoice lowers its balance."""
    await apply_payment(session, contracts.PaymentAllocated.model_validate(event.data))


async def on_payment_unapplied(session: AsyncSession, event: CloudEvent) -> None:
    """An allocation taken back raises the invoice's balance again."""
    await unapply_payment(session, contracts.PaymentUnapplied.model_validate(event.data))


async def on_account_created(session: AsyncSession, event: CloudEvent) -> None:
    """A new quote-svc account: what invoices need of their bill-to (name, address, tax)."""
    created = contracts.AccountCreated.model_validate(event.data)
    await record_account(session, created.account, event_time=event.time)


async def on_account_updated(session: AsyncSession, event: CloudEvent) -> None:
    """A changed account (the whole account again). One account's events arrive in order (the
    Kafka key is its id), but a redelivery or a replay can bring an older one back after a
    newer one: the event's `time` decides which version stays."""
    updated = contracts.AccountUpdated.model_validate(event.data)
    await record_account(session, updated.account, event_time=event.time)


HANDLERS = {
    contracts.OrderActivated.event_type: on_order_activated,
    contracts.PaymentAllocated.event_type: on_payment_allocated,
    contracts.PaymentUnapplied.event_type: on_payment_unapplied,
    contracts.AccountCreated.event_type: on_account_created,
    contracts.AccountUpdated.event_type: on_account_updated,
}
CONSUMED_TOPICS = [topics.ORDERS, topics.PAYMENTS, topics.ACCOUNTS]
