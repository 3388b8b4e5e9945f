"""quote-svc API schemas: Create / Update / Public shapes, apart from the tables."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, CurrencyCode, Quantity
from quote_svc.pricing import PricingModel


class QuoteType(StrEnum):
    NEW = "new"
    AMENDMENT = "amendment"
    RENEWAL = "renewal"


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    ACCEPTED = "accepted"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- accounts -------------------------------------------------------------------------------


class BillingAddress(BaseModel):
    line1: str = Field(examples=["1 Market St"])
    line2: str | None = None
    city: str = Field(examples=["San Francisco"])
    region: str | None = Field(None, examples=["CA"])
    postal_code: str | None = Field(None, examples=["94105"])
    country: str = Field(
        min_length=2, max_length=2, description="ISO 3166-1 alpha-2.", examples=["US"]
    )


class AccountCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255, examples=["Acme Corp"])
    currency: CurrencyCode
    email: str | None = Field(None, max_length=255, examples=["billing@acme.example"])
    billing_address: BillingAddress | None = None
    payment_term: PaymentTerm = PaymentTerm.NET_30
    legal_entity: str | None = Field(
        None,
        max_length=255,
        examples=["Acme Holdings Ltd"],
        description="Your selling entity; invoices number per entity.",
    )
    tax_exempt: bool = False


class AccountUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    email: str | None = Field(None, max_length=255)
    billing_address: BillingAddress | None = None
    payment_term: PaymentTerm | None = None
    legal_entity: str | None = Field(None, max_length=255)
    tax_exempt: bool | None = None


class AccountPublic(Public):
    id: uuid.UUID
    name: str
    currency: str
    email: str | None
    billing_address: BillingAddress | None
    payment_term: PaymentTerm
    legal_entity: str | None
    tax_exempt: bool
    created_at: datetime
    updated_at: datetime


# --- catalog --------------------------------------------------------------------------------


class ProductCreate(BaseModel):
    sku: str = Field(min_length=1, max_length=100, examples=["SEAT-PRO"])
    name: str = Field(min_length=1, max_length=255, examples=["Pro seat"])
    charge_type: ChargeType = Field(examples=["recurring"])
    billing_type: BillingType = BillingType.ADVANCE
    billing_frequency: BillingFrequency | None = Field(
        None, description="Required for recurring products.", examples=["monthly"]
    )
    tax_code: str | None = Field(None, max_length=50, examples=["SAAS"])

    @model_validator(mode="after")
    def _frequency_for_recurring(self) -> "ProductCreate":
        if self.charge_type == ChargeType.RECURRING and self.billing_frequency is None:
            self.billing_frequency = BillingFrequency.MONTHLY
        return self


class ProductPublic(Public):
    id: uuid.UUID
    sku: str
    name: str
    charge_type: ChargeType
    billing_type: BillingType
    billing_frequency: BillingFrequency | None
    tax_code: str | None
    created_at: datetime


class PriceBookCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255, examples=["Standard USD"])
    currency: CurrencyCode


class PriceBookPublic(Public):
    id: uuid.UUID
    name: str
    currency: str
    created_at: datetime


class PriceTierIn(BaseModel):
    up_to: Quantity | None = Field(None, description="Last unit of the tier; null for the last.")
    unit_price: Amount


class PriceBookEntryCreate(BaseModel):
    product_id: uuid.UUID
    unit_price: Amount = Field(description="Per month for recurring products.")
    pricing_model: PricingModel = PricingModel.PER_UNIT
    tiers: list[PriceTierIn] | None = Field(None, description="For volume and tiered pricing.")

    @model_validator(mode="after")
    def _tiers_fit_model(self) -> "PriceBookEntryCreate":
        if self.unit_price < 0:
            raise ValueError("unit_price must not be negative")
        if self.pricing_model in (PricingModel.VOLUME, PricingModel.TIERED):
            if not self.tiers:
                raise ValueError(f"{self.pricing_model} pricing needs tiers")
            bounds = [tier.up_to for tier in self.tiers]
            if bounds[-1] is not None or any(bound is None for bound in bounds[:-1]):
                raise ValueError("only the last tier may (and must) have up_to null")
            if any(a >= b for a, b in zip(bounds[:-2], bounds[1:-1], strict=False)):
                raise ValueError("tiers must be in ascending order of up_to")
        return self


class PriceBookEntryPublic(Public):
    id: uuid.UUID
    price_book_id: uuid.UUID
    product_id: uuid.UUID
    unit_price: Amount
    pricing_model: PricingModel
    tiers: list[PriceTierIn] | None


# --- quotes ---------------------------------------------------------------------------------

Percent = Annotated[Decimal, Field(ge=0, le=100, examples=["10"])]


class QuoteLineCreate(BaseModel):
    product_id: uuid.UUID
    quantity: Quantity = Field(gt=0)
    discount_percent: Percent | None = None
    discount_amount: Amount | None = Field(None, ge=0, description="Off the unit price.")
    billing_account_id: uuid.UUID | None = None
    invoice_grouping: InvoiceGrouping | None = None
    invoice_group_id: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _one_discount(self) -> "QuoteLineCreate":
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class QuoteLineUpdate(BaseModel):
    quantity: Quantity | None = Field(None, gt=0)
    discount_percent: Percent | None = None
    discount_amount: Amount | None = Field(None, ge=0)
    billing_account_id: uuid.UUID | None = None
    invoice_grouping: InvoiceGrouping | None = None
    invoice_group_id: str | None = Field(None, max_length=100)


class QuoteCreate(BaseModel):
    type: Literal["new"] = Field("new", description="A new business quote (the default).")
    account_id: uuid.UUID
    price_book_id: uuid.UUID
    start_date: date = Field(examples=["2026-01-15"])
    term_months: int = Field(ge=1, le=120, examples=[12])
    billing_day_of_month: int | None = Field(None, ge=1, le=31, examples=[1])
    payment_term: PaymentTerm | None = Field(None, description="Default: the account's.")
    billing_account_id: uuid.UUID | None = None
    po_number: str | None = Field(None, max_length=100)
    legal_entity: str | None = Field(None, max_length=255, description="Default: the account's.")
    expires_on: date | None = None
    lines: list[QuoteLineCreate] = Field(default_factory=list)


class AmendmentLineCreate(BaseModel):
    """A change to the contract: an existing subscription's new total, or a product to add."""

    subscription_id: uuid.UUID | None = Field(
        None, description="The contract's subscription to change; or give `product_id`."
    )
    product_id: uuid.UUID | None = Field(
        None, description="A product to add, priced from the price book; or `subscription_id`."
    )
    quantity: Quantity = Field(
        ge=0,
        description="The NEW TOTAL quantity of the subscription (0 cancels it), or the quantity "
        "of the product added.",
    )
    discount_percent: Percent | None = Field(None, description="Added products only.")
    discount_amount: Amount | None = Field(None, ge=0, description="Added products only.")
    billing_account_id: uuid.UUID | None = None
    invoice_grouping: InvoiceGrouping | None = None
    invoice_group_id: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _subscription_or_product(self) -> "AmendmentLineCreate":
        if (self.subscription_id is None) == (self.product_id is None):
            raise ValueError("give subscription_id or product_id, exactly one")
        if self.subscription_id is not None and (
            self.discount_percent is not None or self.discount_amount is not None
        ):
            raise ValueError(
                "a subscription keeps its net unit price: discounts apply to added products only"
            )
        if self.product_id is not None and self.quantity <= 0:
            raise ValueError("an added product needs a quantity above 0")
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class AmendmentQuoteCreate(BaseModel):
    """Change a running contract from `start_date` to its end (co-terminated)."""

    type: Literal["amendment"]
    contract_id: uuid.UUID = Field(description="The order-svc contract to amend.")
    account_id: uuid.UUID | None = Field(
        None, description="Default: the contract's account; if given it must be that account."
    )
    start_date: date = Field(
        description="The first day the change applies; within the contract.",
        examples=["2026-03-10"],
    )
    price_book_id: uuid.UUID | None = Field(
        None,
        description="Prices added products. Default: the price book of the quote the contract "
        "came from; required when there is none and a product is added.",
    )
    po_number: str | None = Field(None, max_length=100, description="Default: the contract's.")
    expires_on: date | None = None
    lines: list[AmendmentLineCreate] = Field(
        default_factory=list,
        description="Subscriptions left out, or given their current quantity, stay as they are.",
    )


