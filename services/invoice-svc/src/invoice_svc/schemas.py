"""invoice-svc API schemas: Create / Public shapes, apart from the tables."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, Quantity


class PeriodStatus(StrEnum):
    PENDING = "pending"
    INVOICED = "invoiced"


class InvoiceRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- billing schedules ----------------------------------------------------------------------


class BillingPeriodPublic(Public):
    id: uuid.UUID
    period_start: date
    period_end: date = Field(description="Inclusive: the period's last billed day.")
    billable_date: date = Field(description="From when an invoice run bills the period.")
    amount: Amount
    status: PeriodStatus
    invoice_id: uuid.UUID | None = Field(description="The invoice that billed it, once invoiced.")


class BillingSchedulePublic(Public):
    id: uuid.UUID
    order_id: uuid.UUID
    order_number: str | None
    order_type: str = Field(
        description="`new`, `renewal`, or `amendment`: then the schedule bills the change of "
        "quantity from the amendment's start to the contract's end, as credits (negative "
        "amounts) when the quantity went down."
    )
    order_product_id: uuid.UUID
    product_id: uuid.UUID
    subscription_id: uuid.UUID | None
    sku: str
    description: str
    account_id: uuid.UUID = Field(description="The order's account.")
    bill_to_account_id: uuid.UUID = Field(
        description="Who is invoiced: the order product's billing account, else the order's, "
        "else the order's account."
    )
    currency: str
    payment_term: PaymentTerm
    charge_type: ChargeType
    billing_type: BillingType
    billing_frequency: BillingFrequency | None
    quantity: Quantity = Field(description="Amendments: the change, negative for fewer.")
    monthly_amount: Amount | None = Field(description="Per month, recurring products only.")
    amount: Amount | None = Field(description="Once, one-time products only.")
    start_date: date
    end_date: date | None
    billing_day_of_month: int | None
    invoice_grouping: InvoiceGrouping | None
    invoice_group_id: str | None
    contract_number: str | None
    po_number: str | None
    legal_entity: str | None
    periods: list[BillingPeriodPublic] = Field(
        description="Empty for usage products: usage is rated and billed by a later issue."
    )


# --- invoice runs ---------------------------------------------------------------------------


class InvoiceRunCreate(BaseModel):
    target_date: date = Field(
        description="Bill every pending period billable on or before it.", examples=["2026-02-01"]
    )
    invoice_date: date | None = Field(None, description="Default: the target date.")
    account_ids: list[uuid.UUID] | None = Field(
        None,
        min_length=1,
        max_length=10_000,
        description="Only these bill-to accounts; omit for all.",
    )
    post: bool = Field(False, description="Post (number and send) the invoices in the same run.")


class InvoiceRunPublic(Public):
    id: uuid.UUID
    status: InvoiceRunStatus
    target_date: date
    invoice_date: date
    account_ids: list[uuid.UUID] | None
    post: bool
    invoices_created: int
    lines_created: int
    invoices_posted: int
    error: str | None = Field(description="Why the run failed; batches before it stay billed.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


# --- invoices -------------------------------------------------------------------------------


class InvoiceLinePublic(Public):
    id: uuid.UUID
    order_id: uuid.UUID
    order_product_id: uuid.UUID
    product_id: uuid.UUID
    billing_period_id: uuid.UUID
    description: str
    period_start: date
    period_end: date
    quantity: Quantity
    amount: Amount
    tax_amount: Amount


class BillingAddressPublic(Public):
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str | None = None
    country: str = Field(examples=["DE"])


class BillToPublic(Public):
    """The bill-to account as quote-svc's account events last described it."""

    name: str
    email: str | None
    billing_address: BillingAddressPublic | None
    tax_exempt: bool


class InvoicePublic(Public):
    id: uuid.UUID
    number: str | None = Field(
        description="Null while draft; given at posting.", examples=["INV-000001"]
    )
    status: InvoiceStatus
    account_id: uuid.UUID = Field(description="The bill-to account.")
    legal_entity: str | None
    currency: str
    payment_term: PaymentTerm
    invoice_date: date
    due_date: date
    lines: list[InvoiceLinePublic]
    subtotal: Amount
    tax_total: Amount
    total: Amount
    amount_paid: Amount
    balance: Amount
    payment_status: PaymentStatus
    grouping: dict[str, Any] = Field(
        description="Why these lines share this invoice (bill-to, currency, payment term, "
        "invoice grouping)."
    )
    invoice_run_id: uuid.UUID | None
    created_at: datetime
    posted_at: datetime | None
    bill_to: BillToPublic | None = Field(
        None,
        description="The bill-to account's name, e-mail, billing address and tax exemption, as "
        "its latest account event told invoice-svc; null while no such event has arrived.",
    )
