"""How q2c documents (quotes, invoices) write money, quantities, dates, terms and addresses.
Pure and locale-free, so a quote and the invoices it becomes write every figure the same way.

Money keeps its `Decimal`: rounded half-up to the currency's minor units, then written with
thousands separators (`1,234.50`, `JPY 3,100`, `KWD 5.485`). Never through a float.
"""

from datetime import date
from decimal import Decimal
from typing import Protocol

from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import minor_units, round_money


def money(amount: Decimal, currency: str) -> str:
    """`1,234.50`: the amount in the currency's minor units, with thousands separators."""
    return f"{round_money(amount, currency):,.{minor_units(currency)}f}"


def money_with_currency(amount: Decimal, currency: str) -> str:
    """`USD 1,234.50`."""
    return f"{currency}\N{NO-BREAK SPACE}{money(amount, currency)}"


def quantity(value: Decimal) -> str:
    """`10`, `2.5`, `1,000`: no trailing zeros, no exponent."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(value: Decimal) -> str:
    """`10%`, `12.5%`."""
    return f"{quantity(value)}%"


def day(value: date) -> str:
    """`15 Jan 2026`: unambiguous in every locale, unlike 01/02/2026."""
    return f"{value.day} {value:%b %Y}"


def period(first_day: date, last_day: date) -> str:
    """`15 Jan – 31 Jan 2026`, `1 Dec 2026 – 28 Feb 2027`, or a single day."""
    if first_day == last_day:
        return day(first_day)
    if first_day.year == last_day.year:
        return f"{first_day.day} {first_day:%b} \N{EN DASH} {day(last_day)}"
    return f"{day(first_day)} \N{EN DASH} {day(last_day)}"


def months(count: int) -> str:
    return f"{count} month" if count == 1 else f"{count} months"


def payment_term(term: PaymentTerm | str) -> str:
    """`Net 30 days`, `Due on receipt`."""
    term = PaymentTerm(term)
    return "Due on receipt" if term.days == 0 else f"Net {term.days} days"


def ordinal(number: int) -> str:
    """`1st`, `2nd`, `23rd`, `11th`."""
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


# Where the postal code comes before the town ("10115 Berlin"); elsewhere it follows the town
# and region ("San Francisco, CA 94105").
_POSTAL_CODE_FIRST = frozenset(
    "AT BE CH CZ DE DK EE ES FI FR GR HR HU IS IT LI LT LU LV NL NO PL PT SE SI SK".split()
)


class PostalAddress(Protocol):
    """Any billing address schema (quote-svc's account, invoice-svc's bill-to)."""

    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str


def address_lines(address: PostalAddress | None) -> list[str]:
    """`["1 Market St", "Suite 400", "San Francisco, CA 94105", "US"]`, or in the order of
    the address's country (`"10115 Berlin"`); blank parts left out."""
    if address is None:
        return []
    if address.country.upper() in _POSTAL_CODE_FIRST:
        parts = (address.postal_code, address.city, address.region)
    else:
        parts = (
            f"{address.city}," if address.region or address.postal_code else address.city,
            address.region,
            address.postal_code,
        )
    locality = " ".join(part for part in parts if part)
    return [line for line in (address.line1, address.line2, locality, address.country) if line]
