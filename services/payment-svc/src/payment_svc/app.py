"""payment-svc: receivables, payments, their allocation to invoices, refunds and balances."""

from fastapi import FastAPI

from payment_svc.endpoints import public_routers, routers
from payment_svc.handlers import CONSUMED_TOPICS, HANDLERS
from payment_svc.settings import PaymentSettings
from q2c_shared.app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="payment-svc",
    title="q2c payment-svc",
    description="Receivables (one per invoice posted on `q2c.invoices`, lowered by its credit "
    "notes), payments and their "
    "allocation to invoices (oldest due date first unless told otherwise), refunds and account "
    "balances, with each account's name and e-mail as `q2c.accounts` last told them. Emits "
    "`PaymentReceived`, `PaymentAllocated`, `PaymentUnapplied` and `InvoicePaid` on "
    "`q2c.payments`.",
    routers=routers,
    public_routers=public_routers,
    handlers=HANDLERS,
    consumed_topics=CONSUMED_TOPICS,
    openapi_tags=[
        {"name": "receivables", "description": "What accounts owe, invoice by invoice."},
        {"name": "payments", "description": "Money received, its allocations and refunds."},
        {"name": "balances", "description": "What an account owes and its credit."},
        {
            "name": "credit notes",
            "description": "invoice-svc's credit notes as applied to receivables and credit.",
        },
        {
            "name": "webhooks",
            "description": "Payment gateways' notifications, authenticated by their signatures.",
        },
    ],
)


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or PaymentSettings())
