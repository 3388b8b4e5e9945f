"""Tax per line: which rate applies, rounding per line, and what bears none."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_svc.core.tax import BillToTaxProfile, TaxRate, TaxRateTable, line_tax

RATES = TaxRateTable(
    [
        TaxRate(country="DE", region=None, tax_code="SAAS", rate_percent=Decimal("19")),
        TaxRate(country="DE", region=None, tax_code="BOOKS", rate_percent=Decimal("7")),
        TaxRate(country="US", region="NY", tax_code="SAAS", rate_percent=Decimal("8.875")),
        TaxRate(country="US", region=None, tax_code="SAAS", rate_percent=Decimal("0")),
        TaxRate(country="ca", region="qc", tax_code="SAAS", rate_percent=Decimal("14.975")),
    ]
)


def _bill_to(country, region=None, *, exempt=False, address=True):
    return BillToTaxProfile.of(
        billing_address={"country": country, "region": region} if address else None,
        tax_exempt=exempt,
    )


@pytest.mark.parametrize(
    ("bill_to", "tax_code", "rate"),
    [
        (_bill_to("DE"), "SAAS", "19"),
        (_bill_to("DE", "Bayern"), "SAAS", "19"),  # no regional rate: the country's
        (_bill_to("DE"), "BOOKS", "7"),
        (_bill_to("US", "NY"), "SAAS", "8.875"),  # the region's rate beats the country's
        (_bill_to("US", "ny "), "SAAS", "8.875"),  # compared without case or blanks
        (_bill_to("US", "CA"), "SAAS", "0"),
        (_bill_to("CA", "QC"), "SAAS", "14.975"),  # rates stored in lower case match too
        (_bill_to("FR"), "SAAS", None),  # no rate for the country: no tax, never a guess
        (_bill_to("DE"), "FOOD", None),  # no rate for the tax code
        (_bill_to("DE"), None, None),  # a product without a tax code
        (_bill_to("DE", exempt=True), "SAAS", None),  # tax-exempt account
        (_bill_to("DE", address=False), "SAAS", None),  # address not known (yet)
    ],
)
def test_the_rate_of_the_bill_to_address_and_tax_code(bill_to, tax_code, rate):
    expected = None if rate is None else Decimal(rate)
    assert RATES.rate_for(bill_to, tax_code) == expected


@pytest.mark.parametrize(
    ("amount", "rate", "currency", "tax"),
    [
        ("31.00", "19", "EUR", "5.89"),
        ("17.00", "19", "EUR", "3.23"),
        ("0.05", "10", "USD", "0.01"),  # 0.005 rounds half up
        ("-22.00", "19", "EUR", "-4.18"),  # a credit line's tax is negative
        ("-0.05", "10", "USD", "-0.01"),  # half-up is symmetric: away from zero
        ("1000", "8.875", "JPY", "89"),  # 88.75 -> 89 in whole yen
        ("100.000", "5", "KWD", "5.000"),
        ("31.00", None, "EUR", "0.00"),  # no rate: zero in the currency's minor units
    ],
)
def test_line_tax_is_rounded_half_up_per_line(amount, rate, currency, tax):
    rate_percent = None if rate is None else Decimal(rate)
    assert str(line_tax(Decimal(amount), rate_percent, currency)) == tax


def test_rounding_per_line_can_differ_from_rounding_the_sum():
    """CONTRACT.md: tax is rounded per line. Three lines of 0.05 at 10% bear 0.01 each: 0.03,
    where rounding the sum of 0.15 would give 0.02."""
    lines = [line_tax(Decimal("0.05"), Decimal(10), "USD") for _ in range(3)]
    assert sum(lines) == Decimal("0.03")


@given(
    cents=st.integers(min_value=-10_000_000, max_value=10_000_000),
    rate=st.decimals(min_value=0, max_value=100, places=3),
)
def test_line_tax_is_within_half_a_cent_of_the_exact_tax(cents, rate):
    amount = Decimal(cents).scaleb(-2)
    tax = line_tax(amount, rate, "USD")
    assert tax == tax.quantize(Decimal("0.01"))
    assert abs(tax - amount * rate / 100) <= Decimal("0.005")
    assert line_tax(-amount, rate, "USD") == -tax
