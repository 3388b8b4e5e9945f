"""What payment-svc needs from a payment gateway's webhook, whichever gateway sent it.

A gateway turns the raw body and headers of one webhook delivery into a `WebhookEvent`, after
checking that the gateway sent it (the signature is the request's only authentication). It does
no I/O and touches no session: recording the payment is `payment_svc.webhooks`' job, the same
for every gateway. A new provider is a module with a class that satisfies `PaymentGateway`, and
an entry in `payment_svc.gateways.GATEWAYS`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Protocol

from q2c_shared.bounds import EARLIEST_BUSINESS_DATE, LATEST_BUSINESS_DATE
from q2c_shared.problems import Problem, ServiceUnavailable

GATEWAY_ID_MAX_LENGTH = 200
"""Longest event or payment id a gateway may send (Stripe's are about 30 characters): longer,
or holding a NUL, and it is not the gateway's (`EventUnreadable`)."""
EVENT_TYPE_MAX_LENGTH = 100
"""Longest event type kept (`gateway_events.event_type`); Stripe's are under 50 characters."""
METADATA_MAX_LENGTH = 200
"""Metadata values are kept for review up to this length."""
EARLIEST_CREATED = int(datetime.combine(EARLIEST_BUSINESS_DATE, time.min, UTC).timestamp())
LATEST_CREATED = int(datetime.combine(LATEST_BUSINESS_DATE, time.max, UTC).timestamp())
"""An event's creation time (Unix seconds) within the business dates: its day is the payment's
`received_on`; outside them it is no gateway's event (`EventUnreadable`)."""


@dataclass(frozen=True)
class GatewayPayment:
    """Money a gateway says it received, in q2c's terms."""

    gateway_reference: str
    """The gateway's id of the payment (a Stripe payment intent id): one q2c payment each."""
    amount: Decimal
    """In major units, with the currency's decimals (`12.34` USD, `5000` JPY, `1.250` KWD).
    Exactly as stated, not yet checked against q2c's bounds (an absurd amount is kept
    unmatched by the webhook, not recorded)."""
    stated_amount: str
    """The amount as the gateway stated it (Stripe: an integer of minor units), for review."""
    currency: str
    """ISO 4217, upper case."""
    invoice_id: str | None
    """The invoice the payer paid, as the gateway's metadata names it (not checked here; at
    most `METADATA_MAX_LENGTH` characters, without NUL)."""
    account_id: str | None
    """The paying account, when the metadata names one (not checked here; bounded as
    `invoice_id`)."""
    received_on: date
    """The day (UTC) the gateway created the event: when the money arrived."""


@dataclass(frozen=True)
class WebhookEvent:
    """One webhook event, verified."""

    event_id: str
    """The gateway's id of the event: the same on every delivery of it."""
    event_type: str
    payment: GatewayPayment | None
    """The payment it reports; None for an event that records nothing (another type)."""


class SignatureInvalid(Problem):
    """The request is not from the gateway: signature missing, wrong, or too old."""

    status, code, title = 400, "invalid_signature", "Invalid webhook signature"


class EventUnreadable(Problem):
    """Signed by the gateway, but not an event payment-svc can read."""

    status, code, title = 400, "invalid_event", "Unreadable webhook event"


class GatewayNotConfigured(ServiceUnavailable):
    """The gateway's webhook secret is not set, so no delivery can be verified."""

    code, title = "gateway_not_configured", "Payment gateway not configured"


class PaymentGateway(Protocol):
    name: str
    """Stored with its payments and events (`Payment.gateway`, `GatewayEvent.gateway`)."""

    def parse(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify one delivery and read it.

        Raises `SignatureInvalid` unless the gateway signed exactly these bytes recently, and
        `EventUnreadable` for a signed body that is not an event this gateway sends.
        """
        ...
