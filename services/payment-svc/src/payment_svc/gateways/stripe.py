"""Stripe: `payment_intent.succeeded` webhooks, verified with the official `stripe` library.

`stripe.Webhook.construct_event` checks the `Stripe-Signature` header (an HMAC-SHA256 of
`<timestamp>.<body>` with the endpoint's signing secret, compared in constant time) and that
its timestamp is at most `tolerance` seconds old, so a captured delivery cannot be replayed
later. Only then is the body read.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe

from payment_svc.gateways.base import (
    EARLIEST_CREATED,
    EVENT_TYPE_MAX_LENGTH,
    GATEWAY_ID_MAX_LENGTH,
    LATEST_CREATED,
    METADATA_MAX_LENGTH,
    EventUnreadable,
    GatewayPayment,
    SignatureInvalid,
    WebhookEvent,
)
from payment_svc.settings import PaymentSettings
from q2c_shared.bounds import EARLIEST_BUSINESS_DATE, LATEST_BUSINESS_DATE
from q2c_shared.money import UnknownCurrencyError, minor_units

PAYMENT_SUCCEEDED = "payment_intent.succeeded"
"""The one event type that records a payment; every other type is acknowledged and ignored."""

SIGNATURE_HEADER = "Stripe-Signature"

# Stripe states amounts in the currency's minor units as ISO 4217 counts them, except ISK: ISO
# (and q2c) give it no decimals, while Stripe's API keeps it two-decimal for compatibility, an
# amount of 100 being one króna (https://docs.stripe.com/currencies#special-cases).
_STRIPE_DECIMALS = {"ISK": 2}


def amount_from_minor_units(amount: int, currency: str) -> Decimal:
    """Stripe's integer amount in major units with q2c's decimals for the currency: 1234 USD is
    12.34, 5000 JPY is 5000, 1250 KWD is 1.250, 50000 ISK is 500.

    Raises `EventUnreadable` for a currency q2c does not know, or an amount finer than q2c keeps
    the currency (fractional ISK from before 2023): money is never rounded on the way in. The
    result is exact however large the amount (built from its digits, no arithmetic context
    that could round it): whether it is in range is the caller's question.
    """
    try:
        decimals = minor_units(currency)
    except UnknownCurrencyError as error:
        raise EventUnreadable(f"The payment's currency cannot be recorded: {error}.") from None
    finer = _STRIPE_DECIMALS.get(currency, decimals) - decimals
    if amount % 10**finer:
        raise EventUnreadable(
            f"The amount {amount} of {currency} has more decimals than {currency} has."
        )
    sign, digits, _ = Decimal(amount // 10**finer).as_tuple()
    return Decimal((sign, digits, -decimals))


class StripeGateway:
    name = "stripe"

    def __init__(self, webhook_secret: str, *, tolerance_seconds: int = 300) -> None:
        self._webhook_secret = webhook_secret
        self._tolerance_seconds = tolerance_seconds

    @classmethod
    def from_settings(cls, settings: PaymentSettings) -> "StripeGateway | None":
        """The gateway, or None while `STRIPE_WEBHOOK_SECRET` is unset (or blank)."""
        secret = settings.stripe_webhook_secret
        if secret is None or not secret.get_secret_value().strip():
            return None
        return cls(
            secret.get_secret_value(), tolerance_seconds=settings.stripe_webhook_tolerance_seconds
        )

    def parse(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        signature = _header(headers, SIGNATURE_HEADER)
        try:
            # Stripe signs the text of the body; bytes that are not UTF-8 are not from Stripe
            # (the library would decode them before it checked anything).
            body = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureInvalid(
                "The body is not UTF-8 text, so Stripe did not sign it."
            ) from None
        try:
            event = stripe.Webhook.construct_event(
                body, signature, self._webhook_secret, tolerance=self._tolerance_seconds
            )
        except stripe.SignatureVerificationError as error:
            raise SignatureInvalid(
                f"The {SIGNATURE_HEADER} header does not verify this body: {error}"
            ) from None
        except (ValueError, TypeError, AttributeError) as error:
            # Signed, but not a JSON object, or a thin (v2) event notification.
            raise EventUnreadable(f"The body is not a Stripe event: {error}") from None
        return _read_event(event.to_dict())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, in any case (Starlette's headers are case-blind; a dict is not)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _read_event(event: dict[str, Any]) -> WebhookEvent:
    event_id, event_type = event.get("id"), event.get("type")
    if not _is_gateway_id(event_id) or not _is_gateway_id(event_type, EVENT_TYPE_MAX_LENGTH):
        raise EventUnreadable(
            f"The Stripe event has no `id` (a string of at most {GATEWAY_ID_MAX_LENGTH} "
            f"characters, without NUL) or no `type` (at most {EVENT_TYPE_MAX_LENGTH})."
        )
    if event_type != PAYMENT_SUCCEEDED:
        return WebhookEvent(event_id=event_id, event_type=event_type, payment=None)
    intent = (event.get("data") or {}).get("object")
    created = event.get("created")
    if not isinstance(intent, dict) or not _is_int(created):
        raise EventUnreadable(f"Event {event_id} has no `created` or no `data.object`.")
    intent_id, currency = intent.get("id"), intent.get("currency")
    # `amount_received` is what was captured; `amount` what was asked for. They differ only
    # for an intent captured in part, and then the money received is what counts.
    amount = intent.get("amount_received", intent.get("amount"))
    if not _is_gateway_id(intent_id) or not isinstance(currency, str):
        raise EventUnreadable(f"The payment intent of event {event_id} has no `id` or currency.")
    if not _is_int(amount):
        raise EventUnreadable(f"Payment intent {intent_id} has no integer `amount_received`.")
    if not EARLIEST_CREATED <= created <= LATEST_CREATED:
        raise EventUnreadable(
            f"Event {event_id} was created at {created}, not a time between "
            f"{EARLIEST_BUSINESS_DATE} and {LATEST_BUSINESS_DATE}."
        )
    metadata = intent.get("metadata") or {}
    currency = currency.upper()
    return WebhookEvent(
        event_id=event_id,
        event_type=event_type,
        payment=GatewayPayment(
            gateway_reference=intent_id,
            amount=amount_from_minor_units(amount, currency),
            stated_amount=_stated(amount),
            currency=currency,
            invoice_id=_metadata_value(metadata, "invoice_id"),
            account_id=_metadata_value(metadata, "account_id"),
            received_on=datetime.fromtimestamp(created, UTC).date(),
        ),
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_gateway_id(value: Any, max_length: int = GATEWAY_ID_MAX_LENGTH) -> bool:
    """A Stripe id or type: a non-empty string, short, without NUL (PostgreSQL cannot store
    one, and Stripe never sends one)."""
    return isinstance(value, str) and 0 < len(value) <= max_length and "\x00" not in value


def _stated(amount: int) -> str:
    """The integer as Stripe sent it, shortened past 40 digits (it is out of range anyway)."""
    digits = str(amount)
    return digits if len(digits) <= 40 else f"{digits[:20]}...({len(digits)} digits)"


def _metadata_value(metadata: Any, key: str) -> str | None:
    """A metadata value as the payer's integration set it, for matching and review: stripped,
    NUL characters shown as U+FFFD, at most `METADATA_MAX_LENGTH` characters."""
    value = metadata.get(key) if isinstance(metadata, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().replace("\x00", "\ufffd")[:METADATA_MAX_LENGTH]
