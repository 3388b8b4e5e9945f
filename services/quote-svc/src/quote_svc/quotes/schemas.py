"""Quote API schemas: quotes and their lines, requests and responses."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from q2c_shared import money
from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.bounds import MAX_LINES, BusinessDate
from q2c_shared.money import Amount, Price, Quantity
from quote_svc import api_docs as docs
from quote_svc.api_docs import (
    CODE_LENGTH,
    REASON_LENGTH,
    REFERENCE_LENGTH,
    NonNegativeAmount,
    Percent,
    PositiveQuantity,
    Public,
    not_null,
    text,
)
from quote_svc.contract_quotes.schemas import AmendmentQuoteCreate, RenewalQuoteCreate
from quote_svc.core.pricing import PricingModel
from quote_svc.statuses import QuoteStatus, QuoteType


class QuoteLineCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"product_id": docs.SEAT_PRODUCT_ID, "quantity": "25", "discount_percent": "10"},
                {
                    "product_id": docs.SUPPORT_PRODUCT_ID,
                    "quantity": "1",
                    "billing_account_id": docs.BILLING_ACCOUNT_ID,
                    "invoice_grouping": "separate",
                },
            ]
        }
    )

    product_id: uuid.UUID = Field(
        description="The product sold; priced from the quote's price book (unknown: 422)."
    )
    quantity: PositiveQuantity = Field(description="Units sold, above 0; may be fractional.")
    discount_percent: Percent | None = Field(
        None,
        description="Percent (0-100) off the priced amount; or give `discount_amount`. Above "
        "the approval threshold (20% by default) the quote goes to review on submit.",
    )
    discount_amount: NonNegativeAmount | None = Field(
        None,
        description="Off the unit price: per unit (per month for recurring), in the quote's "
        "currency (at most its minor units); or give `discount_percent`.",
    )
    billing_account_id: uuid.UUID | None = Field(None, description=docs.LINE_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(None, description=docs.INVOICE_GROUPING)
    invoice_group_id: text(CODE_LENGTH) | None = Field(None, description=docs.INVOICE_GROUP_ID)

    @model_validator(mode="after")
    def _one_discount(self) -> "QuoteLineCreate":
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class QuoteLineUpdate(BaseModel):
    """Only the fields given change; a new discount of one kind clears the other kind.
    `quantity` cannot be null (leave it out to keep it)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"quantity": "30", "discount_amount": "5.00"}]}
    )

    quantity: PositiveQuantity = Field(
        None, description="Units sold, above 0.", json_schema_extra=not_null
    )
    discount_percent: Percent | None = Field(
        None, description="Percent (0-100) off the priced amount; clears `discount_amount`."
    )
    discount_amount: NonNegativeAmount | None = Field(
        None,
        description="Off the unit price: per unit (per month for recurring), in the quote's "
        "currency (at most its minor units); clears `discount_percent`.",
    )
    billing_account_id: uuid.UUID | None = Field(None, description=docs.LINE_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(None, description=docs.INVOICE_GROUPING)
    invoice_group_id: text(CODE_LENGTH) | None = Field(None, description=docs.INVOICE_GROUP_ID)

    @model_validator(mode="after")
    def _one_discount(self) -> "QuoteLineUpdate":
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class QuoteCreate(BaseModel):
    """A quote for a new contract, priced from a price book."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "new",
                    "account_id": docs.ACCOUNT_ID,
                    "price_book_id": docs.PRICE_BOOK_ID,
                    "start_date": "2026-01-15",
                    "term_months": 12,
                    "billing_day_of_month": 1,
                    "payment_term": "net_30",
                    "po_number": "PO-2026-0117",
                    "expires_on": "2026-01-31",
                    "lines": [
                        {
                            "product_id": docs.SEAT_PRODUCT_ID,
                            "quantity": "25",
                            "discount_percent": "10",
                        },
                        {"product_id": docs.ONBOARDING_PRODUCT_ID, "quantity": "1"},
                    ],
                }
            ]
        }
    )

    type: Literal["new"] = Field("new", description="A new business quote (the default).")
    account_id: uuid.UUID = Field(description="The customer; an account of quote-svc.")
    price_book_id: uuid.UUID = Field(
        description="Prices the lines; its currency must be the account's (else 422)."
    )
    start_date: BusinessDate = Field(
        description="First day of the contract; ISO date YYYY-MM-DD, 1900-01-01 to 2199-12-31, "
        "and so is its last day (start + term months - 1 day).",
        examples=["2026-01-15"],
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
        examples=[1],
    )
    payment_term: PaymentTerm | None = Field(
        None, description=f"Default: the account's. {docs.PAYMENT_TERM}"
    )
    billing_account_id: uuid.UUID | None = Field(
        None, description="The account invoiced, when not `account_id`."
    )
    po_number: text(CODE_LENGTH) | None = Field(
        None, description="The customer's purchase order number, on invoices."
    )
    legal_entity: text(REFERENCE_LENGTH) | None = Field(None, description="Default: the account's.")
    expires_on: BusinessDate | None = Field(
        None, description="Last day it can be accepted (later: 409); ISO date YYYY-MM-DD."
    )
    lines: list[QuoteLineCreate] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description=f"What is sold; more can be added while draft, up to {MAX_LINES:,} lines "
        "in all.",
    )


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
    id: uuid.UUID = Field(description="The line's id; names it in PATCH and DELETE.")
    product_id: uuid.UUID = Field(description="The product sold.")
    sku: str = Field(description="The product's SKU when the line was added.")
    product_name: str = Field(description="The product's name when the line was added.")
    charge_type: ChargeType = Field(description=docs.CHARGE_TYPE)
    billing_type: BillingType = Field(description=docs.BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(description=docs.BILLING_FREQUENCY)
    pricing_model: PricingModel = Field(
        description=f"From the price book entry. {docs.PRICING_MODEL}"
    )
    quantity: Quantity = Field(
        description="Units sold; amendments: the subscription's new total quantity."
    )
    discount_percent: money.Percent | None = Field(
        description="Percent (0-100) off the priced amount."
    )
    discount_amount: Amount | None = Field(
        description="Off each unit (per month for recurring), in the quote's currency."
    )
    list_unit_price: Price = Field(
        description="Price book price of one unit before discount: per month for recurring, "
        "once for one-time; in the quote's currency."
    )
    net_unit_price: Price = Field(
        description="Price of one unit after discount: per month for recurring, once for "
        "one-time; in the quote's currency."
    )
    monthly_amount: Amount | None = Field(description="Per month, recurring lines only.")
    amount: Amount | None = Field(description="Once, one-time lines only.")
    net_total: Amount = Field(description="For the whole term.")
    billing_account_id: uuid.UUID | None = Field(
        description="The account invoiced for this line, when not the quote's bill-to."
    )
    invoice_grouping: InvoiceGrouping | None = Field(description=docs.INVOICE_GROUPING)
    invoice_group_id: str | None = Field(description=docs.INVOICE_GROUP_ID)
    subscription_id: uuid.UUID | None = Field(
        None, description="Amendments and renewals: the subscription the line changes."
    )
    quantity_delta: Quantity | None = Field(
        None,
        description="Amendments: new total - current quantity; the line's amounts are for it.",
    )


class QuotePublic(Public):
    id: uuid.UUID = Field(description="The quote's id (UUIDv7).")
    number: str = Field(description="Human-readable quote number.", examples=["Q-000001"])
    type: QuoteType = Field(
        description="`new` (a new contract), `amendment` (changes one from `start_date` to its "
        "end) or `renewal` (its next term)."
    )
    contract_id: uuid.UUID | None = Field(
        None, description="Amendments and renewals: the contract they change."
    )
    uplift_percent: money.Percent | None = Field(None, description="Renewals: the price uplift.")
    status: QuoteStatus = Field(
        description="`draft` (lines can change), `in_review` (a discount above the threshold "
        "awaits approval), `approved` (can be accepted), `rejected`, or `accepted` (became an "
        "order)."
    )
    status_reason: str | None = Field(description="Why the quote is in review or rejected.")
    account_id: uuid.UUID = Field(description="The customer.")
    price_book_id: uuid.UUID = Field(description="The price book the lines are priced from.")
    currency: str = Field(description="ISO 4217 code of every amount on the quote.")
    start_date: date = Field(description="First day of the term; ISO date YYYY-MM-DD.")
    end_date: date = Field(
        description="Last day of the term (start + term months - 1 day; amendments: the "
        "contract's end); ISO date YYYY-MM-DD."
    )
    term_months: int = Field(description="Length of the term in months.")
    billing_day_of_month: int | None = Field(
        description="Day billing periods start on; null: the start date's day."
    )
    payment_term: PaymentTerm = Field(description=docs.PAYMENT_TERM)
    billing_account_id: uuid.UUID | None = Field(
        description="The account invoiced, when not `account_id`."
    )
    po_number: str | None = Field(description="The customer's purchase order number.")
    legal_entity: str | None = Field(description="Your selling entity; invoices number per entity.")
    expires_on: date | None = Field(description="Last day it can be accepted; ISO date YYYY-MM-DD.")
    one_time_total: Amount = Field(
        description="Sum of the one-time lines' amounts, in the quote's currency."
    )
    monthly_recurring_total: Amount = Field(
        description="Per month: sum of the recurring lines' monthly amounts, in the quote's "
        "currency."
    )
    total_contract_value: Amount = Field(
        description="For the whole term: one-time total + monthly recurring total x term "
        "months (amendments: what the change bills to the contract's end)."
    )
    lines: list[QuoteLinePublic] = Field(description="The lines, in the order they were added.")
    created_at: datetime = Field(description="When it was created; ISO 8601 date-time, UTC.")
    accepted_at: datetime | None = Field(
        description="When it was accepted; ISO 8601 date-time, UTC; null until then."
    )


class ReviewDecision(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Discount within policy."}]}
    )

    reason: text(REASON_LENGTH) | None = Field(
        None,
        description="Why it was approved or rejected; shown as the quote's `status_reason`.",
        examples=["Discount within policy."],
    )
