"""payment-svc: receivables, payments, their allocation to invoices, refunds and balances."""

from fastapi import FastAPI

from payment_svc.endpoints import routers
from payment_svc.handlers import CONSUMED_TOPICS, HANDLERS
from payment_svc.settings import PaymentSettings
from q2c_shared.app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="payment-svc",
    title="q2c payment-svc",
    description="Receivables (one per invoice posted on `q2c.invoices`), payments and their "
    "allocation to invoices (oldest due date first unless told otherwise), refunds and account "
    "balances, with each account's name and e-mail as `q2c.accounts` last told them. Emits "
    "`PaymentReceived`, `PaymentAllocated` and `InvoicePaid` on `q2c.payments`.",
    routers=routers,
    handlers=HANDLERS,
    consumed_topics=CONSUMED_TOPICS,
    openapi_tags=[
        {"name": "receivables", "description": "What accounts owe, invoice by invoice."},
        {"name": "payments", "description": "Money received, its allocations and refunds."},
        {"name": "balances", "description": "What an account owes and its credit."},
    ],
)


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or PaymentSettings())
