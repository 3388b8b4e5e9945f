"""payment-svc settings: the shared environment with payment-svc's defaults."""

from typing import Literal

from pydantic import Field, SecretStr

from payment_svc.reports.documents.brand import StatementBrand
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

    # Dunning e-mail (dunning/service.py, dunning/mailer.py).
    smtp_host: str = Field("127.0.0.1", description="The SMTP server dunning reminders go to.")
    smtp_port: int = Field(1025, ge=1, le=65535, description="Its port (587 with STARTTLS).")
    smtp_from: str = Field(
        "q2c Accounts Receivable <ar@q2c.example>",
        description="The reminders' `From` address (a bare address or `Name <address>`).",
    )
    smtp_username: str | None = Field(None, description="SMTP AUTH user; unset: no login.")
    smtp_password: SecretStr | None = Field(None, description="SMTP AUTH password.")
    smtp_starttls: bool = Field(
        False, description="Upgrade the connection with STARTTLS before logging in and sending."
    )
    smtp_timeout_seconds: float = Field(
        10, gt=0, description="How long to wait for the SMTP server, per connection and command."
    )
    dunning_payment_instructions: str | None = Field(
        None,
        description="How to pay, as the reminders print it (bank, IBAN, the reference to "
        "quote; newlines kept). Unset: `STATEMENT_BRAND`'s `payment_instructions` lines.",
    )
    dunning_max_attempts: int = Field(
        5,
        ge=1,
        description="Failed sends of a reminder after which runs stop retrying it (it stays "
        "`failed`).",
    )
