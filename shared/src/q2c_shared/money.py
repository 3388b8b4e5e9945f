"""Money: `Decimal` amounts with ISO 4217 minor units, rounded half-up, never a float.

Amounts travel as decimal strings in JSON (`"1234.50"`); a JSON float is refused at the edge so
that no binary fraction ever reaches a ledger.
"""

import re
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from q2c_shared.problems import Unprocessable

# ISO 4217 minor units for the currencies that differ from the usual two decimals, plus the
# common two-decimal ones so that an unknown code is refused rather than guessed.
_MINOR_UNITS: dict[str, int] = {
    **{
        code: 0
        for code in (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        )
    },
    **{code: 3 for code in ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")},
    **{
        code: 2
        for code in (
            "AED",
            "ARS",
            "AUD",
            "BRL",
            "CAD",
            "CHF",
            "CNY",
            "COP",
            "CZK",
            "DKK",
            "EGP",
            "EUR",
            "GBP",
            "HKD",
            "HUF",
            "IDR",
            "ILS",
            "INR",
            "MAD",
            "MXN",
            "MYR",
            "NGN",
            "NOK",
            "NZD",
            "PEN",
            "PHP",
            "PKR",
            "PLN",
            "QAR",
            "RON",
            "RUB",
            "SAR",
            "SEK",
            "SGD",
            "THB",
            "TRY",
            "TWD",
            "UAH",
            "USD",
            "ZAR",
        )
    },
}

SUPPORTED_CURRENCIES: frozenset[str] = frozenset(_MINOR_UNITS)


class UnknownCurrencyError(ValueError):
    """The currency is not an ISO 4217 code that q2c knows the minor units of."""


MAX_INTEGER_DIGITS = 18
"""Money and quantities have at most 18 digits before the point (CONTRACT.md, HTTP conventions)."""
QUANTITY_DECIMALS = 6
"""Quantities (and unit prices, which may be fractions of a cent) have at most 6 decimals."""
AMOUNT_DECIMALS = 3
"""The most minor units any currency has (KWD, BHD, ...): an amount's decimals in the schema; the
currency's own minor units are checked where the currency is known (`check_minor_units`)."""
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_WIDE = Context(prec=MAX_INTEGER_DIGITS + 2 * QUANTITY_DECIMALS + 20, rounding=ROUND_HALF_UP)
"""Room for any product of two in-bounds numbers, so quantize never runs out of digits."""


class AmountOutOfRange(Unprocessable):
    """A computed or given amount has more than 18 digits before the point (or is not finite)."""

    code, title = "amount_out_of_range", "Amount out of range"


def minor_units(currency: str) -> int:
    """How many decimals the currency has (USD 2, JPY 0, KWD 3)."""
    try:
        return _MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrencyError(f"unknown currency {currency!r}: use an ISO 4217 code") from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor units: the only rounding money ever gets.

    An amount that is not finite or, rounded, has more than 18 integer digits raises
    `AmountOutOfRange` (a 422 problem): no ledger holds it, and bad input must not become a 500.
    """
    if not amount.is_finite() or amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise AmountOutOfRange(_too_large(amount))
    exponent = Decimal(1).scaleb(-minor_units(currency))
    rounded = amount.quantize(exponent, rounding=ROUND_HALF_UP, context=_WIDE)
    if abs(rounded) >= _LIMIT:
        raise AmountOutOfRange(_too_large(amount))
    return rounded


def _too_large(amount: Decimal) -> str:
    shown = f"{amount:.6E}" if amount.is_finite() else str(amount)
    return (
        f"An amount of {shown} is out of range: money has at most {MAX_INTEGER_DIGITS} digits "
        "before the point. Use smaller prices, quantities or terms."
    )


def check_minor_units(amount: Decimal, currency: str, *, field: str) -> None:
    """Refuse (422) an amount given with more decimals than the currency has ("10.001" USD)."""
    units = minor_units(currency)
    # Trailing zeros do not count: "10.500" USD is 10.50.
    exponent = amount.normalize(_WIDE).as_tuple().exponent
    if isinstance(exponent, int) and -exponent > units:
        raise Unprocessable(
            f"{field} {plain_decimal(amount)} has more decimals than {currency} has minor units "
            f"({units}).",
            code="too_many_decimals",
            errors=[{"loc": ["body", *field.split(".")], "msg": f"at most {units} decimals"}],
        )


@cache
def zero(currency: str) -> Decimal:
    """Zero with the currency's number of decimals (`0.00`, `0`, `0.000`)."""
    return round_money(Decimal(0), currency)


def plain_decimal(value: Decimal) -> str:
    """A decimal in plain digits, the wire format of every decimal string."""
    # `str()` switches to exponent notation ("1E+3", "0E-7") for some scales; the wire format
    # promises plain digits.
    return format(value, "f")


def _check_currency(value: Any) -> Any:
    if isinstance(value, str) and value not in _MINOR_UNITS:
        raise ValueError(f'unknown currency {value!r}: use an ISO 4217 code such as "USD"')
    return value


def _decimal_type(
    *, integer_digits: int, decimals: int, examples: list[str], description: str
) -> Any:
    """A decimal the API takes as a string (or an integer) within bounds: never a JSON float,
    never an exponent (`1e30`), never more digits than the bounds. Checked before any work, so an
    out-of-bounds number is a 422 naming the field, not a crash deep in the arithmetic."""
    fraction = rf"(\.\d{{1,{decimals}}})?" if decimals else ""
    pattern = rf"^-?\d{{1,{integer_digits}}}{fraction}$"
    shape = re.compile(pattern)
    limit = 10**integer_digits - 1
    bounds = f"at most {integer_digits} digits before the point and {decimals} after it"

    def parse(value: Any) -> Any:
        if isinstance(value, Decimal):
            return value  # built by our own code (a response from a row), not read from JSON
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError(f'send a decimal string such as "{examples[0]}", not a JSON number')
        if isinstance(value, int):
            if abs(value) > limit:
                raise ValueError(f"out of range: {bounds}")
            return Decimal(value)
        if isinstance(value, str):
            if not shape.fullmatch(value):
                raise ValueError(f'not a decimal string with {bounds}, e.g. "{examples[0]}"')
            return Decimal(value)
        raise ValueError(f'send a decimal string such as "{examples[0]}"')

    return Annotated[
        Decimal,
        BeforeValidator(parse),
        PlainSerializer(plain_decimal, return_type=str, when_used="json"),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "pattern": pattern},
                    {"type": "integer", "minimum": -limit, "maximum": limit},
                ],
                "examples": examples,
                "description": f"{description} A decimal string ({bounds}) or an integer; "
                "never a JSON float.",
            },
            mode="validation",
        ),
        # What q2c writes (responses, events) is always the decimal string.
        WithJsonSchema(
            {
                "type": "string",
                "pattern": pattern,
                "examples": examples,
                "description": f"{description} A decimal string ({bounds}).",
            },
            mode="serialization",
        ),
    ]


