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

# An account id the request examples use: the same as quote-svc's examples.
_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"

_CHARGE_TYPE = (
    "`one_time` (billed once, on the start date), `recurring` (billed every period of the "
    "billing frequency) or `usage` (billed on consumption)."
)
_BILLING_TYPE = "`advance`: a period is billed from its first day; `arrears`: from its last day."
_BILLING_FREQUENCY = (
    "How many months a billing period spans: `monthly` 1, `quarterly` 3, `semiannual` 6, "
    "`annual` 12. Null for one-time and usage products."
)
_PAYMENT_TERM = (
    "Days from invoice date to due date: `due_on_receipt` 0, `net_15`, `net_30`, `net_45`, "
    "`net_60`, `net_90`."
)
_INVOICE_GROUPING = (
    "What else splits invoices of the same bill-to, currency and payment term: "
    "`contract_number`, `order`, `po_number`, `legal_entity`, `separate` (an invoice of its "
    "own) or `invoice_group_id`. Null: no further split."
)
_CREATED_AT = "When it was created; ISO 8601 date-time, UTC."


class PeriodStatus(StrEnum):
    """`pending` until an invoice run bills the period, then `invoiced`."""

    PENDING = "pending"
    INVOICED = "invoiced"


class InvoiceRunStatus(StrEnum):
    """Where a run is: `queued`, `running`, then `completed` or `failed`."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class InvoiceStatus(StrEnum):
    """`draft` (no number, can change) until posted; `posted` (numbered, sent, final)."""

    DRAFT = "draft"
    POSTED = "posted"


class PaymentStatus(StrEnum):
    """How much of the invoice's total payments have covered."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- billing schedules ----------------------------------------------------------------------


class BillingPeriodPublic(Public):
    id: uuid.UUID = Field(description="The period's id; its invoice line refers to it.")
    period_start: date = Field(description="The period's first billed day; ISO date YYYY-MM-DD.")
    period_end: date = Field(description="Inclusive: the period's last billed day.")
    billable_date: date = Field(description="From when an invoice run bills the period.")
    amount: Amount = Field(
        description="What the period bills, before tax, in the schedule's currency: the "
        "full-period amount, prorated by days for a part-period; negative for a credit."
    )
    status: PeriodStatus = Field(
        description="`pending`: not billed yet; `invoiced`: on the invoice `invoice_id`."
    )
    invoice_id: uuid.UUID | None = Field(description="The invoice that billed it, once invoiced.")


class BillingSchedulePublic(Public):
    id: uuid.UUID = Field(description="The schedule's id.")
    order_id: uuid.UUID = Field(description="The order-svc order it bills.")
    order_number: str | None = Field(description="The order's number, e.g. `O-000001`.")
    order_type: str = Field(
        description="`new`, `renewal`, or `amendment`: then the schedule bills the change of "
        "quantity from the amendment's start to the contract's end, as credits (negative "
        "amounts) when the quantity went down."
    )
    order_product_id: uuid.UUID = Field(
        description="The order product it bills; one schedule each."
    )
    product_id: uuid.UUID = Field(description="The quote-svc product billed.")
    subscription_id: uuid.UUID | None = Field(
        description="The contract subscription it bills, once the order is activated."
    )
    sku: str = Field(description="The product's SKU.")
    description: str = Field(description="What the invoice lines say: the product's name.")
    account_id: uuid.UUID = Field(description="The order's account.")
    bill_to_account_id: uuid.UUID = Field(
        description="Who is invoiced: the order product's billing account, else the order's, "
        "else the order's account."
    )
    currency: str = Field(description="ISO 4217 code of every amount of the schedule.")
    payment_term: PaymentTerm = Field(description=f"The order's. {_PAYMENT_TERM}")
    charge_type: ChargeType = Field(description=_CHARGE_TYPE)
    billing_type: BillingType = Field(description=_BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(description=_BILLING_FREQUENCY)
    quantity: Quantity = Field(description="Amendments: the change, negative for fewer.")
    monthly_amount: Amount | None = Field(description="Per month, recurring products only.")
    amount: Amount | None = Field(description="Once, one-time products only.")
    start_date: date = Field(description="First day billed; ISO date YYYY-MM-DD.")
    end_date: date | None = Field(description="Last day billed; ISO date YYYY-MM-DD.")
    billing_day_of_month: int | None = Field(
        description="Day the periods start on (clamped to short months); null: the start "
        "date's day."
    )
    invoice_grouping: InvoiceGrouping | None = Field(description=_INVOICE_GROUPING)
    invoice_group_id: str | None = Field(
        description="Your label grouping invoice lines when `invoice_grouping` is "
        "`invoice_group_id`."
    )
    contract_number: str | None = Field(
        description="The contract's number, e.g. `C-000001`; a grouping value."
    )
    po_number: str | None = Field(
        description="The customer's purchase order number; a grouping value."
    )
    legal_entity: str | None = Field(
        description="Your selling entity: invoices number per entity and never mix entities."
    )
    periods: list[BillingPeriodPublic] = Field(
        description="Empty for usage products: usage is rated and billed by a later issue."
    )


# --- invoice runs ---------------------------------------------------------------------------


class InvoiceRunCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"target_date": "2026-02-01", "post": False},
                {
                    "target_date": "2026-02-01",
                    "invoice_date": "2026-02-02",
                    "account_ids": [_ACCOUNT_ID],
                    "post": True,
                },
            ]
        }
    )

    target_date: date = Field(
        description="Bill every pending period billable on or before it.", examples=["2026-02-01"]
    )
    invoice_date: date | None = Field(
        None,
        description="The invoices' date, from which due dates count; ISO date YYYY-MM-DD. "
        "Default: the target date.",
    )
    account_ids: list[uuid.UUID] | None = Field(
        None,
        min_length=1,
        max_length=10_000,
        description="Only these bill-to accounts; omit for all.",
    )
    post: bool = Field(False, description="Post (number and send) the invoices in the same run.")


