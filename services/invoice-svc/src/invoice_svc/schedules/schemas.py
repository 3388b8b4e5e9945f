"""Billing schedule API schemas."""

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from invoice_svc.api_texts import PAYMENT_TERM
from invoice_svc.statuses import PeriodStatus
from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, Quantity


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


_CHARGE_TYPE = (
    "`one_time` (billed once, on the start date), `recurring` (billed every period of the "
    "billing frequency) or `usage` (billed on consumption)."
)


_BILLING_TYPE = "`advance`: a period is billed from its first day; `arrears`: from its last day."


_BILLING_FREQUENCY = (
    "How many months a billing period spans: `monthly` 1, `quarterly` 3, `semiannual` 6, "
    "`annual` 12. Null for one-time and usage products."
)


_INVOICE_GROUPING = (
    "What else splits invoices of the same bill-to, currency and payment term: "
    "`contract_number`, `order`, `po_number`, `legal_entity`, `separate` (an invoice of its "
    "own) or `invoice_group_id`. Null: no further split."
)


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
    payment_term: PaymentTerm = Field(description=f"The order's. {PAYMENT_TERM}")
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
