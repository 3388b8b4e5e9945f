"""order-svc event handlers: what other services' events mean for orders."""

from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.orders import service
from order_svc.orders.schemas import AcceptedQuote
from q2c_shared.events import contracts, topics
from q2c_shared.events.envelope import CloudEvent


async def on_quote_accepted(session: AsyncSession, event: CloudEvent) -> None:
    """An accepted quote becomes a draft order carrying every billing field.

    Read with this service's bounds (`AcceptedQuote`): an event beyond them (1,001 lines, a
    date past 2199, a NUL in a string) fails validation before anything is written, and the
    consumer dead-letters it."""
    await service.order_from_quote(session, AcceptedQuote.model_validate(event.data))


HANDLERS = {contracts.QuoteAccepted.event_type: on_quote_accepted}
CONSUMED_TOPICS = [topics.QUOTES]