class InvoiceRunPublic(Public):
    id: uuid.UUID = Field(description="The run's id; poll `GET /v1/invoice-runs/{id}`.")
    status: InvoiceRunStatus = Field(
        description="`queued` (accepted, not started), `running`, `completed` or `failed` "
        "(see `error`)."
    )
    target_date: date = Field(
        description="Bills every pending period billable on or before it; ISO date YYYY-MM-DD."
    )
    invoice_date: date = Field(description="The invoices' date; ISO date YYYY-MM-DD.")
    account_ids: list[uuid.UUID] | None = Field(
        description="The only bill-to accounts billed; null: all."
    )
    post: bool = Field(description="True: the run posts the invoices it creates.")
    invoices_created: int = Field(description="Invoices created so far.")
    lines_created: int = Field(description="Invoice lines created so far.")
    invoices_posted: int = Field(description="Invoices posted so far (when `post`).")
    error: str | None = Field(description="Why the run failed; batches before it stay billed.")
    created_at: datetime = Field(description=_CREATED_AT)
    started_at: datetime | None = Field(
        description="When a worker started it; ISO 8601 date-time, UTC; null while queued."
    )
    finished_at: datetime | None = Field(
        description="When it completed or failed; ISO 8601 date-time, UTC; null until then."
    )


# --- invoices -------------------------------------------------------------------------------


class InvoiceLinePublic(Public):
    id: uuid.UUID = Field(description="The line's id.")
    order_id: uuid.UUID = Field(description="The order-svc order billed.")
    order_product_id: uuid.UUID = Field(description="The order product billed.")
    product_id: uuid.UUID = Field(description="The quote-svc product billed.")
    billing_period_id: uuid.UUID = Field(description="The billing schedule period it bills.")
    description: str = Field(description="What the line says: the product's name.")
    period_start: date = Field(description="First day of the service billed; ISO date YYYY-MM-DD.")
    period_end: date = Field(
        description="Last day of the service billed, inclusive; ISO date YYYY-MM-DD."
    )
    quantity: Quantity = Field(description="Units billed; negative for a credited reduction.")
    amount: Amount = Field(
        description="Before tax, in the invoice's currency: the period's amount, prorated for a "
        "part-period; negative for a credit."
    )
    tax_amount: Amount = Field(
        description="Tax on the line, rounded per line, in the invoice's currency (zero until "
        "tax rates are applied)."
    )


class BillingAddressPublic(Public):
    line1: str = Field(description="Street and number.")
    line2: str | None = Field(None, description="Suite, floor or building.")
    city: str = Field(description="City or town.")
    region: str | None = Field(None, description="State, province or county.")
    postal_code: str | None = Field(None, description="ZIP or postal code.")
    country: str = Field(description="ISO 3166-1 alpha-2.", examples=["DE"])


class BillToPublic(Public):
    """The bill-to account as quote-svc's account events last described it."""

    name: str = Field(description="The customer's name, as the invoice shows it.")
    email: str | None = Field(description="Where the invoice is sent.")
    billing_address: BillingAddressPublic | None = Field(
        description="Where the invoice is addressed."
    )
    tax_exempt: bool = Field(description="True: the account's invoices carry no tax.")


class InvoicePublic(Public):
    id: uuid.UUID = Field(description="The invoice's id (UUIDv7).")
    number: str | None = Field(
        description="Null while draft; given at posting.", examples=["INV-000001"]
    )
    status: InvoiceStatus = Field(
        description="`draft`: no number yet; `posted`: numbered, sent and final."
    )
    account_id: uuid.UUID = Field(description="The bill-to account.")
    legal_entity: str | None = Field(
        description="Your selling entity, whose gapless series numbers the invoice."
    )
    currency: str = Field(description="ISO 4217 code of every amount on the invoice.")
    payment_term: PaymentTerm = Field(description=_PAYMENT_TERM)
    invoice_date: date = Field(description="The invoice's date; ISO date YYYY-MM-DD.")
    due_date: date = Field(
        description="Invoice date + the payment term's days; ISO date YYYY-MM-DD."
    )
    lines: list[InvoiceLinePublic] = Field(description="What is billed, period by period.")
    subtotal: Amount = Field(description="Sum of the lines' amounts, before tax.")
    tax_total: Amount = Field(description="Sum of the lines' tax amounts.")
    total: Amount = Field(description="Subtotal + tax total: what the customer owes.")
    amount_paid: Amount = Field(description="What payments allocated to it have covered.")
    balance: Amount = Field(description="Still owed: total - amount paid.")
    payment_status: PaymentStatus = Field(
        description="`unpaid`, `partially_paid` or `paid` (balance zero)."
    )
    grouping: dict[str, Any] = Field(
        description="Why these lines share this invoice (bill-to, currency, payment term, "
        "invoice grouping)."
    )
    invoice_run_id: uuid.UUID | None = Field(description="The invoice run that created it.")
    created_at: datetime = Field(description=_CREATED_AT)
    posted_at: datetime | None = Field(
        description="When it was posted; ISO 8601 date-time, UTC; null while draft."
    )
    bill_to: BillToPublic | None = Field(
        None,
        description="The bill-to account's name, e-mail, billing address and tax exemption, as "
        "its latest account event told invoice-svc; null while no such event has arrived.",
    )
