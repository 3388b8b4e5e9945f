"""order-svc API schemas."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from q2c_shared.billing import charges
from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, CurrencyCode, Quantity

# Ids the request examples use: the same account and products as quote-svc's examples.
_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"
_SEAT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b80"
_ONBOARDING_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b81"

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
_INVOICE_GROUP_ID = (
    "Your label: order products with the same one share an invoice when `invoice_grouping` is "
    "`invoice_group_id`."
)
_PRODUCT_BILLING_ACCOUNT = "The account invoiced for this order product, when not the order's."
_TAX_CODE = "The product's tax category; with the bill-to's address it picks the tax rate."
_CREATED_AT = "When it was created; ISO 8601 date-time, UTC."


class OrderStatus(StrEnum):
    """`draft` until activated; `activated` once it made or changed its contract."""

    DRAFT = "draft"
    ACTIVATED = "activated"


class OrderType(StrEnum):
    """`new` business, an `amendment` of a contract, or its `renewal`."""

    NEW = "new"
    AMENDMENT = "amendment"
    RENEWAL = "renewal"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrderProductCreate(BaseModel):
    """An order product with explicit prices (direct orders have no quote to price them)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "product_id": _SEAT_PRODUCT_ID,
                    "sku": "SEAT-PRO",
                    "product_name": "Pro seat",
                    "charge_type": "recurring",
                    "billing_type": "advance",
                    "billing_frequency": "monthly",
                    "tax_code": "SAAS",
                    "quantity": "25",
                    "net_unit_price": "44.10",
                }
            ]
        }
    )

    product_id: uuid.UUID = Field(description="The quote-svc product sold.")
    sku: str = Field(
        min_length=1,
        max_length=100,
        description="The product's SKU, as invoices show it.",
        examples=["SEAT-PRO"],
    )
    product_name: str = Field(
        min_length=1,
        max_length=255,
        description="The product's name, as invoices show it.",
        examples=["Pro seat"],
    )
    charge_type: ChargeType = Field(description=_CHARGE_TYPE)
    billing_type: BillingType = Field(BillingType.ADVANCE, description=_BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(
        None,
        description="Recurring products only (default `monthly`): `monthly`, `quarterly`, "
        "`semiannual` or `annual` periods of 1, 3, 6 or 12 months.",
    )
    tax_code: str | None = Field(None, max_length=50, description=_TAX_CODE)
    quantity: Quantity = Field(gt=0, description="Units sold, above 0; may be fractional.")
    net_unit_price: Amount = Field(ge=0, description="Per month for recurring products.")
    start_date: date | None = Field(None, description="Default: the order's start date.")
    billing_account_id: uuid.UUID | None = Field(None, description=_PRODUCT_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(None, description=_INVOICE_GROUPING)
    invoice_group_id: str | None = Field(None, max_length=100, description=_INVOICE_GROUP_ID)

    @model_validator(mode="after")
    def _recurring_has_frequency(self) -> "OrderProductCreate":
        if charges.rule(self.charge_type).recurs and self.billing_frequency is None:
            self.billing_frequency = BillingFrequency.MONTHLY
        return self


class OrderCreate(BaseModel):
    """A direct order, priced by the caller, for channels without a quote."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": _ACCOUNT_ID,
                    "currency": "USD",
                    "start_date": "2026-01-15",
                    "term_months": 12,
                    "billing_day_of_month": 1,
                    "payment_term": "net_30",
                    "po_number": "PO-2026-0117",
                    "legal_entity": "q2c Software Inc.",
                    "order_products": [
                        {
                            "product_id": _SEAT_PRODUCT_ID,
                            "sku": "SEAT-PRO",
                            "product_name": "Pro seat",
                            "charge_type": "recurring",
                            "billing_type": "advance",
                            "billing_frequency": "monthly",
                            "tax_code": "SAAS",
                            "quantity": "25",
                            "net_unit_price": "44.10",
                        },
                        {
                            "product_id": _ONBOARDING_PRODUCT_ID,
                            "sku": "ONBOARDING",
                            "product_name": "Onboarding package",
                            "charge_type": "one_time",
                            "quantity": "1",
                            "net_unit_price": "1500.00",
                            "invoice_grouping": "separate",
                        },
                    ],
                }
            ]
        }
    )

    account_id: uuid.UUID = Field(description="The customer: a quote-svc account.")
    currency: CurrencyCode
    start_date: date = Field(
        description="First day of the contract; ISO date YYYY-MM-DD.", examples=["2026-01-15"]
    )
    term_months: int = Field(
        ge=1, le=120, description="Length of the contract in months (1-120).", examples=[12]
    )
    billing_day_of_month: int | None = Field(
        None,
        ge=1,
        le=31,
        description="Day billing periods start on (clamped to short months). Default: the "
        "start date's day.",
    )
    payment_term: PaymentTerm = Field(PaymentTerm.NET_30, description=_PAYMENT_TERM)
    billing_account_id: uuid.UUID | None = Field(
        None, description="The account invoiced, when not `account_id`."
    )
    po_number: str | None = Field(
        None, max_length=100, description="The customer's purchase order number, on invoices."
    )
    legal_entity: str | None = Field(
        None, max_length=255, description="Your selling entity; invoices number per entity."
    )
    order_products: list[OrderProductCreate] = Field(
        min_length=1, description="What is sold; at least one."
    )


class OrderProductPublic(Public):
    id: uuid.UUID = Field(description="The order product's id; billing schedules refer to it.")
    product_id: uuid.UUID = Field(description="The quote-svc product sold.")
    sku: str = Field(description="The product's SKU, as invoices show it.")
    product_name: str = Field(description="The product's name, as invoices show it.")
    charge_type: ChargeType = Field(description=_CHARGE_TYPE)
    billing_type: BillingType = Field(description=_BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(description=_BILLING_FREQUENCY)
    tax_code: str | None = Field(description=_TAX_CODE)
    quantity: Quantity = Field(
        description="Units sold; amendments: the change of quantity, negative for fewer."
    )
    net_unit_price: Amount = Field(
        description="Price of one unit after discount: per month for recurring, once for "
        "one-time; in the order's currency."
    )
    monthly_amount: Amount | None = Field(
        description="Per month, in the order's currency: net unit price x quantity; recurring "
        "products only."
    )
    amount: Amount | None = Field(
        description="Once, in the order's currency: net unit price x quantity; one-time "
        "products only."
    )
    start_date: date = Field(description="First day it is billed for; ISO date YYYY-MM-DD.")
    end_date: date | None = Field(
        description="Last day it is billed for (the contract's end); ISO date YYYY-MM-DD."
    )
    billing_account_id: uuid.UUID | None = Field(description=_PRODUCT_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(description=_INVOICE_GROUPING)
    invoice_group_id: str | None = Field(description=_INVOICE_GROUP_ID)
    subscription_id: uuid.UUID | None = Field(
        description="Amendments and renewals: the contract subscription it changes."
    )


class OrderPublic(Public):
    id: uuid.UUID = Field(description="The order's id (UUIDv7).")
    number: str = Field(description="Human-readable order number.", examples=["O-000001"])
    type: OrderType = Field(
        description="`new` creates a contract; `amendment` changes one with delta order products "
        "(quantity = the change, from the amendment's start to the contract's end); `renewal` "
        "extends one by a term."
    )
    status: OrderStatus = Field(
        description="`draft`: waiting to be activated; `activated`: it created, amended or "
        "renewed its contract (`activated_on`)."
    )
    account_id: uuid.UUID = Field(description="The customer: a quote-svc account.")
    billing_account_id: uuid.UUID | None = Field(
        description="The account invoiced, when not `account_id`."
    )
    quote_id: uuid.UUID | None = Field(
        description="The accepted quote it came from; null for direct orders."
    )
    contract_id: uuid.UUID | None = Field(
        description="The contract created (once activated), amended or renewed."
    )
    currency: str = Field(description="ISO 4217 code of every amount on the order.")
    payment_term: PaymentTerm = Field(description=_PAYMENT_TERM)
    po_number: str | None = Field(description="The customer's purchase order number.")
    legal_entity: str | None = Field(description="Your selling entity; invoices number per entity.")
    billing_day_of_month: int | None = Field(
        description="Day billing periods start on; null: each start date's day."
    )
    activated_on: date | None = Field(
        description="When it was activated; ISO date YYYY-MM-DD; null while draft."
    )
    created_at: datetime = Field(description=_CREATED_AT)
    order_products: list[OrderProductPublic] = Field(description="What was sold, in order.")


class SubscriptionPublic(Public):
    id: uuid.UUID = Field(description="The subscription's id; amendment quotes name it.")
    product_id: uuid.UUID = Field(description="The quote-svc product subscribed to.")
    sku: str = Field(description="The product's SKU.")
    quantity: Quantity = Field(description="Now; 0 once cancelled by an amendment.")
    net_unit_price: Amount = Field(
        description="Price of one unit after discount: per month for recurring, once for "
        "one-time; in the contract's currency. Amendments keep it; renewals may uplift it."
    )
    start_date: date = Field(description="First day of the subscription; ISO date YYYY-MM-DD.")
    end_date: date | None = Field(description="A cancelled one: the day before it was cancelled.")


class ContractPublic(Public):
    id: uuid.UUID = Field(description="The contract's id (UUIDv7).")
    number: str = Field(
        description="Human-readable contract number; invoices can group by it.",
        examples=["C-000001"],
    )
    status: str = Field(description="`activated`: the contract is in force.")
    account_id: uuid.UUID = Field(description="The customer: a quote-svc account.")
    currency: str = Field(description="ISO 4217 code of every amount on the contract.")
    start_date: date = Field(description="First day of the contract; ISO date YYYY-MM-DD.")
    end_date: date | None = Field(
        description="Last day of the contract (renewals move it); ISO date YYYY-MM-DD."
    )
    term_months: int | None = Field(description="The original term; renewals default to it.")
    billing_day_of_month: int = Field(
        description="Periods align to it; amendments and renewals bill on it too."
    )
    payment_term: PaymentTerm = Field(description=_PAYMENT_TERM)
    billing_account_id: uuid.UUID | None = Field(
        description="The account invoiced, when not `account_id`."
    )
    po_number: str | None = Field(description="The customer's purchase order number.")
    legal_entity: str | None = Field(description="Your selling entity; invoices number per entity.")
    quote_id: uuid.UUID | None = Field(description="The quote that created the contract, if any.")
    subscriptions: list[SubscriptionPublic] = Field(
        description="What the customer subscribes to, cancelled ones included."
    )
