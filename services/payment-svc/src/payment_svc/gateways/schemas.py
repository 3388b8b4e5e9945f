"""The gateway webhooks' API shapes: what a delivery did, and Stripe's event as documented."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from payment_svc.gateways.base import (
    EARLIEST_CREATED,
    EVENT_TYPE_MAX_LENGTH,
    GATEWAY_ID_MAX_LENGTH,
    LATEST_CREATED,
)
from payment_svc.payments.schemas import _ACCOUNT_ID, _CREATED_AT, _JANUARY_INVOICE_ID
from payment_svc.statuses import UnmatchedReason, WebhookStatus
from q2c_shared.bounds import Text
from q2c_shared.money import Amount


class WebhookReceipt(BaseModel):
    status: WebhookStatus = Field(
        description="`recorded`: a payment was recorded from it (`payment_id`). `duplicate`: "
        "the event, or another event of the same payment, arrived before; nothing more was "
        "recorded (`payment_id`: the payment, if that delivery recorded one). `ignored`: an "
        "event type that records nothing. `unmatched`: a succeeded payment whose metadata names "
        "no invoice or account q2c knows, an invoice in another currency, or an amount of "
        "nothing or out of range: no payment recorded, kept for finance to review "
        "(`GET /v1/unmatched-payments`).",
        examples=["recorded"],
    )
    payment_id: uuid.UUID | None = Field(
        None, description="The payment recorded from the event (`GET /v1/payments/{id}`)."
    )


class StripeWebhookEvent(BaseModel):
    """A Stripe event as Stripe sends it (the fields payment-svc reads). The route reads the raw
    body itself: the signature covers its exact bytes."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "id": "evt_3Q2c0042aBcDeFgH",
                    "object": "event",
                    "type": "payment_intent.succeeded",
                    "created": 1770715800,
                    "data": {
                        "object": {
                            "id": "pi_3Q2c0042aBcDeFgH",
                            "object": "payment_intent",
                            "amount": 110250,
                            "amount_received": 110250,
                            "currency": "usd",
                            "metadata": {
                                "invoice_id": _JANUARY_INVOICE_ID,
                                "account_id": _ACCOUNT_ID,
                            },
                        }
                    },
                }
            ]
        },
    )

    id: Text = Field(
        max_length=GATEWAY_ID_MAX_LENGTH,
        description="The event's id (`evt_...`), the same on every delivery of it.",
    )
    object: Literal["event"] = Field(description="Always `event`.")
    type: Text = Field(
        max_length=EVENT_TYPE_MAX_LENGTH,
        description="`payment_intent.succeeded` records a payment; any other type is "
        "acknowledged (`ignored`) and recorded nothing.",
    )
    created: int = Field(
        ge=EARLIEST_CREATED,
        le=LATEST_CREATED,
        description="When Stripe created the event, in Unix seconds; its UTC day is the "
        "payment's `received_on` (1900-01-01 to 2199-12-31).",
    )
    data: dict[str, Any] = Field(
        description="`object`: the payment intent. Its `id` (`pi_...`) is the payment's "
        "reference; `amount_received` is in the currency's minor units as Stripe counts them "
        "(cents; yen for JPY); `currency` is lower case; `metadata.invoice_id` names the q2c "
        "invoice paid and `metadata.account_id`, optionally, the paying account."
    )


class UnmatchedPaymentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The unmatched payment's id.")
    gateway: str = Field(description="The gateway that reported it (`stripe`).")
    event_id: str = Field(description="The gateway's event (`evt_...`).")
    gateway_reference: str = Field(
        description="The gateway's id of the payment (a Stripe payment intent, `pi_...`)."
    )
    currency: str = Field(description="ISO 4217 code of `amount`.")
    amount: Amount | None = Field(
        description="The money received, in major units; null when it is out of range (see "
        "`stated_amount`)."
    )
    stated_amount: str = Field(
        description="The amount as the gateway stated it (Stripe: an integer of minor units), "
        "shortened when it is longer than 40 digits."
    )
    invoice_reference: str | None = Field(
        description="The invoice the gateway's metadata named, as it named it (at most 200 "
        "characters); null when it named none."
    )
    account_reference: str | None = Field(
        description="The account the gateway's metadata named, as it named it; null when none."
    )
    received_on: date = Field(description="The day (UTC) the gateway reported the payment.")
    reason: UnmatchedReason = Field(
        description="Why it was not credited: `unknown_invoice` (no known invoice, no account "
        "named), `unknown_account` (no known invoice, an account payment-svc does not know), "
        "`currency_mismatch` (the invoice is in another currency), `amount_out_of_range` (more "
        "than 18 digits before the point), `nothing_received` (zero or less)."
    )
    detail: str = Field(description="The same, in words.")
    created_at: datetime = Field(description=_CREATED_AT)
