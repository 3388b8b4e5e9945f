"""order-svc API schemas."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, CurrencyCode, Quantity


class OrderStatus(StrEnum):
    DRAFT = "draft"
    ACTIVATED = "activated"


class OrderType(StrEnum):
    NEW = "new"
    AMENDMENT = "amendment"
    RENEWAL = "renewal"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrderProductCreate(BaseModel):
    """An order product with explicit prices (direct orders have no quote to price them)."""

    product_id: uuid.UUID
    sku: str = Field(min_length=1, max_length=100, examples=["SEAT-PRO"])
    product_name: str = Field(min_length=1, max_length=255, examples=["Pro seat"])
    charge_type: ChargeType
    billing_type: BillingType = BillingType.ADVANCE
    billing_frequency: BillingFrequency | None = None
    tax_code: str | None = Field(None, max_length=50)
    quantity: Quantity = Field(gt=0)
    net_unit_price: Amount = Field(ge=0, description="Per month for recurring products.")
    start_date: date | None = Field(None, description="Default: the order's start date.")
    billing_account_id: uuid.UUID | None = None
    invoice_grouping: InvoiceGrouping | None = None
    invoice_group_id: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _recurring_has_frequency(self) -> "OrderProductCreate":
        if self.charge_type == ChargeType.RECURRING and self.billing_frequency is None:
            self.billing_frequency = BillingFrequency.MONTHLY
        return self


class OrderCreate(BaseModel):
    account_id: uuid.UUID
    currency: CurrencyCode
    start_date: date = Field(examples=["2026-01-15"])
    term_months: int = Field(ge=1, le=120, examples=[12])
    billing_day_of_month: int | None = Field(None, ge=1, le=31)
    payment_term: PaymentTerm = PaymentTerm.NET_30
    billing_account_id: uuid.UUID | None = None
    po_number: str | None = Field(None, max_length=100)
    legal_entity: str | None = Field(None, max_length=255)
    order_products: list[OrderProductCreate] = Field(min_length=1)


class OrderProductPublic(Public):
    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    product_name: str
    charge_type: ChargeType
    billing_type: BillingType
    billing_frequency: BillingFrequency | None
    tax_code: str | None
    quantity: Quantity
    net_unit_price: Amount
    monthly_amount: Amount | None
    amount: Amount | None
    start_date: date
    end_date: date | None
    billing_account_id: uuid.UUID | None
    invoice_grouping: InvoiceGrouping | None
    invoice_group_id: str | None
    subscription_id: uuid.UUID | None


class OrderPublic(Public):
    id: uuid.UUID
    number: str = Field(examples=["O-000001"])
    type: OrderType = Field(
        description="`new` creates a contract; `amendment` changes one with delta order products "
        "(quantity = the change, from the amendment's start to the contract's end); `renewal` "
        "extends one by a term."
    )
    status: OrderStatus
    account_id: uuid.UUID
    billing_account_id: uuid.UUID | None
    quote_id: uuid.UUID | None
    contract_id: uuid.UUID | None = Field(
        description="The contract created (once activated), amended or renewed."
    )
    currency: str
    payment_term: PaymentTerm
    po_number: str | None
    legal_entity: str | None
    billing_day_of_month: int | None
    activated_on: date | None
    created_at: datetime
    order_products: list[OrderProductPublic]


class SubscriptionPublic(Public):
    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    quantity: Quantity = Field(description="Now; 0 once cancelled by an amendment.")
    net_unit_price: Amount
    start_date: date
    end_date: date | None = Field(description="A cancelled one: the day before it was cancelled.")


class ContractPublic(Public):
    id: uuid.UUID
    number: str = Field(examples=["C-000001"])
    status: str
    account_id: uuid.UUID
    currency: str
    start_date: date
    end_date: date | None
    term_months: int | None = Field(description="The original term; renewals default to it.")
    billing_day_of_month: int = Field(
        description="Periods align to it; amendments and renewals bill on it too."
    )
    payment_term: PaymentTerm
    billing_account_id: uuid.UUID | None
    po_number: str | None
    legal_entity: str | None
    quote_id: uuid.UUID | None = Field(description="The quote that created the contract, if any.")
    subscriptions: list[SubscriptionPublic]
