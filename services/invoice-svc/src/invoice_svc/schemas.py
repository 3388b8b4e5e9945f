"""invoice-svc API schemas: Create / Public shapes, apart from the tables."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, Percent, Quantity

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
    credit_note_id: uuid.UUID | None = Field(
        None,
        description="Instead of an invoice, the credit note that credited it: an invoice run "
        "issues one when a bill-to's credits outweigh its charges.",
    )


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
    credit_notes_created: int = Field(
        description="Credit notes created so far: for bill-tos whose credits outweighed their "
        "charges (issued when `post`, else drafts)."
    )
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
    tax_rate_percent: Percent | None = Field(
        description="The rate of the bill-to address and the product's tax code the line was "
        "taxed at; null when it bears no tax (tax-exempt account, no address, no tax code, or no "
        "rate for them).",
        examples=["19"],
    )
    tax_amount: Amount = Field(
        description="Tax on the line: amount x rate, rounded half-up per line, in the invoice's "
        "currency."
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
    credited_total: Amount = Field(
        description="What credit notes of this invoice took off, tax included."
    )
    amount_paid: Amount = Field(description="What payments allocated to it have covered.")
    balance: Amount = Field(
        description="Still owed: total - credited total - amount paid, never below zero."
    )
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


# --- tax rates ------------------------------------------------------------------------------

RatePercent = Annotated[Percent, Field(ge=0, le=100, max_digits=9, decimal_places=4)]
"""A percent from 0 to 100, up to four decimals, as a decimal string (`"19"`, `"8.875"`)."""


class TaxRateCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"country": "DE", "tax_code": "SAAS", "rate_percent": "19"},
                {"country": "US", "region": "NY", "tax_code": "SAAS", "rate_percent": "8.875"},
            ]
        }
    )

    country: str = Field(
        pattern=r"^[A-Za-z]{2}$",
        description="ISO 3166-1 alpha-2 code of the bill-to address's country; stored upper case.",
        examples=["DE"],
    )
    region: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="A state, province or county as the billing addresses spell it (compared "
        "without case; stored upper case). Its rate beats the country's for addresses in it. "
        "Omit for the country-wide rate.",
        examples=["NY"],
    )
    tax_code: str = Field(
        min_length=1,
        max_length=50,
        description="The product tax code it applies to (quote-svc products' `tax_code`).",
        examples=["SAAS"],
    )
    rate_percent: RatePercent = Field(description="The rate, 0 to 100.", examples=["19"])


class TaxRateUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rate_percent": "20"}]})

    rate_percent: RatePercent = Field(
        description="The new rate, 0 to 100. Invoices posted before keep the rate they were "
        "taxed at; drafts are taxed again when posted.",
        examples=["20"],
    )


class TaxRatePublic(Public):
    id: uuid.UUID = Field(description="The tax rate's id.")
    country: str = Field(description="ISO 3166-1 alpha-2, upper case.", examples=["DE"])
    region: str | None = Field(description="The region it is limited to; null: the country.")
    tax_code: str = Field(description="The product tax code it applies to.")
    rate_percent: RatePercent = Field(description="The rate, 0 to 100.")
    created_at: datetime = Field(description=_CREATED_AT)
    updated_at: datetime = Field(description="When the rate last changed; ISO 8601, UTC.")


# --- credit notes ---------------------------------------------------------------------------


class CreditNoteStatus(StrEnum):
    """`draft` (a run that left its invoices as drafts; no number yet) until issued; `issued`
    (numbered, final)."""

    DRAFT = "draft"
    ISSUED = "issued"


class CreditNoteLineCreate(BaseModel):
    invoice_line_id: uuid.UUID = Field(description="The invoice line to credit.")
    amount: Amount = Field(
        gt=0,
        description="How much of the line to credit, before tax; at most what is left of it. "
        "Its tax is credited with it, at the line's rate.",
        examples=["31.00"],
    )


class CreditNoteCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reason": "Service outage in March: the whole invoice is credited."},
                {
                    "reason": "Two seats were never used",
                    "lines": [
                        {
                            "invoice_line_id": "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a71",
                            "amount": "62.00",
                        }
                    ],
                    "issue_date": "2026-03-05",
                },
            ]
        }
    )

    lines: list[CreditNoteLineCreate] | None = Field(
        None,
        min_length=1,
        max_length=1000,
        description="What to credit, line by line; omit to credit everything left on the invoice.",
    )
    reason: str = Field(
        min_length=1, max_length=500, description="Why: printed on the credit note."
    )
    issue_date: date | None = Field(
        None, description="The credit note's date; ISO date YYYY-MM-DD. Default: today (UTC)."
    )


class CreditNoteLinePublic(Public):
    id: uuid.UUID = Field(description="The line's id.")
    invoice_line_id: uuid.UUID | None = Field(
        description="The invoice line credited; null on an invoice run's credit note."
    )
    billing_period_id: uuid.UUID | None = Field(
        description="The billing period an invoice run credited; null when an invoice line is."
    )
    order_id: uuid.UUID = Field(description="The order-svc order credited.")
    order_product_id: uuid.UUID = Field(description="The order product credited.")
    product_id: uuid.UUID = Field(description="The quote-svc product credited.")
    description: str = Field(description="What the line says: the product's name.")
    period_start: date = Field(description="First day of the service credited; ISO date.")
    period_end: date = Field(description="Last day of the service credited, inclusive.")
    quantity: Quantity = Field(description="The units of the credited line.")
    amount: Amount = Field(
        description="Credited, before tax; negative for a charge an invoice run netted against "
        "its credits."
    )
    tax_rate_percent: Percent | None = Field(description="The rate of the tax credited.")
    tax_amount: Amount = Field(description="Tax credited with the line.")


class CreditNotePublic(Public):
    id: uuid.UUID = Field(description="The credit note's id (UUIDv7).")
    number: str | None = Field(
        description="From the legal entity's gapless credit note series; null while draft.",
        examples=["CN-000001"],
    )
    status: CreditNoteStatus = Field(description="`draft` or `issued`.")
    account_id: uuid.UUID = Field(description="The bill-to account credited.")
    legal_entity: str | None = Field(description="Your selling entity, whose series numbers it.")
    currency: str = Field(description="ISO 4217 code of every amount on it.")
    invoice_id: uuid.UUID | None = Field(
        description="The invoice it credits; null when an invoice run issued it for credits "
        "that outweighed the charges of a bill-to (it then credits the account)."
    )
    invoice_number: str | None = Field(None, description="The credited invoice's number.")
    invoice_run_id: uuid.UUID | None = Field(description="The invoice run that created it.")
    reason: str = Field(description="Why it was issued.")
    issue_date: date = Field(description="Its date; ISO date YYYY-MM-DD.")
    lines: list[CreditNoteLinePublic] = Field(description="What is credited, line by line.")
    subtotal: Amount = Field(description="Sum of the lines' amounts, before tax.")
    tax_total: Amount = Field(description="Sum of the lines' tax amounts.")
    total: Amount = Field(description="Subtotal + tax total: what is credited.")
    grouping: dict[str, Any] | None = Field(
        description="An invoice run's credit note: why these lines share it (as on invoices)."
    )
    created_at: datetime = Field(description=_CREATED_AT)
    issued_at: datetime | None = Field(
        description="When it was issued; ISO 8601 date-time, UTC; null while draft."
    )
