"""How documents write figures, dates, terms and addresses, and embed images: pure, table-driven."""

import base64
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from q2c_shared.documents import formatting
from q2c_shared.documents.images import data_url
from q2c_shared.money import round_money


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        ("1234.5", "USD", "1,234.50"),
        ("33980", "USD", "33,980.00"),
        ("-1234567.891", "EUR", "-1,234,567.89"),
        ("3100", "JPY", "3,100"),
        ("1234.5", "JPY", "1,235"),  # half-up to no minor units
        ("5.4845", "KWD", "5.485"),
        ("0", "USD", "0.00"),
        ("0.005", "USD", "0.01"),  # half-up, not banker's rounding
    ],
)
def test_money_is_written_in_the_currency_minor_units(amount, currency, written):
    assert formatting.money(Decimal(amount), currency) == written
    assert formatting.money_with_currency(Decimal(amount), currency) == f"{currency}\xa0{written}"


@given(
    amount=st.decimals(
        min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=4
    ),
    currency=st.sampled_from(["USD", "EUR", "JPY", "KWD"]),
)
def test_written_money_reads_back_as_the_rounded_amount(amount, currency):
    assert Decimal(formatting.money(amount, currency).replace(",", "")) == round_money(
        amount, currency
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [("10", "10"), ("10.000", "10"), ("2.50", "2.5"), ("1000", "1,000"), ("-30", "-30")],
)
def test_quantities_have_no_trailing_zeros(value, written):
    assert formatting.quantity(Decimal(value)) == written


def test_percentages():
    assert formatting.percent(Decimal("10.00")) == "10%"
    assert formatting.percent(Decimal("12.5")) == "12.5%"


@pytest.mark.parametrize(
    ("first_day", "last_day", "written"),
    [
        (date(2026, 1, 15), date(2026, 1, 31), "15 Jan – 31 Jan 2026"),
        (date(2026, 12, 1), date(2027, 2, 28), "1 Dec 2026 – 28 Feb 2027"),
        (date(2026, 1, 15), date(2026, 1, 15), "15 Jan 2026"),
    ],
)
def test_periods_name_the_year_once_when_they_can(first_day, last_day, written):
    assert formatting.period(first_day, last_day) == written


def test_days_months_terms_and_ordinals():
    assert formatting.day(date(2026, 3, 3)) == "3 Mar 2026"
    assert (formatting.months(1), formatting.months(12)) == ("1 month", "12 months")
    assert formatting.payment_term("net_30") == "Net 30 days"
    assert formatting.payment_term("due_on_receipt") == "Due on receipt"
    assert [formatting.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "23rd",
        "111th",
    ]


@dataclass
class Address:
    line1: str
    city: str
    country: str
    line2: str | None = None
    region: str | None = None
    postal_code: str | None = None


@pytest.mark.parametrize(
    ("address", "lines"),
    [
        (
            Address("1 Market St", "San Francisco", "US", "Suite 400", "CA", "94105"),
            ["1 Market St", "Suite 400", "San Francisco, CA 94105", "US"],
        ),
        (
            Address("Hauptstrasse 1", "Berlin", "DE", postal_code="10115"),
            ["Hauptstrasse 1", "10115 Berlin", "DE"],
        ),
        (
            Address("Via del Corso 1", "Roma", "IT", region="RM", postal_code="00186"),
            ["Via del Corso 1", "00186 Roma RM", "IT"],
        ),
        (
            Address("10 Downing St", "London", "GB", postal_code="SW1A 2AA"),
            ["10 Downing St", "London, SW1A 2AA", "GB"],
        ),
        (Address("1 Harbour Rd", "Hong Kong", "HK"), ["1 Harbour Rd", "Hong Kong", "HK"]),
        (None, []),
    ],
)
def test_addresses_leave_blank_parts_out(address, lines):
    assert formatting.address_lines(address) == lines


def test_images_are_embedded_as_data_urls(tmp_path):
    logo = tmp_path / "Logo.PNG"
    logo.write_bytes(b"\x89PNG fake")

    encoded = base64.b64encode(b"\x89PNG fake").decode("ascii")
    assert data_url(logo) == f"data:image/png;base64,{encoded}"


def test_an_image_of_an_unknown_kind_is_refused(tmp_path):
    logo = tmp_path / "logo.bmp"
    logo.write_bytes(b"BM")

    with pytest.raises(ValueError, match="logo.bmp"):
        data_url(logo)