Amount = _decimal_type(
    integer_digits=MAX_INTEGER_DIGITS,
    decimals=AMOUNT_DECIMALS,
    examples=["1234.50"],
    description="Money, in the currency's minor units (USD 2 decimals, JPY 0, KWD 3).",
)
"""A money amount as the API shows it: a decimal string, never a float."""

Price = _decimal_type(
    integer_digits=MAX_INTEGER_DIGITS,
    decimals=QUANTITY_DECIMALS,
    examples=["31.00"],
    description="A unit price; may have up to 6 decimals (a fraction of a cent per unit).",
)
"""A unit price: like `Amount`, but up to 6 decimals (usage is often priced below a cent)."""

Quantity = _decimal_type(
    integer_digits=MAX_INTEGER_DIGITS,
    decimals=QUANTITY_DECIMALS,
    examples=["10"],
    description="A quantity; may be fractional (e.g. hours).",
)
"""A quantity (may be fractional for usage, e.g. hours); decimal string or integer."""

Percent = _decimal_type(
    integer_digits=3, decimals=QUANTITY_DECIMALS, examples=["19"], description="A percentage."
)
"""A percentage (a rate, a discount) as a decimal string: `"19"`, `"8.875"`."""


def in_range(
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
    """`base` (one of the bounded decimals above) limited to a range, the range shown in the
    schema as standard JSON Schema: a decimal string pattern without what is out of range (no
    minus sign for a non-negative number, ...) and integer bounds. Pydantic's `Field(gt=0)` on
    these types would leak `gt`/`ge` into the document as keywords no client knows, so that a
    client (or schemathesis) reading the document alone would send what is refused."""
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
            },
            mode="validation",
        ),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": pattern,
                "examples": examples,
                "description": f"{description} A decimal string, {shown}.",
            },
            mode="serialization",
        ),
    ]


