"""quote-svc API schemas: Create / Update / Public shapes, apart from the tables."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from q2c_shared.billing import charges
from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, CurrencyCode, Quantity
from quote_svc.pricing import PricingModel

# Ids the request examples share, so that one example refers to what another created.
_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"
_BILLING_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a71"
_SEAT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b80"
_ONBOARDING_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b81"
_SUPPORT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b82"
_PRICE_BOOK_ID = "0191b2c3-6f70-7b12-8c3d-4e5f6a7b8c90"
_CONTRACT_ID = "0191d4e5-7081-7c23-9d4e-5f6a7b8c9da0"
_SUBSCRIPTION_ID = "0191d4e5-8192-7d34-8e5f-6a7b8c9dae0b"

_CHARGE_TYPE = (
    "`one_time` (billed once, on the start date), `recurring` (billed every period of the "
    "billing frequency) or `usage` (billed on consumption; not priced on quotes)."
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
_PRICING_MODEL = (
    "`per_unit`: unit price x quantity; `flat`: the unit price whatever the quantity; `volume`: "
    "every unit at the price of the tier the quantity falls in; `tiered`: each unit at the price "
    "of its own tier (graduated)."
)
_INVOICE_GROUPING = (
    "What else splits invoices of the same bill-to, currency and payment term: "
    "`contract_number`, `order`, `po_number`, `legal_entity`, `separate` (an invoice of its "
    "own) or `invoice_group_id`. Null: no further split."
)
_INVOICE_GROUP_ID = (
    "Your label: lines with the same one share an invoice when `invoice_grouping` is "
    "`invoice_group_id`."
)
_LINE_BILLING_ACCOUNT = (
    "The account invoiced for this line, when not the quote's bill-to; an account of quote-svc."
)


class QuoteType(StrEnum):
    """`new` business, an `amendment` of a running contract, or its `renewal`."""

    NEW = "new"
    AMENDMENT = "amendment"
    RENEWAL = "renewal"


class QuoteStatus(StrEnum):
    """Where a quote is in its approval flow, from `draft` to `accepted`."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    ACCEPTED = "accepted"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- accounts -------------------------------------------------------------------------------


class BillingAddress(BaseModel):
    """Where invoices are addressed; with a product's tax code it decides the tax rate."""

    line1: str = Field(description="Street and number.", examples=["1 Market St"])
    line2: str | None = Field(None, description="Suite, floor or building; optional.")
    city: str = Field(description="City or town.", examples=["San Francisco"])
    region: str | None = Field(
        None,
        description="State, province or county.",
        examples=["CA"],
    )
    postal_code: str | None = Field(None, description="ZIP or postal code.", examples=["94105"])
    country: str = Field(
        min_length=2, max_length=2, description="ISO 3166-1 alpha-2.", examples=["US"]
    )


class AccountCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme Corp",
                    "currency": "USD",
                    "email": "billing@acme.example",
                    "billing_address": {
                        "line1": "1 Market St",
                        "line2": "Suite 300",
                        "city": "San Francisco",
                        "region": "CA",
                        "postal_code": "94105",
                        "country": "US",
                    },
                    "payment_term": "net_30",
                    "legal_entity": "q2c Software Inc.",
                    "tax_exempt": False,
                }
            ]
        }
    )

    name: str = Field(
        min_length=1,
        max_length=255,
        description="The customer's legal or trading name, as invoices show it.",
        examples=["Acme Corp"],
    )
    currency: CurrencyCode
    email: str | None = Field(
        None,
        max_length=255,
        description="Where invoices and payment reminders are sent.",
        examples=["billing@acme.example"],
    )
    billing_address: BillingAddress | None = Field(
        None, description="Where invoices are addressed; the tax rate depends on it."
    )
    payment_term: PaymentTerm = Field(
        PaymentTerm.NET_30, description=f"Default for the account's quotes. {_PAYMENT_TERM}"
    )
    legal_entity: str | None = Field(
        None,
        max_length=255,
        examples=["Acme Holdings Ltd"],
        description="Your selling entity; invoices number per entity.",
    )
    tax_exempt: bool = Field(False, description="True: the account's invoices carry no tax.")


