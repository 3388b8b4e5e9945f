"""Money: `Decimal` amounts with ISO 4217 minor units, rounded half-up, never a float.

Amounts travel as decimal strings in JSON (`"1234.50"`); a JSON float is refused at the edge so
that no binary fraction ever reaches a ledger.
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

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


def minor_units(currency: str) -> int:
    """How many decimals the currency has (USD 2, JPY 0, KWD 3)."""
    try:
        return _MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrencyError(f"unknown currency {currency!r}: use an ISO 4217 code") from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor units: the only rounding money ever gets."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


@cache
def zero(currency: str) -> Decimal:
    """Zero with the currency's number of decimals (`0.00`, `0`, `0.000`)."""
    return round_money(Decimal(0), currency)


def refuse_float(value: Any) -> Any:
    """A `BeforeValidator` for decimals that must not arrive as JSON floats."""
    if isinstance(value, float):
        raise ValueError('send money as a decimal string such as "1234.50", not a JSON number')
    return value


def plain_decimal(value: Decimal) -> str:
    """A decimal in plain digits, the wire format of every decimal string."""
    # `str()` switches to exponent notation ("1E+3", "0E-7") for some scales; the wire format
    # promises plain digits.
    return format(value, "f")


def _check_currency(value: Any) -> Any:
    if isinstance(value, str) and value not in _MINOR_UNITS:
        raise ValueError(f'unknown currency {value!r}: use an ISO 4217 code such as "USD"')
    return value


_DECIMAL_STRING = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}

Amount = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    PlainSerializer(plain_decimal, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            **_DECIMAL_STRING,
            "examples": ["1234.50"],
            "description": "Money as a decimal string, in the currency's minor units.",
        }
    ),
]
"""A money amount as the API shows it: a decimal string, never a float."""

Quantity = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    PlainSerializer(plain_decimal, return_type=str, when_used="json"),
    WithJsonSchema({**_DECIMAL_STRING, "examples": ["10"]}),
    Field(examples=["10"]),
]
"""A quantity (may be fractional for usage, e.g. hours); decimal string or integer."""

Percent = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    PlainSerializer(plain_decimal, return_type=str, when_used="json"),
    WithJsonSchema({**_DECIMAL_STRING, "examples": ["19"]}),
]
"""A percentage (a rate, a discount) as a decimal string: `"19"`, `"8.875"`."""

CurrencyCode = Annotated[
    str,
    BeforeValidator(_check_currency),
    Field(min_length=3, max_length=3, examples=["USD"], description="ISO 4217 currency code."),
]
