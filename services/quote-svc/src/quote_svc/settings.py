"""quote-svc settings: the shared environment plus CPQ knobs."""

from decimal import Decimal

from pydantic import Field

from q2c_shared.settings import ServiceSettings


class QuoteSettings(ServiceSettings):
    service_name: str = "quote-svc"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/q2c_quote"
    port: int = 8001
    approval_discount_threshold_percent: Decimal = Field(
        Decimal("20"), description="A line discount above this sends the quote to review."
    )
