"""Payment gateways' webhook routes: verified by the gateway, then one service call."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from payment_svc import gateways
from payment_svc.gateways import service as webhooks
from payment_svc.gateways.base import WebhookEvent
from payment_svc.gateways.schemas import (
    StripeWebhookEvent,
    UnmatchedPaymentPublic,
    WebhookReceipt,
)
from q2c_shared.db import SessionDep
from q2c_shared.pagination import Page, PageDep
from q2c_shared.problems import PROBLEM_CONTENT, ProblemDetails

gateway_webhooks = APIRouter(prefix="/webhooks", tags=["webhooks"])
unmatched_payments = APIRouter(prefix="/unmatched-payments", tags=["webhooks"])


def _verified_event(gateway_name: str) -> Callable[[Request], Awaitable[WebhookEvent]]:
    """A dependency: the delivery's event, verified by the gateway, before the request's
    transaction begins, so a request without a valid signature never touches the database."""

    async def verified_event(request: Request) -> WebhookEvent:
        gateway = gateways.configured_gateway(gateway_name, request.app.state.settings)
        return gateway.parse(await request.body(), request.headers)

    return verified_event


# The route reads the raw body (the signature covers its exact bytes), so FastAPI cannot
# describe it from a parameter: the body and the signature header are documented here.
_STRIPE_WEBHOOK_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": "Stripe-Signature",
            "in": "header",
            "required": True,
            "description": "Stripe's signature of the body, `t=<unix seconds>,v1=<signature>`: "
            "the hex HMAC-SHA256 of `<t>.<body>` with the endpoint's signing secret.",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": {
        "required": True,
        "description": "The event exactly as Stripe sent it.",
        "content": {"application/json": {"schema": StripeWebhookEvent.model_json_schema()}},
    },
}
_STRIPE_WEBHOOK_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ProblemDetails,
        "content": PROBLEM_CONTENT,
        "description": "`invalid_signature`: the signature is missing, does not match the "
        "body, or is older than `STRIPE_WEBHOOK_TOLERANCE_SECONDS`. `invalid_event`: signed, "
        "but not a Stripe event payment-svc can read (or in a currency it does not know). "
        "Nothing is recorded; Stripe retries.",
    },
    503: {
        "model": ProblemDetails,
        "content": PROBLEM_CONTENT,
        "description": "`gateway_not_configured`: `STRIPE_WEBHOOK_SECRET` is not set.",
    },
}


@gateway_webhooks.post(
    "/stripe",
    summary="Receive a Stripe webhook",
    responses=_STRIPE_WEBHOOK_PROBLEMS,
    openapi_extra=_STRIPE_WEBHOOK_OPENAPI,
)
async def receive_stripe_webhook(
    event: Annotated[WebhookEvent, Depends(_verified_event("stripe"))], session: SessionDep
) -> WebhookReceipt:
    """Stripe's webhook endpoint: register this URL in Stripe for `payment_intent.succeeded`.

    No bearer key: Stripe cannot send one. The `Stripe-Signature` header, checked with the
    official `stripe` library against `STRIPE_WEBHOOK_SECRET`, authenticates the request.

    A succeeded payment intent whose `metadata.invoice_id` names a known invoice in the same
    currency records a `card` payment of the invoice's account (reference: the intent id),
    applied to that invoice up to its balance, the rest kept as the account's credit, with the
    events `POST /v1/payments` emits: `recorded`. One naming an unknown invoice but an account
    (`metadata.account_id`) payment-svc knows becomes that account's credit, which pays the
    invoice once it is posted. Neither (or an unknown account, another currency than the
    invoice's, an amount of nothing or of more than 18 digits): `unmatched`, no payment, kept
    for review in `GET /v1/unmatched-payments`. Other event types: `ignored`. Each
    event and each payment intent is recorded once, however often Stripe delivers it:
    `duplicate`. All of these are 200, so Stripe stops delivering.
    """
    return await webhooks.receive_event(session, "stripe", event)


@unmatched_payments.get("", summary="List unmatched gateway payments")
async def list_unmatched_payments(
    session: SessionDep, page: PageDep
) -> Page[UnmatchedPaymentPublic]:
    """Money payment gateways reported that payment-svc credited to nobody, newest first: its
    metadata named no invoice or account payment-svc knows, an invoice in another currency, or
    an amount of nothing or out of range. Each was acknowledged to the gateway (it stops
    retrying) and waits here for finance: refund it at the gateway, or record it by hand
    (`POST /v1/payments`) once its account is known. A `cursor` this API did not give out: 422.
    """
    rows, next_cursor = await webhooks.list_unmatched_payments(session, page)
    return Page(
        items=[UnmatchedPaymentPublic.model_validate(row) for row in rows],
        next_cursor=next_cursor,
    )