class AccountUpdate(BaseModel):
    """Only the fields given change; `currency` is fixed once the account exists."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ap@acme.example", "payment_term": "net_45"}]}
    )

    name: str | None = Field(
        None, min_length=1, max_length=255, description="The customer's new name."
    )
    email: str | None = Field(
        None, max_length=255, description="Where invoices and payment reminders are sent."
    )
    billing_address: BillingAddress | None = Field(
        None, description="Replaces the whole billing address."
    )
    payment_term: PaymentTerm | None = Field(
        None, description=f"Default for quotes created from now on. {_PAYMENT_TERM}"
    )
    legal_entity: str | None = Field(
        None, max_length=255, description="Your selling entity; invoices number per entity."
    )
    tax_exempt: bool | None = Field(None, description="True: the account's invoices carry no tax.")


class AccountPublic(Public):
    id: uuid.UUID = Field(description="The account's id (UUIDv7); the Kafka key of its events.")
    name: str = Field(description="The customer's legal or trading name, as invoices show it.")
    currency: str = Field(description="ISO 4217 code the account is quoted and invoiced in.")
    email: str | None = Field(description="Where invoices and payment reminders are sent.")
    billing_address: BillingAddress | None = Field(
        description="Where invoices are addressed; the tax rate depends on it."
    )
    payment_term: PaymentTerm = Field(description=f"Default for quotes. {_PAYMENT_TERM}")
    legal_entity: str | None = Field(description="Your selling entity; invoices number per entity.")
    tax_exempt: bool = Field(description="True: the account's invoices carry no tax.")
    created_at: datetime = Field(description="When it was created; ISO 8601 date-time, UTC.")
    updated_at: datetime = Field(description="When it last changed; ISO 8601 date-time, UTC.")


# --- catalog --------------------------------------------------------------------------------


class ProductCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "SEAT-PRO",
                    "name": "Pro seat",
                    "charge_type": "recurring",
                    "billing_type": "advance",
                    "billing_frequency": "monthly",
                    "tax_code": "SAAS",
                }
            ]
        }
    )

    sku: str = Field(
        min_length=1,
        max_length=100,
        description="Stock keeping unit; unique across the catalog (a second one is a 409).",
        examples=["SEAT-PRO"],
    )
    name: str = Field(
        min_length=1,
        max_length=255,
        description="What quotes and invoices call the product.",
        examples=["Pro seat"],
    )
    charge_type: ChargeType = Field(description=_CHARGE_TYPE, examples=["recurring"])
    billing_type: BillingType = Field(BillingType.ADVANCE, description=_BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(
        None,
        description="Required for recurring products (default `monthly`): `monthly`, "
        "`quarterly`, `semiannual` or `annual` periods of 1, 3, 6 or 12 months.",
        examples=["monthly"],
    )
    tax_code: str | None = Field(
        None,
        max_length=50,
        description="The product's tax category; with the bill-to's address it picks the tax rate.",
        examples=["SAAS"],
    )

    @model_validator(mode="after")
    def _frequency_for_recurring(self) -> "ProductCreate":
        if charges.rule(self.charge_type).recurs and self.billing_frequency is None:
            self.billing_frequency = BillingFrequency.MONTHLY
        return self


class ProductPublic(Public):
    id: uuid.UUID = Field(description="The product's id (UUIDv7).")
    sku: str = Field(description="Stock keeping unit; unique across the catalog.")
    name: str = Field(description="What quotes and invoices call the product.")
    charge_type: ChargeType = Field(description=_CHARGE_TYPE)
    billing_type: BillingType = Field(description=_BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(description=_BILLING_FREQUENCY)
    tax_code: str | None = Field(
        description="The product's tax category; with the bill-to's address it picks the tax rate."
    )
    created_at: datetime = Field(description="When it was created; ISO 8601 date-time, UTC.")


class PriceBookCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Standard USD", "currency": "USD"}]}
    )

    name: str = Field(
        min_length=1,
        max_length=255,
        description="What sales reps pick the price book by.",
        examples=["Standard USD"],
    )
    currency: CurrencyCode


class PriceBookPublic(Public):
    id: uuid.UUID = Field(description="The price book's id (UUIDv7).")
    name: str = Field(description="What sales reps pick the price book by.")
    currency: str = Field(description="ISO 4217 code of every price in it and of its quotes.")
    created_at: datetime = Field(description="When it was created; ISO 8601 date-time, UTC.")


class PriceTierIn(BaseModel):
    """One band of a volume or tiered price: units above the previous tier's `up_to`."""

    up_to: Quantity | None = Field(None, description="Last unit of the tier; null for the last.")
    unit_price: Amount = Field(
        description="Per unit in this tier (per month for recurring products), in the price "
        "book's currency."
    )


class PriceBookEntryCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "product_id": _SEAT_PRODUCT_ID,
                    "unit_price": "49.00",
                    "pricing_model": "per_unit",
                },
                {
                    "product_id": _SEAT_PRODUCT_ID,
                    "unit_price": "49.00",
                    "pricing_model": "tiered",
                    "tiers": [
                        {"up_to": "10", "unit_price": "49.00"},
                        {"up_to": "50", "unit_price": "44.00"},
                        {"up_to": None, "unit_price": "39.00"},
                    ],
                },
            ]
        }
    )

    product_id: uuid.UUID = Field(description="The product priced; it must exist (else 422).")
    unit_price: Amount = Field(
        description="Per month for recurring products, once for one-time ones; in the price "
        "book's currency, not negative. `flat`: the whole line's price; `volume` and `tiered` "
        "price from `tiers` instead."
    )
    pricing_model: PricingModel = Field(PricingModel.PER_UNIT, description=_PRICING_MODEL)
    tiers: list[PriceTierIn] | None = Field(
        None,
        description="For volume and tiered pricing: ascending `up_to`, the last one null.",
    )

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
    id: uuid.UUID = Field(description="The entry's id (UUIDv7).")
    price_book_id: uuid.UUID = Field(description="The price book the price belongs to.")
    product_id: uuid.UUID = Field(description="The product priced; one entry per product.")
    unit_price: Amount = Field(
        description="Per month for recurring products, once for one-time ones; in the price "
        "book's currency."
    )
    pricing_model: PricingModel = Field(description=_PRICING_MODEL)
    tiers: list[PriceTierIn] | None = Field(
        description="Volume and tiered pricing: the bands, ascending; null otherwise."
    )


# --- quotes ---------------------------------------------------------------------------------

Percent = Annotated[Decimal, Field(ge=0, le=100, examples=["10"])]


class QuoteLineCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"product_id": _SEAT_PRODUCT_ID, "quantity": "25", "discount_percent": "10"},
                {
                    "product_id": _SUPPORT_PRODUCT_ID,
                    "quantity": "1",
                    "billing_account_id": _BILLING_ACCOUNT_ID,
                    "invoice_grouping": "separate",
                },
            ]
        }
    )

    product_id: uuid.UUID = Field(
        description="The product sold; priced from the quote's price book (unknown: 422)."
    )
    quantity: Quantity = Field(gt=0, description="Units sold, above 0; may be fractional.")
    discount_percent: Percent | None = Field(
        None,
        description="Percent (0-100) off the priced amount; or give `discount_amount`. Above "
        "the approval threshold (20% by default) the quote goes to review on submit.",
    )
    discount_amount: Amount | None = Field(
        None,
        ge=0,
        description="Off the unit price: per unit (per month for recurring), in the quote's "
        "currency; or give `discount_percent`.",
    )
    billing_account_id: uuid.UUID | None = Field(None, description=_LINE_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(None, description=_INVOICE_GROUPING)
    invoice_group_id: str | None = Field(None, max_length=100, description=_INVOICE_GROUP_ID)

    @model_validator(mode="after")
    def _one_discount(self) -> "QuoteLineCreate":
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class QuoteLineUpdate(BaseModel):
    """Only the fields given change; a new discount of one kind clears the other kind."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"quantity": "30", "discount_amount": "5.00"}]}
    )

    quantity: Quantity | None = Field(None, gt=0, description="Units sold, above 0.")
    discount_percent: Percent | None = Field(
        None, description="Percent (0-100) off the priced amount; clears `discount_amount`."
    )
    discount_amount: Amount | None = Field(
        None,
        ge=0,
        description="Off the unit price: per unit (per month for recurring), in the quote's "
        "currency; clears `discount_percent`.",
    )
    billing_account_id: uuid.UUID | None = Field(None, description=_LINE_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(None, description=_INVOICE_GROUPING)
    invoice_group_id: str | None = Field(None, max_length=100, description=_INVOICE_GROUP_ID)


class QuoteCreate(BaseModel):
    """A quote for a new contract, priced from a price book."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "new",
                    "account_id": _ACCOUNT_ID,
                    "price_book_id": _PRICE_BOOK_ID,
                    "start_date": "2026-01-15",
                    "term_months": 12,
                    "billing_day_of_month": 1,
                    "payment_term": "net_30",
                    "po_number": "PO-2026-0117",
                    "expires_on": "2026-01-31",
                    "lines": [
                        {
                            "product_id": _SEAT_PRODUCT_ID,
                            "quantity": "25",
                            "discount_percent": "10",
                        },
                        {"product_id": _ONBOARDING_PRODUCT_ID, "quantity": "1"},
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
        examples=[1],
    )
    payment_term: PaymentTerm | None = Field(
        None, description=f"Default: the account's. {_PAYMENT_TERM}"
    )
    billing_account_id: uuid.UUID | None = Field(
        None, description="The account invoiced, when not `account_id`."
    )
    po_number: str | None = Field(
        None, max_length=100, description="The customer's purchase order number, on invoices."
    )
    legal_entity: str | None = Field(None, max_length=255, description="Default: the account's.")
    expires_on: date | None = Field(
        None, description="Last day it can be accepted (later: 409); ISO date YYYY-MM-DD."
    )
    lines: list[QuoteLineCreate] = Field(
        default_factory=list, description="What is sold; more can be added while draft."
    )


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
    billing_account_id: uuid.UUID | None = Field(
        None, description=f"Added products only. {_LINE_BILLING_ACCOUNT}"
    )
    invoice_grouping: InvoiceGrouping | None = Field(None, description=_INVOICE_GROUPING)
    invoice_group_id: str | None = Field(None, max_length=100, description=_INVOICE_GROUP_ID)

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "amendment",
                    "contract_id": _CONTRACT_ID,
                    "start_date": "2026-03-10",
                    "po_number": "PO-2026-0342",
                    "lines": [
                        {"subscription_id": _SUBSCRIPTION_ID, "quantity": "30"},
                        {
                            "product_id": _SUPPORT_PRODUCT_ID,
                            "quantity": "1",
                            "discount_percent": "5",
                        },
                    ],
                }
            ]
        }
    )

    type: Literal["amendment"] = Field(description="Marks the body as an amendment quote.")
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
    expires_on: date | None = Field(
        None, description="Last day it can be accepted (later: 409); ISO date YYYY-MM-DD."
    )
    lines: list[AmendmentLineCreate] = Field(
        default_factory=list,
        description="Subscriptions left out, or given their current quantity, stay as they are.",
    )


