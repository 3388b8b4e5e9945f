"""The gateway webhooks' API shapes: what a delivery did, and Stripe's event as documented."""

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from payment_svc.payments.schemas import _ACCOUNT_ID, _JANUARY_INVOICE_ID
from payment_svc.statuses import WebhookStatus


class WebhookReceipt(BaseModel):
    status: WebhookStatus = Field(
        description="`recorded`: a payment was recorded from it (`payment_id`). `duplicate`: "
        "the event, or another event of the same payment, arrived before; nothing more was "
        "recorded (`payment_id`: the payment, if that delivery recorded one). `ignored`: an "
        "event type that records nothing. `unmatched`: a succeeded payment whose metadata names "
        "no invoice or account q2c knows, or an invoice in another currency: kept for finance "
        "to look at, no payment recorded.",
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

    id: str = Field(description="The event's id (`evt_...`), the same on every delivery of it.")
    object: Literal["event"] = Field(description="Always `event`.")
    type: str = Field(
        description="`payment_intent.succeeded` records a payment; any other type is "
        "acknowledged (`ignored`) and recorded nothing."
    )
    created: int = Field(
        description="When Stripe created the event, in Unix seconds; its UTC day is the "
        "payment's `received_on`."
    )
    data: dict[str, Any] = Field(
        description="`object`: the payment intent. Its `id` (`pi_...`) is the payment's "
        "reference; `amount_received` is in the currency's minor units as Stripe counts them "
        "(cents; yen for JPY); `currency` is lower case; `metadata.invoice_id` names the q2c "
        "invoice paid and `metadata.account_id`, optionally, the paying account."
    )