_INTEGER_LIMIT = 10**MAX_INTEGER_DIGITS - 1
_DIGITS = rf"\d{{1,{MAX_INTEGER_DIGITS}}}"
_FRACTION = rf"(\.\d{{1,{QUANTITY_DECIMALS}}})?"
_AMOUNT_FRACTION = rf"(\.\d{{1,{AMOUNT_DECIMALS}}})?"
_NOT_ZERO = r"(?=[0.]*[1-9])"
"""At least one digit other than 0: "0" and "0.000" are not above zero."""

PositiveAmount = in_range(
    Amount,
    minimum=Decimal(0),
    above_minimum=True,
    pattern=rf"^{_NOT_ZERO}{_DIGITS}{_AMOUNT_FRACTION}$",
    integers=(1, _INTEGER_LIMIT),
    examples=["100.00"],
    description="Money above 0 (at most 18 digits before the point; the currency's minor units "
    "after it).",
)
"""Money paid, allocated, refunded or credited: more than nothing."""

NonNegativeAmount = in_range(
    Amount,
    minimum=Decimal(0),
    pattern=rf"^{_DIGITS}{_AMOUNT_FRACTION}$",
    integers=(0, _INTEGER_LIMIT),
    examples=["5.00"],
    description="Money, 0 or more (at most 18 digits before the point; the currency's minor "
    "units after it).",
)

PositiveQuantity = in_range(
    Quantity,
    minimum=Decimal(0),
    above_minimum=True,
    pattern=rf"^{_NOT_ZERO}{_DIGITS}{_FRACTION}$",
    integers=(1, _INTEGER_LIMIT),
    examples=["10"],
    description="A quantity above 0 (at most 18 digits before the point, 6 after it).",
)

NonNegativeQuantity = in_range(
    Quantity,
    minimum=Decimal(0),
    pattern=rf"^{_DIGITS}{_FRACTION}$",
    integers=(0, _INTEGER_LIMIT),
    examples=["30"],
    description="A quantity, 0 or more (at most 18 digits before the point, 6 after it).",
)

NonNegativePrice = in_range(
    Price,
    minimum=Decimal(0),
    pattern=rf"^{_DIGITS}{_FRACTION}$",
    integers=(0, _INTEGER_LIMIT),
    examples=["49.00"],
    description="A unit price, 0 or more (at most 18 digits before the point, 6 after it).",
)

PercentOfHundred = in_range(
    Percent,
    minimum=Decimal(0),
    maximum=Decimal(100),
    pattern=rf"^(100(\.0{{1,{QUANTITY_DECIMALS}}})?|\d{{1,2}}{_FRACTION})$",
    integers=(0, 100),
    examples=["10"],
    description="A percentage from 0 to 100 (at most 6 decimals).",
)
"""A discount or a tax rate: 0 to 100."""

CURRENCY_PATTERN = r"^[A-Z]{3}$"

CurrencyCode = Annotated[
    str,
    BeforeValidator(_check_currency),
    Field(
        min_length=3,
        max_length=3,
        pattern=CURRENCY_PATTERN,
        examples=["USD"],
        description="ISO 4217 currency code.",
    ),
]