class RenewalQuoteCreate(BaseModel):
    """The contract's next term, from the day after it ends."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "renewal",
                    "contract_id": _CONTRACT_ID,
                    "uplift_percent": "5",
                    "term_months": 12,
                    "po_number": "PO-2027-0015",
                    "expires_on": "2026-12-31",
                }
            ]
        }
    )

    type: Literal["renewal"] = Field(description="Marks the body as a renewal quote.")
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
    expires_on: date | None = Field(
        None, description="Last day it can be accepted (later: 409); ISO date YYYY-MM-DD."
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
    charge_type: ChargeType = Field(description=_CHARGE_TYPE)
    billing_type: BillingType = Field(description=_BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(description=_BILLING_FREQUENCY)
    pricing_model: PricingModel = Field(description=f"From the price book entry. {_PRICING_MODEL}")
    quantity: Quantity = Field(
        description="Units sold; amendments: the subscription's new total quantity."
    )
    discount_percent: Amount | None = Field(description="Percent (0-100) off the priced amount.")
    discount_amount: Amount | None = Field(
        description="Off each unit (per month for recurring), in the quote's currency."
    )
    list_unit_price: Amount = Field(
        description="Price book price of one unit before discount: per month for recurring, "
        "once for one-time; in the quote's currency."
    )
    net_unit_price: Amount = Field(
        description="Price of one unit after discount: per month for recurring, once for "
        "one-time; in the quote's currency."
    )
    monthly_amount: Amount | None = Field(description="Per month, recurring lines only.")
    amount: Amount | None = Field(description="Once, one-time lines only.")
    net_total: Amount = Field(description="For the whole term.")
    billing_account_id: uuid.UUID | None = Field(
        description="The account invoiced for this line, when not the quote's bill-to."
    )
    invoice_grouping: InvoiceGrouping | None = Field(description=_INVOICE_GROUPING)
    invoice_group_id: str | None = Field(description=_INVOICE_GROUP_ID)
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
    uplift_percent: Amount | None = Field(None, description="Renewals: the price uplift.")
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
    payment_term: PaymentTerm = Field(description=_PAYMENT_TERM)
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

    reason: str | None = Field(
        None,
        max_length=1000,
        description="Why it was approved or rejected; shown as the quote's `status_reason`.",
        examples=["Discount within policy."],
    )
