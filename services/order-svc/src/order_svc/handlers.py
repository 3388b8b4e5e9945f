"""order-svc event handlers: what other services' events mean for orders."""

from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.orders import service
from q2c_shared.events import contracts, topics
from q2c_shared.events.envelope import CloudEvent


async def on_quote_accepted(session: AsyncSession, event: CloudEvent) -> None:
    """An accepted quote becomes a draft order carrying every billing field."""
    await service.order_from_quote(session, contracts.QuoteAccepted.model_validate(event.data))


HANDLERS = {contracts.QuoteAccepted.event_type: on_quote_accepted}
CONSUMED_TOPICS = [topics.QUOTES]