class RenewalQuoteCreate(BaseModel):
    """The contract's next term, from the day after it ends."""

    type: Literal["renewal"]
    contract_id: uuid.UUID = Field(description="The order-svc contract to renew.")
    account_id: uuid.UUID | None = Field(
        None, description="Default: the contract's account; if given it must be that account."
    )
    uplift_percent: Decimal = Field(
        Decimal(0),
        ge=-100,
        le=1000,
        description="Raises every subscription's net unit price by this percent.",
        examples=["5"],
    )
    term_months: int | None = Field(
        None, ge=1, le=120, description="Default: the contract's original term."
    )
    price_book_id: uuid.UUID | None = Field(
        None,
        description="Prices products added to the renewal. Default: the price book of the quote "
        "the contract came from.",
    )
    po_number: str | None = Field(None, max_length=100, description="Default: the contract's.")
    expires_on: date | None = None


def _quote_type(value: Any) -> str:
    """Which shape a POST /v1/quotes body has: `type`, "new" when absent."""
    if isinstance(value, dict):
        return value.get("type", QuoteType.NEW)
    return getattr(value, "type", QuoteType.NEW)


QuoteRequest = Annotated[
    Annotated[QuoteCreate, Tag(QuoteType.NEW)]
    | Annotated[AmendmentQuoteCreate, Tag(QuoteType.AMENDMENT)]
    | Annotated[RenewalQuoteCreate, Tag(QuoteType.RENEWAL)],
    Discriminator(_quote_type),
]
"""The body of POST /v1/quotes: a new quote, an amendment or a renewal, by `type`."""


