"""What the API says the same way in every feature's schemas: the shared field descriptions,
the ids the request examples share (so one example refers to what another created), and the
base of the Public (response) schemas."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from q2c_shared import money
from q2c_shared.bounds import Text

ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"
BILLING_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a71"
SEAT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b80"
ONBOARDING_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b81"
SUPPORT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b82"
PRICE_BOOK_ID = "0191b2c3-6f70-7b12-8c3d-4e5f6a7b8c90"
CONTRACT_ID = "0191d4e5-7081-7c23-9d4e-5f6a7b8c9da0"
SUBSCRIPTION_ID = "0191d4e5-8192-7d34-8e5f-6a7b8c9dae0b"

CHARGE_TYPE = (
    "`one_time` (billed once, on the start date), `recurring` (billed every period of the "
    "billing frequency) or `usage` (billed on consumption; not priced on quotes)."
)
BILLING_TYPE = "`advance`: a period is billed from its first day; `arrears`: from its last day."
BILLING_FREQUENCY = (
    "How many months a billing period spans: `monthly` 1, `quarterly` 3, `semiannual` 6, "
    "`annual` 12. Null for one-time and usage products."
)
PAYMENT_TERM = (
    "Days from invoice date to due date: `due_on_receipt` 0, `net_15`, `net_30`, `net_45`, "
    "`net_60`, `net_90`."
)
PRICING_MODEL = (
    "`per_unit`: unit price x quantity; `flat`: the unit price whatever the quantity; `volume`: "
    "every unit at the price of the tier the quantity falls in; `tiered`: each unit at the price "
    "of its own tier (graduated)."
)
INVOICE_GROUPING = (
    "What else splits invoices of the same bill-to, currency and payment term: "
    "`contract_number`, `order`, `po_number`, `legal_entity`, `separate` (an invoice of its "
    "own) or `invoice_group_id`. Null: no further split."
)
INVOICE_GROUP_ID = (
    "Your label: lines with the same one share an invoice when `invoice_grouping` is "
    "`invoice_group_id`."
)
LINE_BILLING_ACCOUNT = (
    "The account invoiced for this line, when not the quote's bill-to; an account of quote-svc."
)


PositiveQuantity = money.PositiveQuantity
"""Units sold on a new line: more than nothing."""
NonNegativeQuantity = money.NonNegativeQuantity
"""An amendment's new total of a subscription: 0 cancels it."""
NonNegativePrice = money.NonNegativePrice
"""A price book's price: never negative, and small enough that every quote using it can be
priced (a 27-digit price would break each of them)."""
NonNegativeAmount = money.NonNegativeAmount
"""A discount off each unit, in the quote's currency (its minor units are checked with it)."""
Percent = money.PercentOfHundred
"""A discount percentage: 0 to 100."""

_FRACTION = rf"(\.\d{{1,{money.QUANTITY_DECIMALS}}})?"

UpliftPercent = money.in_range(
    money.Percent,
    minimum=Decimal(-100),
    maximum=Decimal("999.999999"),
    pattern=rf"^(-100(\.0{{1,{money.QUANTITY_DECIMALS}}})?|-\d{{1,2}}{_FRACTION}"
    rf"|\d{{1,3}}{_FRACTION})$",
    integers=(-100, 999),
    examples=["5"],
    description="A percentage from -100 to 999.999999 (at most 6 decimals).",
)
"""A renewal's price change: down to -100% (free), up to almost ten times the price."""


def not_null(schema: dict[str, Any]) -> None:
    """For a field that may be left out but not set to null (a PATCH of a required column):
    typed without `None`, defaulting to None so that leaving it out changes nothing; the schema
    then shows no `default: null` that its type could not hold."""
    schema.pop("default", None)


def text(max_length: int) -> Any:
    """A string of at most `max_length` characters and without NUL (PostgreSQL cannot store
    one): every free string a request carries."""
    return Annotated[Text, Field(max_length=max_length)]


CURRENCY_PATTERN = money.CURRENCY_PATTERN
"""What an ISO 4217 code looks like, shown in the schema (the code must also be one q2c knows)."""
NAME_LENGTH = 200
"""Names: of accounts, products, price books."""
REFERENCE_LENGTH = 200
"""References: purchase order numbers, legal entities, e-mail addresses, address lines."""
CODE_LENGTH = 100
"""Codes and ids of the client's: SKUs, tax codes, invoice group ids."""
REASON_LENGTH = 1000
"""Free text: why a quote was approved or rejected."""


class Public(BaseModel):
    """Response schemas read their fields from the rows (`from_attributes`)."""

    model_config = ConfigDict(from_attributes=True)
