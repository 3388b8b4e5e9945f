"""Order API schemas: direct orders in, orders with their order products out.

Every request field is bounded as CONTRACT.md's HTTP conventions say (digits, decimals, dates
1900..2199, strings without NUL, at most 1,000 order products), in the type, so the OpenAPI
document shows the bound and pydantic refuses the input with a 422 before any work is done.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from order_svc import api_docs as docs
from order_svc.api_docs import Public
from order_svc.statuses import OrderStatus, OrderType
from q2c_shared.billing import charges
from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.bounds import MAX_LINES, BusinessDate, Text
from q2c_shared.events import contracts
from q2c_shared.money import (
    Amount,
    CurrencyCode,
    NonNegativeAmount,
    PositiveQuantity,
    Quantity,
    minor_units,
)


class OrderProductCreate(BaseModel):
    """An order product with explicit prices (direct orders have no quote to price them)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "product_id": docs.SEAT_PRODUCT_ID,
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
    sku: Text = Field(
        min_length=1,
        max_length=100,
        description="The product's SKU, as invoices show it.",
        examples=["SEAT-PRO"],
    )
    product_name: Text = Field(
        min_length=1,
        max_length=255,
        description="The product's name, as invoices show it.",
        examples=["Pro seat"],
    )
    charge_type: ChargeType = Field(description=docs.CHARGE_TYPE)
    billing_type: BillingType = Field(BillingType.ADVANCE, description=docs.BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(
        None,
        description="Recurring products only (default `monthly`): `monthly`, `quarterly`, "
        "`semiannual` or `annual` periods of 1, 3, 6 or 12 months.",
    )
    tax_code: Text | None = Field(None, max_length=50, description=docs.TAX_CODE)
    quantity: PositiveQuantity = Field(description="Units sold, above 0; may be fractional.")
    net_unit_price: NonNegativeAmount = Field(
        description="Per month for recurring products; in the order's currency, with at most "
        "its minor units (USD 2 decimals, JPY 0, KWD 3).",
    )
    start_date: BusinessDate | None = Field(
        None,
        description="Default: the order's start date; within the order's term (from its start "
        "date to start date + term - 1 day).",
    )
    billing_account_id: uuid.UUID | None = Field(None, description=docs.PRODUCT_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(None, description=docs.INVOICE_GROUPING)
    invoice_group_id: Text | None = Field(None, max_length=100, description=docs.INVOICE_GROUP_ID)

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
                    "account_id": docs.ACCOUNT_ID,
                    "currency": "USD",
                    "start_date": "2026-01-15",
                    "term_months": 12,
                    "billing_day_of_month": 1,
                    "payment_term": "net_30",
                    "po_number": "PO-2026-0117",
                    "legal_entity": "q2c Software Inc.",
                    "order_products": [
                        {
                            "product_id": docs.SEAT_PRODUCT_ID,
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
                            "product_id": docs.ONBOARDING_PRODUCT_ID,
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
    currency: CurrencyCode = Field(pattern="^[A-Z]{3}$")
    start_date: BusinessDate = Field(
        description="First day of the contract; ISO date YYYY-MM-DD, 1900-01-01 to 2199-12-31.",
        examples=["2026-01-15"],
    )
    term_months: int = Field(
        strict=True,
        ge=1,
        le=120,
        description="Length of the contract in months (1-120); its end (start date + term - 1 "
        "day) must fall on or before 2199-12-31.",
        examples=[12],
    )
    billing_day_of_month: int | None = Field(
        None,
        strict=True,
        ge=1,
        le=31,
        description="Day billing periods start on (clamped to short months). Default: the "
        "start date's day.",
    )
    payment_term: PaymentTerm = Field(PaymentTerm.NET_30, description=docs.PAYMENT_TERM)
    billing_account_id: uuid.UUID | None = Field(
        None, description="The account invoiced, when not `account_id`."
    )
    po_number: Text | None = Field(
        None, max_length=100, description="The customer's purchase order number, on invoices."
    )
    legal_entity: Text | None = Field(
        None, max_length=255, description="Your selling entity; invoices number per entity."
    )
    order_products: list[OrderProductCreate] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description=f"What is sold; at least one, at most {MAX_LINES:,}.",
    )


class OrderProductPublic(Public):
    id: uuid.UUID = Field(description="The order product's id; billing schedules refer to it.")
    product_id: uuid.UUID = Field(description="The quote-svc product sold.")
    sku: str = Field(description="The product's SKU, as invoices show it.")
    product_name: str = Field(description="The product's name, as invoices show it.")
    charge_type: ChargeType = Field(description=docs.CHARGE_TYPE)
    billing_type: BillingType = Field(description=docs.BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(description=docs.BILLING_FREQUENCY)
    tax_code: str | None = Field(description=docs.TAX_CODE)
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
    billing_account_id: uuid.UUID | None = Field(description=docs.PRODUCT_BILLING_ACCOUNT)
    invoice_grouping: InvoiceGrouping | None = Field(description=docs.INVOICE_GROUPING)
    invoice_group_id: str | None = Field(description=docs.INVOICE_GROUP_ID)
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
    payment_term: PaymentTerm = Field(description=docs.PAYMENT_TERM)
    po_number: str | None = Field(description="The customer's purchase order number.")
    legal_entity: str | None = Field(description="Your selling entity; invoices number per entity.")
    billing_day_of_month: int | None = Field(
        description="Day billing periods start on; null: each start date's day."
    )
    activated_on: date | None = Field(
        description="When it was activated; ISO date YYYY-MM-DD; null while draft."
    )
    created_at: datetime = Field(description=docs.CREATED_AT)
    order_products: list[OrderProductPublic] = Field(description="What was sold, in order.")


# --- accepted quotes in ---------------------------------------------------------------------
# `QuoteAccepted` as this service reads it: the shared contract, with the bounds an order's rows
# need. An event beyond them fails validation before anything is written, so the consumer
# dead-letters it instead of writing part of an order or crashing on a row.

_UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
IdText = Annotated[str, StringConstraints(pattern=_UUID_PATTERN)]
"""An id in its text form, as events carry ids: anything else is refused, not stored."""


class AcceptedQuoteLine(contracts.QuoteLineSnapshot):
    product_id: IdText
    sku: Text = Field(max_length=100)
    product_name: Text = Field(max_length=255)
    charge_type: ChargeType
    billing_type: BillingType
    billing_frequency: BillingFrequency | None = None
    tax_code: Text | None = Field(None, max_length=50)
    billing_account_id: IdText | None = None
    invoice_grouping: InvoiceGrouping | None = None
    invoice_group_id: Text | None = Field(None, max_length=100)
    subscription_id: IdText | None = None


class AcceptedQuoteSnapshot(contracts.QuoteSnapshot):
    id: IdText
    type: OrderType = OrderType.NEW
    account_id: IdText
    currency: CurrencyCode
    start_date: BusinessDate
    end_date: BusinessDate
    billing_day_of_month: int | None = Field(None, strict=True, ge=1, le=31)
    payment_term: PaymentTerm
    billing_account_id: IdText | None = None
    po_number: Text | None = Field(None, max_length=100)
    legal_entity: Text | None = Field(None, max_length=255)
    contract_id: IdText | None = None
    lines: list[AcceptedQuoteLine] = Field(max_length=MAX_LINES)

    @model_validator(mode="after")
    def _coherent(self) -> "AcceptedQuoteSnapshot":
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        units = minor_units(self.currency)
        for position, line in enumerate(self.lines):
            for name in ("net_unit_price", "monthly_amount", "amount"):
                value = getattr(line, name)
                if value is not None and _decimals(value) > units:
                    raise ValueError(
                        f"lines.{position}.{name} {value} has more decimals than "
                        f"{self.currency} has minor units ({units})"
                    )
        return self


class AcceptedQuote(contracts.QuoteAccepted):
    quote: AcceptedQuoteSnapshot


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