class QuoteLinePublic(Public):
    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    product_name: str
    charge_type: ChargeType
    billing_type: BillingType
    billing_frequency: BillingFrequency | None
    pricing_model: PricingModel
    quantity: Quantity
    discount_percent: Amount | None
    discount_amount: Amount | None
    list_unit_price: Amount
    net_unit_price: Amount
    monthly_amount: Amount | None = Field(description="Per month, recurring lines only.")
    amount: Amount | None = Field(description="Once, one-time lines only.")
    net_total: Amount = Field(description="For the whole term.")
    billing_account_id: uuid.UUID | None
    invoice_grouping: InvoiceGrouping | None
    invoice_group_id: str | None
    subscription_id: uuid.UUID | None = Field(
        None, description="Amendments and renewals: the subscription the line changes."
    )
    quantity_delta: Quantity | None = Field(
        None,
        description="Amendments: new total - current quantity; the line's amounts are for it.",
    )


class QuotePublic(Public):
    id: uuid.UUID
    number: str = Field(examples=["Q-000001"])
    type: QuoteType
    contract_id: uuid.UUID | None = Field(
        None, description="Amendments and renewals: the contract they change."
    )
    uplift_percent: Amount | None = Field(None, description="Renewals: the price uplift.")
    status: QuoteStatus
    status_reason: str | None = Field(description="Why the quote is in review or rejected.")
    account_id: uuid.UUID
    price_book_id: uuid.UUID
    currency: str
    start_date: date
    end_date: date
    term_months: int
    billing_day_of_month: int | None
    payment_term: PaymentTerm
    billing_account_id: uuid.UUID | None
    po_number: str | None
    legal_entity: str | None
    expires_on: date | None
    one_time_total: Amount
    monthly_recurring_total: Amount
    total_contract_value: Amount
    lines: list[QuoteLinePublic]
    created_at: datetime
    accepted_at: datetime | None


class ReviewDecision(BaseModel):
    reason: str | None = Field(None, max_length=1000, examples=["Discount within policy."])
