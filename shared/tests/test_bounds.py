"""The edge's bounds: money and quantities (18 integer digits, minor units), business dates
(1900-01-01 to 2199-12-31), strings without NUL, JSON booleans. Out of bounds is a validation
error naming the field, or a 422 problem: never an exception the API would answer with a 500."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from q2c_shared.bounds import BusinessDate, Flag, Text, check_business_date
from q2c_shared.money import (
    SUPPORTED_CURRENCIES,
    Amount,
    AmountOutOfRange,
    NonNegativeAmount,
    Percent,
    PercentOfHundred,
    PositiveAmount,
    PositiveQuantity,
    Price,
    Quantity,
    check_minor_units,
    round_money,
)
from q2c_shared.problems import Unprocessable


class Line(BaseModel):
    amount: Amount | None = None
    price: Price | None = None
    quantity: Quantity | None = None
    percent: Percent | None = None
    on: BusinessDate | None = None
    note: Text | None = None
    post: Flag | None = None


def _refused(field: str, value: object) -> str:
    with pytest.raises(ValidationError) as raised:
        Line.model_validate({field: value})
    [error] = raised.value.errors()
    assert error["loc"] == (field,)
    return error["msg"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "1" * 19),  # 19 integer digits
        ("amount", 10**18),
        ("amount", -(10**18)),
        ("amount", "1e30"),
        ("amount", "1e999999"),
        ("amount", "1E+3"),
        ("amount", "12.3456"),  # more decimals than any currency has
        ("amount", " 12"),
        ("price", "1.1234567"),
        ("quantity", "1" * 29),
        ("quantity", "0.0000001"),
        ("percent", "1000"),
        ("amount", True),
        ("amount", [1]),
    ],
)
def test_numbers_out_of_bounds_are_refused_with_the_field_named(field: str, value: object) -> None:
    message = _refused(field, value)

    assert "decimal string" in message or "out of range" in message


@pytest.mark.parametrize(
    ("field", "value", "parsed"),
    [
        ("amount", "9" * 18 + ".999", Decimal("9" * 18 + ".999")),
        ("amount", -(10**18) + 1, Decimal(-(10**18) + 1)),
        ("price", "0.000015", Decimal("0.000015")),  # usage priced below a cent
        ("quantity", "2.5", Decimal("2.5")),
        ("percent", "8.875", Decimal("8.875")),
    ],
)
def test_numbers_at_the_bounds_are_taken(field: str, value: object, parsed: Decimal) -> None:
    assert getattr(Line.model_validate({field: value}), field) == parsed


@given(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(sorted(SUPPORTED_CURRENCIES)),
)
def test_round_money_answers_or_refuses_any_decimal_it_is_given(
    amount: Decimal, currency: str
) -> None:
    try:
        rounded = round_money(amount, currency)
    except AmountOutOfRange as refused:
        assert refused.status == 422
        assert not amount.is_finite() or abs(amount) >= Decimal("999999999999999999.5")
        return
    assert abs(rounded) < 10**18


def test_products_of_in_bounds_numbers_are_refused_when_too_large_not_crashed() -> None:
    biggest = Decimal("9" * 18 + ".999999")

    with pytest.raises(AmountOutOfRange, match="at most 18 digits"):
        round_money(biggest * biggest * 12, "USD")


@pytest.mark.parametrize(
    ("amount", "currency"), [("10.001", "USD"), ("1.5", "JPY"), ("0.0001", "KWD")]
)
def test_more_decimals_than_the_currency_has_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(Unprocessable) as raised:
        check_minor_units(Decimal(amount), currency, field="amount")

    assert raised.value.code == "too_many_decimals"
    assert raised.value.errors == [
        {"loc": ["body", "amount"], "msg": raised.value.errors[0]["msg"]}
    ]


@pytest.mark.parametrize(
    ("amount", "currency"), [("10.50", "USD"), ("10.500", "USD"), ("7", "JPY"), ("1.001", "KWD")]
)
def test_amounts_within_the_minor_units_pass(amount: str, currency: str) -> None:
    check_minor_units(Decimal(amount), currency, field="amount")


@pytest.mark.parametrize("value", ["1899-12-31", "2200-01-01", "9999-12-31", "0001-01-01"])
def test_business_dates_out_of_range_are_refused(value: str) -> None:
    assert "between 1900-01-01 and 2199-12-31" in _refused("on", value)


@pytest.mark.parametrize(
    "value", [1_700_000_000, 0, 20260101, 1.5, True, "0", "86400", "2026-1-5", "2026-13-01"]
)
def test_numbers_are_not_dates(value: object) -> None:
    assert "YYYY-MM-DD" in _refused("on", value) or "month" in _refused("on", value)


def test_the_business_range_is_inclusive() -> None:
    assert Line.model_validate({"on": "1900-01-01"}).on == date(1900, 1, 1)
    assert Line.model_validate({"on": "2199-12-31"}).on == date(2199, 12, 31)


def test_a_computed_date_out_of_range_is_a_422_naming_the_field() -> None:
    with pytest.raises(Unprocessable) as raised:
        check_business_date(date(2200, 1, 1), field="end_date")

    assert raised.value.code == "date_out_of_range"
    assert "end_date" in raised.value.detail


@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
def test_strings_with_nul_are_refused(value: str) -> None:
    _refused("note", value)


@pytest.mark.parametrize("value", [1, 0, "true", "yes", "1"])
def test_booleans_are_json_booleans_only(value: object) -> None:
    _refused("post", value)


def test_the_schema_shows_every_bound() -> None:
    properties = Line.model_json_schema()["properties"]

    def first(field: str) -> dict:
        return properties[field]["anyOf"][0]

    assert first("amount")["anyOf"][0]["pattern"] == r"^-?\d{1,18}(\.\d{1,3})?$"
    assert first("amount")["anyOf"][1]["maximum"] == 10**18 - 1
    assert first("quantity")["anyOf"][0]["pattern"] == r"^-?\d{1,18}(\.\d{1,6})?$"
    assert first("on")["pattern"].startswith(r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])-")
    assert first("note")["pattern"] == r"^[^\x00]*$"
    assert first("post") == {"type": "boolean"}


@pytest.mark.parametrize(
    ("ranged", "value", "taken"),
    [
        (PositiveAmount, "0.01", True),
        (PositiveAmount, "0", False),
        (PositiveAmount, "0.000", False),
        (PositiveAmount, "-1", False),
        (NonNegativeAmount, "0", True),
        (PositiveQuantity, 1, True),
        (PositiveQuantity, 0, False),
        (PercentOfHundred, "100", True),
        (PercentOfHundred, "100.000001", False),
    ],
)
def test_ranged_types_refuse_what_their_schema_refuses(
    ranged: Any, value: object, taken: bool
) -> None:
    schema = TypeAdapter(ranged).json_schema()
    string, integer = schema["anyOf"]
    shown = (
        re.fullmatch(string["pattern"], value) is not None
        if isinstance(value, str)
        else integer["minimum"] <= value <= integer["maximum"]
    )
    try:
        TypeAdapter(ranged).validate_python(value)
        accepted = True
    except ValidationError:
        accepted = False

    assert accepted == taken == shown
    assert not {"gt", "ge", "lt", "le"} & set(schema)
