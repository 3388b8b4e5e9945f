"""invoice-svc: billing schedules, invoice runs and invoices (the billing middle of q2c)."""

from fastapi import FastAPI

from invoice_svc.credit_notes import endpoints as credit_notes
from invoice_svc.handlers import CONSUMED_TOPICS, HANDLERS
from invoice_svc.invoices import endpoints as invoices
from invoice_svc.runs import endpoints as invoice_runs
from invoice_svc.runs.worker import invoice_run_worker
from invoice_svc.schedules import endpoints as billing_schedules
from invoice_svc.settings import InvoiceSettings
from invoice_svc.tax_rates import endpoints as tax_rates
from q2c_shared.app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="invoice-svc",
    title="q2c invoice-svc",
    description="Billing schedules (from `OrderActivated`), invoice runs that turn due periods "
    "into invoices split by bill-to, currency, payment term and invoice grouping, and posting "
    "with gapless numbers per legal entity, which emits `InvoicePosted` on `q2c.invoices`. "
    "`PaymentAllocated` from payment-svc lowers invoice balances; `AccountCreated` and "
    "`AccountUpdated` keep the bill-to accounts (name, address, tax exemption) invoices show.",
    routers=[
        billing_schedules.router,
        invoice_runs.router,
        invoices.router,
        credit_notes.invoice_credit_notes,
        credit_notes.router,
        tax_rates.router,
    ],
    handlers=HANDLERS,
    consumed_topics=CONSUMED_TOPICS,
    workers=[invoice_run_worker],
    openapi_tags=[
        {"name": "billing schedules", "description": "What each order product bills, when."},
        {"name": "invoice runs", "description": "Background jobs that bill due periods."},
        {"name": "invoices", "description": "Invoices from draft to posted, and their payment."},
    ],
)


def create_app(settings: InvoiceSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or InvoiceSettings())
