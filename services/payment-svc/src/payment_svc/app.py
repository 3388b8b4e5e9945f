"""payment-svc: receivables, payments, their allocation to invoices, refunds and balances."""

from fastapi import FastAPI

from payment_svc.credit_notes.endpoints import received_credit_notes
from payment_svc.customer_accounts.endpoints import account_balances
from payment_svc.dunning.endpoints import dunning, dunning_notices
from payment_svc.gateways.endpoints import gateway_webhooks, unmatched_payments
from payment_svc.handlers import CONSUMED_TOPICS, HANDLERS
from payment_svc.payments.endpoints import payment_batches, payments
from payment_svc.receivables.endpoints import receivables
from payment_svc.reports.endpoints import journal_entries, reports, statements
from payment_svc.settings import PaymentSettings
from q2c_shared.app import ServiceSpec, create_service_app

routers = [
    receivables,
    payments,
    account_balances,
    payment_batches,
    received_credit_notes,
    reports,
    statements,
    journal_entries,
    dunning,
    dunning_notices,
    unmatched_payments,
]
public_routers = [gateway_webhooks]
"""Under /v1 without the bearer key: each route checks its caller's signature itself."""

SPEC = ServiceSpec(
    name="payment-svc",
    title="q2c payment-svc",
    description="Receivables (one per invoice posted on `q2c.invoices`, lowered by its credit "
    "notes), payments and their "
    "allocation to invoices (oldest due date first unless told otherwise), refunds and account "
    "balances, with each account's name and e-mail as `q2c.accounts` last told them. Emits "
    "`PaymentReceived`, `PaymentAllocated`, `PaymentUnapplied` and `InvoicePaid` on "
    "`q2c.payments`. Reports: AR aging, cash receipts, customer statements and the journal "
    "export for the general ledger. Dunning: payment reminders e-mailed over SMTP.",
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
        {
            "name": "reports",
            "description": "AR aging, cash receipts, customer statements (JSON or PDF) and the "
            "double-entry journal export (JSON or CSV).",
        },
        {
            "name": "dunning",
            "description": "Payment reminders e-mailed for overdue invoices at 1, 7, 14 and 30 "
            "days past due.",
        },
    ],
)


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or PaymentSettings())
