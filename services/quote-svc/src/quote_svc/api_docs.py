"""What the API says the same way in every feature's schemas: the shared field descriptions,
the ids the request examples share (so one example refers to what another created), and the
base of the Public (response) schemas."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

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


def _in_range(
    base: Any,
    *,
    minimum: Decimal,
    maximum: Decimal | None = None,
    above_minimum: bool = False,
    pattern: str,
    integers: tuple[int, int],
    examples: list[str],
    description: str,
) -> Any:
    """`base` (a bounded decimal of `q2c_shared.money`) limited to a range, the range shown in
    the schema too: a decimal string pattern without what is out of range (no minus sign for a
    non-negative number, ...) and integer bounds, so that a client (or schemathesis) reading the
    OpenAPI document alone sends only what is accepted."""
    shown = f"above {minimum}" if above_minimum else f"at least {minimum}"
    if maximum is not None:
        shown += f" and at most {maximum}"

    def check(value: Decimal) -> Decimal:
        too_low = value <= minimum if above_minimum else value < minimum
        if too_low or (maximum is not None and value > maximum):
            raise ValueError(f"must be {shown}")
        return value

    return Annotated[
        base,
        AfterValidator(check),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "pattern": pattern},
                    {"type": "integer", "minimum": integers[0], "maximum": integers[1]},
                ],
                "examples": examples,
                "description": f"{description} A decimal string or an integer, {shown}; never "
                "a JSON float.",
            }
        ),
    ]


_INTEGER_LIMIT = 10**money.MAX_INTEGER_DIGITS - 1
_DIGITS = rf"\d{{1,{money.MAX_INTEGER_DIGITS}}}"
_FRACTION = rf"(\.\d{{1,{money.QUANTITY_DECIMALS}}})?"
_AMOUNT_FRACTION = rf"(\.\d{{1,{money.AMOUNT_DECIMALS}}})?"

PositiveQuantity = _in_range(
    money.Quantity,
    minimum=Decimal(0),
    above_minimum=True,
    # At least one digit other than 0: "0", "0.000" are not above zero.
    pattern=rf"^(?=[0.]*[1-9]){_DIGITS}{_FRACTION}$",
    integers=(1, _INTEGER_LIMIT),
    examples=["10"],
    description="A quantity above 0 (at most 18 digits before the point, 6 after it).",
)
"""Units sold on a new line: more than nothing."""

NonNegativeQuantity = _in_range(
    money.Quantity,
    minimum=Decimal(0),
    pattern=rf"^{_DIGITS}{_FRACTION}$",
    integers=(0, _INTEGER_LIMIT),
    examples=["30"],
    description="A quantity, 0 or more (at most 18 digits before the point, 6 after it).",
)
"""An amendment's new total of a subscription: 0 cancels it."""

NonNegativePrice = _in_range(
    money.Price,
    minimum=Decimal(0),
    pattern=rf"^{_DIGITS}{_FRACTION}$",
    integers=(0, _INTEGER_LIMIT),
    examples=["49.00"],
    description="A unit price, 0 or more (at most 18 digits before the point, 6 after it).",
)
"""A price book's price: never negative, and small enough that every quote using it can be
priced (a 27-digit price would break each of them)."""

NonNegativeAmount = _in_range(
    money.Amount,
    minimum=Decimal(0),
    pattern=rf"^{_DIGITS}{_AMOUNT_FRACTION}$",
    integers=(0, _INTEGER_LIMIT),
    examples=["5.00"],
    description="Money, 0 or more (at most 18 digits before the point; the currency's minor "
    "units after it).",
)
"""A discount off each unit, in the quote's currency (its minor units are checked with it)."""

Percent = _in_range(
    money.Percent,
    minimum=Decimal(0),
    maximum=Decimal(100),
    pattern=rf"^(100(\.0{{1,{money.QUANTITY_DECIMALS}}})?|\d{{1,2}}{_FRACTION})$",
    integers=(0, 100),
    examples=["10"],
    description="A percentage from 0 to 100 (at most 6 decimals).",
)
"""A discount percentage: 0 to 100."""

UpliftPercent = _in_range(
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


CURRENCY_PATTERN = r"^[A-Z]{3}$"
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
