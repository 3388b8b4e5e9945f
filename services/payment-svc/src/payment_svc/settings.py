"""payment-svc settings: the shared environment with payment-svc's defaults."""

from typing import Literal

from pydantic import Field, SecretStr

from payment_svc.documents.brand import StatementBrand
from q2c_shared.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    service_name: str = "payment-svc"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/q2c_payment"
    port: int = 8004

    statement_brand: StatementBrand = Field(
        StatementBrand(),
        description="The sender customer statements are printed as (JSON, e.g. "
        '`{"display_name": "Acme", "email": "ar@acme.example"}`).',
    )
    statement_page_size: Literal["A4", "Letter"] = "A4"

    stripe_webhook_secret: SecretStr | None = Field(
        None,
        description="The signing secret (`whsec_...`) of the Stripe webhook endpoint; unset, "
        "`POST /v1/webhooks/stripe` answers 503 `gateway_not_configured`.",
    )
    stripe_webhook_tolerance_seconds: int = Field(
        300, ge=1, description="How old a Stripe signature's timestamp may be (replay window)."
    )
