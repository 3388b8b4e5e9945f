"""Sales tax on invoice lines: which rate applies, and the tax of a line.

Pure. A rate belongs to a jurisdiction (country, optionally a region of it) and a product tax
code (`POST /v1/tax-rates`). A line is taxed at the rate of its bill-to account's billing
address and its product's tax code: the region's own rate when there is one, else the
country's. Each line's tax is rounded half-up to the currency's minor units on its own, and
the invoice's tax total is the sum of the rounded line taxes (CONTRACT.md: rounded per line).

A line bears no tax when the bill-to account is tax-exempt, when its billing address is not
known, when its product has no tax code, or when no rate matches: invoice-svc never guesses a
rate. Such a line shows a null `tax_rate_percent` and a zero tax amount.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from q2c_shared.money import round_money, zero

HUNDRED = Decimal(100)


def jurisdiction_key(value: str | None) -> str | None:
    """Countries and regions compare without case or surrounding blanks (`de`, ` DE` = `DE`)."""
    if value is None:
        return None
    stripped = value.strip().upper()
    return stripped or None


@dataclass(frozen=True, kw_only=True)
class TaxRate:
    country: str
    region: str | None
    tax_code: str
    rate_percent: Decimal


@dataclass(frozen=True, kw_only=True)
class BillToTaxProfile:
    """What tax needs of a bill-to account: where it is billed, and whether it is exempt."""

    country: str | None
    region: str | None
    tax_exempt: bool

    @classmethod
    def of(
        cls, *, billing_address: Mapping[str, Any] | None, tax_exempt: bool
    ) -> "BillToTaxProfile":
        address = billing_address or {}
        return cls(
            country=jurisdiction_key(address.get("country")),
            region=jurisdiction_key(address.get("region")),
            tax_exempt=tax_exempt,
        )


UNKNOWN_BILL_TO = BillToTaxProfile(country=None, region=None, tax_exempt=False)
"""An account whose account event has not arrived yet: no address, so no tax."""


class TaxRateTable:
    """The tax rates in force, looked up by jurisdiction and tax code."""

    def __init__(self, rates: Iterable[TaxRate]) -> None:
        self._rates: dict[tuple[str, str | None, str], Decimal] = {
            (
                jurisdiction_key(rate.country) or "",
                jurisdiction_key(rate.region),
                rate.tax_code,
            ): rate.rate_percent
            for rate in rates
        }

    def rate_for(self, bill_to: BillToTaxProfile, tax_code: str | None) -> Decimal | None:
        """The percent a line of this product tax code bears for this bill-to account, or None
        when it bears no tax (exempt, no address, no tax code, or no rate for it)."""
        if bill_to.tax_exempt or bill_to.country is None or not tax_code:
            return None
        if bill_to.region is not None:
            regional = self._rates.get((bill_to.country, bill_to.region, tax_code))
            if regional is not None:
                return regional
        return self._rates.get((bill_to.country, None, tax_code))


@lru_cache(maxsize=8192)
def line_tax(amount: Decimal, rate_percent: Decimal | None, currency: str) -> Decimal:
    """The tax of one line, rounded half-up on its own; negative for a credit line.

    Cached: a run taxes the same few prices at the same few rates many thousand times."""
    if rate_percent is None:
        return zero(currency)
    return round_money(amount * rate_percent / HUNDRED, currency)
