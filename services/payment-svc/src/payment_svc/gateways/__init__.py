"""Payment gateways by name: the webhook endpoints find theirs here.

Each entry builds the gateway from the service's settings, or answers None when the gateway is
not configured (its webhook then answers 503 `gateway_not_configured`).
"""

from collections.abc import Callable

from payment_svc.gateways.base import (
    EventUnreadable,
    GatewayNotConfigured,
    GatewayPayment,
    PaymentGateway,
    SignatureInvalid,
    WebhookEvent,
)
from payment_svc.gateways.stripe import StripeGateway
from payment_svc.settings import PaymentSettings

__all__ = [
    "GATEWAYS",
    "EventUnreadable",
    "GatewayNotConfigured",
    "GatewayPayment",
    "PaymentGateway",
    "SignatureInvalid",
    "WebhookEvent",
    "configured_gateway",
]

GATEWAYS: dict[str, Callable[[PaymentSettings], PaymentGateway | None]] = {
    StripeGateway.name: StripeGateway.from_settings,
}


def configured_gateway(name: str, settings: PaymentSettings) -> PaymentGateway:
    """The gateway called `name`, set up from `settings`; 503 when it is not configured."""
    gateway = GATEWAYS[name](settings)
    if gateway is None:
        raise GatewayNotConfigured(
            f"The {name} gateway is not configured: set its webhook secret "
            f"({name.upper()}_WEBHOOK_SECRET) to accept its webhooks."
        )
    return gateway
