"""Money: half-up rounding to each currency's minor units, decimal strings in, strings out."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from q2c_shared.money import (
    SUPPORTED_CURRENCIES,
    Amount,
    CurrencyCode,
    Quantity,
    UnknownCurrencyError,
    minor_units,
    round_money,
    zero,
)


class Charge(BaseModel):
    amount: Amount
    quantity: Quantity = Decimal(1)
    currency: CurrencyCode = "USD"


@pytest.mark.parametrize(
    ("currency", "decimals"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3)],
)
def test_minor_units_follow_iso_4217(currency: str, decimals: int) -> None:
    assert minor_units(currency) == decimals


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("2.675", "USD", "2.68"),  # a float would make this 2.67
        ("2.665", "USD", "2.67"),  # half-up, not banker's rounding (which gives 2.66)
        ("2.6749", "USD", "2.67"),
        ("-2.675", "USD", "-2.68"),  # ties go away from zero, so a credit mirrors its debit
        ("10", "USD", "10.00"),
        ("0.5", "JPY", "1"),
        ("1.5", "JPY", "2"),
        ("2.5", "JPY", "3"),
        ("1234.49", "JPY", "1234"),
        ("1.0005", "KWD", "1.001"),
        ("1.0004", "KWD", "1.000"),
        ("7", "KWD", "7.000"),
    ],
)
def test_round_money_rounds_half_up_to_the_minor_unit(
    amount: str, currency: str, rounded: str
) -> None:
    result = round_money(Decimal(amount), currency)

    assert str(result) == rounded  # the scale matters, not only the value


@pytest.mark.parametrize(
    ("currency", "expected"), [("USD", "0.00"), ("JPY", "0"), ("KWD", "0.000")]
)
def test_zero_has_the_currency_scale(currency: str, expected: str) -> None:
    assert str(zero(currency)) == expected


@pytest.mark.parametrize("currency", ["XYZ", "usd", "", "US", "USDT"])
def test_unknown_currencies_are_refused_not_guessed(currency: str) -> None:
    with pytest.raises(UnknownCurrencyError, match="ISO 4217"):
        round_money(Decimal("1.00"), currency)
    with pytest.raises(UnknownCurrencyError):
        zero(currency)


@given(
    amount=st.decimals(
        min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=6
    ),
    currency=st.sampled_from(sorted(SUPPORTED_CURRENCIES)),
)
def test_rounding_is_within_half_a_minor_unit_and_idempotent(
    amount: Decimal, currency: str
) -> None:
    rounded = round_money(amount, currency)
    half_unit = Decimal(1).scaleb(-minor_units(currency)) / 2

    assert abs(rounded - amount) <= half_unit
    assert rounded.as_tuple().exponent == -minor_units(currency)
    assert round_money(rounded, currency) == rounded


@pytest.mark.parametrize(
    ("payload", "amount"),
    [
        ('{"amount": "1234.50"}', Decimal("1234.50")),
        ('{"amount": "-0.01"}', Decimal("-0.01")),
        ('{"amount": 17}', Decimal(17)),  # an integer is exact, so it is accepted
    ],
)
def test_amounts_accept_decimal_strings_and_integers(payload: str, amount: Decimal) -> None:
    charge = Charge.model_validate_json(payload)

    assert charge.amount == amount
    assert isinstance(charge.amount, Decimal)


@pytest.mark.parametrize("field", ["amount", "quantity"])
@pytest.mark.parametrize("number", ["1234.5", "0.1", "1e3"])
def test_json_floats_are_refused_with_a_message_saying_what_to_send(
    field: str, number: str
) -> None:
    payload = f'{{"amount": "1.00", "{field}": {number}}}'

    with pytest.raises(ValidationError) as raised:
        Charge.model_validate_json(payload)

    [error] = raised.value.errors()
    assert error["loc"] == (field,)
    assert "decimal string" in error["msg"] and "not a JSON number" in error["msg"]


def test_python_floats_are_refused_too() -> None:
    with pytest.raises(ValidationError, match="decimal string"):
        Charge(amount=0.1)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "12,50", "twelve", ""])
def test_amounts_that_are_not_finite_decimals_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        Charge.model_validate({"amount": text})


@pytest.mark.parametrize(
    ("amount", "json_text"),
    [
        (Decimal("1234.50"), "1234.50"),
        (Decimal("0.00"), "0.00"),
        (Decimal("-3"), "-3"),
        # Arithmetic and parsing can leave an exponent; the wire must still show plain digits.
        (Decimal("1E+3"), "1000"),
        (Decimal("0E-7"), "0.0000000"),
        (Decimal("1E-7"), "0.0000001"),
    ],
)
def test_amounts_serialise_as_plain_decimal_strings(amount: Decimal, json_text: str) -> None:
    dumped = Charge(amount=amount, quantity=amount).model_dump(mode="json")

    assert dumped["amount"] == json_text
    assert dumped["quantity"] == json_text


def test_python_dumps_keep_the_decimal() -> None:
    assert Charge(amount=Decimal("9.99")).model_dump()["amount"] == Decimal("9.99")


@pytest.mark.parametrize("code", ["XYZ", "usd", "EURO"])
def test_currency_codes_must_be_known(code: str) -> None:
    with pytest.raises(ValidationError, match="currency|at most 3"):
        Charge.model_validate({"amount": "1.00", "currency": code})


def test_a_known_currency_code_passes() -> None:
    assert Charge.model_validate({"amount": "1.000", "currency": "KWD"}).currency == "KWD"
