"""Quote pricing against CONTRACT.md: worked tables, then properties of any price book entry."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from q2c_shared.billing.catalog import ChargeType
from q2c_shared.money import UnknownCurrencyError, round_money
from quote_svc.core.pricing import (
    LinePrice,
    PriceTier,
    PricingModel,
    QuoteTotals,
    effective_discount_percent,
    line_net_total,
    price_line,
    priced_amount,
    quote_totals,
)

D = Decimal
PER_UNIT = PricingModel.PER_UNIT
FLAT = PricingModel.FLAT
VOLUME = PricingModel.VOLUME
TIERED = PricingModel.TIERED

# 1-10 at 10.00, 11-50 at 8.00, 51 and up at 5.00.
TIERS = (
    PriceTier(up_to=D(10), unit_price=D("10.00")),
    PriceTier(up_to=D(50), unit_price=D("8.00")),
    PriceTier(up_to=None, unit_price=D("5.00")),
)


def line(
    model: PricingModel,
    unit_price: str,
    quantity: str,
    *,
    tiers: tuple[PriceTier, ...] = (),
    currency: str = "USD",
    discount_percent: str | None = None,
    discount_amount: str | None = None,
) -> LinePrice:
    return price_line(
        pricing_model=model,
        unit_price=D(unit_price),
        tiers=tiers,
        quantity=D(quantity),
        currency=currency,
        discount_percent=None if discount_percent is None else D(discount_percent),
        discount_amount=None if discount_amount is None else D(discount_amount),
    )


def as_strings(price: LinePrice) -> tuple[str, str, str, str]:
    return (
        str(price.list_unit_price),
        str(price.net_unit_price),
        str(price.amount),
        str(price.discount_total),
    )


# --- priced_amount ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "unit_price", "tiers", "quantity", "expected"),
    [
        pytest.param(PER_UNIT, "12.50", (), "3", "37.50", id="per-unit"),
        pytest.param(PER_UNIT, "0.0125", (), "1000", "12.5", id="per-unit-sub-cent-price"),
        pytest.param(PER_UNIT, "12.50", (), "0", "0", id="per-unit-nothing"),
        pytest.param(FLAT, "100.00", (), "7", "100.00", id="flat-many"),
        pytest.param(FLAT, "100.00", (), "1", "100.00", id="flat-one"),
        pytest.param(FLAT, "100.00", (), "0", "100.00", id="flat-whatever-the-quantity"),
        pytest.param(VOLUME, "0", TIERS, "5", "50", id="volume-first-tier"),
        pytest.param(VOLUME, "0", TIERS, "10", "100", id="volume-on-first-boundary"),
        pytest.param(VOLUME, "0", TIERS, "11", "88", id="volume-all-units-at-second-tier"),
        pytest.param(VOLUME, "0", TIERS, "50", "400", id="volume-on-second-boundary"),
        pytest.param(VOLUME, "0", TIERS, "51", "255", id="volume-last-tier"),
        pytest.param(VOLUME, "0", TIERS, "10.5", "84.0", id="volume-fractional"),
        pytest.param(TIERED, "0", TIERS, "5", "50", id="tiered-first-tier"),
        pytest.param(TIERED, "0", TIERS, "10", "100", id="tiered-on-first-boundary"),
        pytest.param(TIERED, "0", TIERS, "11", "108", id="tiered-one-unit-in-second"),
        pytest.param(TIERED, "0", TIERS, "50", "420", id="tiered-on-second-boundary"),
        pytest.param(TIERED, "0", TIERS, "60", "470", id="tiered-into-last-tier"),
        pytest.param(TIERED, "0", TIERS, "10.5", "104.0", id="tiered-fractional"),
        pytest.param(TIERED, "0", TIERS, "0", "0", id="tiered-nothing"),
        pytest.param(
            VOLUME,
            "0",
            (PriceTier(up_to=D(5), unit_price=D(2)),),
            "5",
            "10",
            id="closed-last-tier-at-its-bound",
        ),
    ],
)
def test_priced_amount(
    model: PricingModel,
    unit_price: str,
    tiers: tuple[PriceTier, ...],
    quantity: str,
    expected: str,
) -> None:
    amount = priced_amount(
        pricing_model=model, unit_price=D(unit_price), tiers=tiers, quantity=D(quantity)
    )
    assert amount == D(expected)


def test_pricing_model_accepts_its_string_value() -> None:
    assert priced_amount(pricing_model="per_unit", unit_price=D(2), tiers=None, quantity=D(3)) == 6


@pytest.mark.parametrize(
    ("model", "tiers", "quantity", "message"),
    [
        pytest.param(VOLUME, None, "1", "needs tiers", id="volume-without-tiers"),
        pytest.param(TIERED, (), "1", "needs tiers", id="tiered-with-empty-tiers"),
        pytest.param(
            VOLUME,
            (PriceTier(up_to=None, unit_price=D(1)), PriceTier(up_to=D(5), unit_price=D(1))),
            "1",
            "only the last tier",
            id="open-tier-not-last",
        ),
        pytest.param(
            TIERED,
            (
                PriceTier(up_to=D(10), unit_price=D(1)),
                PriceTier(up_to=D(5), unit_price=D(1)),
                PriceTier(up_to=None, unit_price=D(1)),
            ),
            "1",
            "ascending",
            id="tiers-out-of-order",
        ),
        pytest.param(
            TIERED,
            (PriceTier(up_to=D(5), unit_price=D(1)), PriceTier(up_to=D(5), unit_price=D(1))),
            "1",
            "ascending",
            id="repeated-bound",
        ),
        pytest.param(
            VOLUME,
            (PriceTier(up_to=D(0), unit_price=D(1)),),
            "0",
            "positive",
            id="zero-bound",
        ),
        pytest.param(
            VOLUME,
            (PriceTier(up_to=None, unit_price=D(-1)),),
            "1",
            "negative",
            id="negative-tier-price",
        ),
        pytest.param(
            VOLUME,
            (PriceTier(up_to=D(5), unit_price=D(1)),),
            "6",
            "beyond the last tier",
            id="volume-beyond-closed-last-tier",
        ),
        pytest.param(
            TIERED,
            (PriceTier(up_to=D(5), unit_price=D(1)),),
            "6",
            "beyond the last tier",
            id="tiered-beyond-closed-last-tier",
        ),
        pytest.param(PER_UNIT, (), "-1", "quantity", id="negative-quantity"),
        pytest.param("banana", (), "1", "banana", id="unknown-model"),
    ],
)
def test_priced_amount_refuses(
    model: PricingModel | str, tiers: tuple[PriceTier, ...] | None, quantity: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        priced_amount(pricing_model=model, unit_price=D(1), tiers=tiers, quantity=D(quantity))


def test_priced_amount_refuses_a_negative_unit_price() -> None:
    with pytest.raises(ValueError, match="unit_price"):
        priced_amount(pricing_model=PER_UNIT, unit_price=D(-1), tiers=(), quantity=D(1))


# --- price_line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        pytest.param(
            line(PER_UNIT, "10.00", "3"),
            ("10.00", "10.00", "30.00", "0.00"),
            id="no-discount",
        ),
        pytest.param(
            line(PER_UNIT, "10.00", "3", discount_percent="15"),
            ("10.00", "8.50", "25.50", "4.50"),
            id="percent",
        ),
        pytest.param(
            line(PER_UNIT, "10.00", "3", discount_amount="2.50"),
            ("10.00", "7.50", "22.50", "7.50"),
            id="amount-is-per-unit",
        ),
        pytest.param(
            line(PER_UNIT, "10.00", "3", discount_amount="12"),
            ("10.00", "0.00", "0.00", "30.00"),
            id="amount-never-below-zero",
        ),
        pytest.param(
            line(PER_UNIT, "10.00", "3", discount_percent="100"),
            ("10.00", "0.00", "0.00", "30.00"),
            id="free",
        ),
        pytest.param(
            line(FLAT, "100.00", "3"),
            ("33.33", "33.33", "100.00", "0.00"),
            id="flat-unit-prices-are-for-display",
        ),
        pytest.param(
            line(FLAT, "100.00", "5", discount_amount="5"),
            ("20.00", "15.00", "75.00", "25.00"),
            id="flat-with-per-unit-discount",
        ),
        pytest.param(
            line(VOLUME, "0", "11", tiers=TIERS, discount_percent="10"),
            ("8.00", "7.20", "79.20", "8.80"),
            id="volume-with-percent",
        ),
        pytest.param(
            line(TIERED, "0", "11", tiers=TIERS),
            ("9.82", "9.82", "108.00", "0.00"),
            id="tiered-blended-unit-price",
        ),
        pytest.param(
            line(PER_UNIT, "0.125", "1"),
            ("0.13", "0.13", "0.13", "0.00"),
            id="half-up-not-half-even",
        ),
        pytest.param(
            line(PER_UNIT, "0.005", "1", discount_percent="50"),
            ("0.01", "0.00", "0.00", "0.01"),
            id="net-rounded-once-not-list-minus-discount",
        ),
        pytest.param(
            line(PER_UNIT, "999.5", "1", currency="JPY"),
            ("1000", "1000", "1000", "0"),
            id="jpy-no-decimals",
        ),
        pytest.param(
            line(PER_UNIT, "1005", "1", currency="JPY", discount_percent="10"),
            ("1005", "905", "905", "100"),
            id="jpy-half-up-after-discount",
        ),
        pytest.param(
            line(PER_UNIT, "1.2345", "1", currency="KWD"),
            ("1.235", "1.235", "1.235", "0.000"),
            id="kwd-three-decimals",
        ),
        pytest.param(
            line(PER_UNIT, "10.00", "0", discount_percent="10"),
            ("10.00", "9.00", "0.00", "0.00"),
            id="quantity-zero-per-unit",
        ),
        pytest.param(
            line(FLAT, "100.00", "0"),
            ("100.00", "100.00", "0.00", "0.00"),
            id="quantity-zero-flat-costs-nothing",
        ),
        pytest.param(
            line(TIERED, "0", "0", tiers=TIERS, discount_amount="1"),
            ("10.00", "9.00", "0.00", "0.00"),
            id="quantity-zero-first-tier",
        ),
    ],
)
def test_price_line(price: LinePrice, expected: tuple[str, str, str, str]) -> None:
    assert as_strings(price) == expected


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        pytest.param(
            {"discount_percent": "10", "discount_amount": "1"},
            ValueError,
            "not both",
            id="both-discounts",
        ),
        pytest.param(
            {"discount_percent": "100.01"}, ValueError, "between 0 and 100", id="percent-over-100"
        ),
        pytest.param(
            {"discount_percent": "-1"}, ValueError, "between 0 and 100", id="negative-percent"
        ),
        pytest.param({"discount_amount": "-0.01"}, ValueError, "negative", id="negative-amount"),
        pytest.param({"currency": "XXX"}, UnknownCurrencyError, "XXX", id="unknown-currency"),
    ],
)
def test_price_line_refuses(kwargs: dict[str, str], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        line(PER_UNIT, "10.00", "3", **kwargs)  # type: ignore[arg-type]


def test_price_line_refuses_both_discounts_even_at_quantity_zero() -> None:
    with pytest.raises(ValueError, match="not both"):
        line(PER_UNIT, "10.00", "0", discount_percent="10", discount_amount="1")


# --- effective_discount_percent ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "unit_price", "quantity", "discount_percent", "discount_amount", "expected"),
    [
        pytest.param(PER_UNIT, "10.00", "3", None, None, "0", id="none"),
        pytest.param(PER_UNIT, "10.00", "3", "20", None, "20", id="percent"),
        pytest.param(PER_UNIT, "10.00", "3", None, "2", "20", id="amount-counts-too"),
        pytest.param(PER_UNIT, "10.00", "3", None, "2.01", "20.1", id="amount-just-over-20"),
        pytest.param(PER_UNIT, "10.00", "3", None, "12", "100", id="amount-capped-at-all"),
        pytest.param(FLAT, "100.00", "5", None, "5", "25", id="flat-per-unit-amount"),
        pytest.param(PER_UNIT, "0.333", "1", "20", None, "20", id="exact-before-rounding"),
        pytest.param(PER_UNIT, "0", "3", "50", None, "0", id="free-product"),
        pytest.param(PER_UNIT, "10.00", "0", None, "1", "0", id="nothing-bought"),
    ],
)
def test_effective_discount_percent(
    model: PricingModel,
    unit_price: str,
    quantity: str,
    discount_percent: str | None,
    discount_amount: str | None,
    expected: str,
) -> None:
    percent = effective_discount_percent(
        pricing_model=model,
        unit_price=D(unit_price),
        tiers=(),
        quantity=D(quantity),
        discount_percent=None if discount_percent is None else D(discount_percent),
        discount_amount=None if discount_amount is None else D(discount_amount),
    )
    assert percent == D(expected)


# --- line_net_total and quote_totals ----------------------------------------------------------


@pytest.mark.parametrize(
    ("charge_type", "amount", "term_months", "expected"),
    [
        pytest.param(ChargeType.RECURRING, "31.00", 12, "372.00", id="recurring-whole-term"),
        pytest.param("recurring", "31.00", 1, "31.00", id="recurring-one-month"),
        pytest.param(ChargeType.ONE_TIME, "500.00", 36, "500.00", id="one-time-once"),
        pytest.param(ChargeType.USAGE, "99.00", 12, "0.00", id="usage-counts-zero"),
        pytest.param(ChargeType.USAGE, "99", 12, "0", id="usage-zero-keeps-jpy-decimals"),
    ],
)
def test_line_net_total(
    charge_type: ChargeType | str, amount: str, term_months: int, expected: str
) -> None:
    assert str(line_net_total(charge_type, D(amount), term_months)) == expected


@pytest.mark.parametrize(("charge_type", "term_months"), [("recurring", 0), ("banana", 12)])
def test_line_net_total_refuses(charge_type: str, term_months: int) -> None:
    with pytest.raises(ValueError):
        line_net_total(charge_type, D("1.00"), term_months)


@pytest.mark.parametrize(
    ("lines", "term_months", "currency", "expected"),
    [
        pytest.param(
            [
                (ChargeType.ONE_TIME, D("500.00")),
                (ChargeType.RECURRING, D("100.00")),
                ("recurring", D("31.00")),
                (ChargeType.USAGE, D("99.00")),
            ],
            12,
            "USD",
            ("500.00", "131.00", "2072.00"),
            id="mixed",
        ),
        pytest.param([], 12, "USD", ("0.00", "0.00", "0.00"), id="empty-usd"),
        pytest.param([], 12, "JPY", ("0", "0", "0"), id="empty-jpy"),
        pytest.param(
            [(ChargeType.RECURRING, D("1000"))],
            24,
            "JPY",
            ("0", "1000", "24000"),
            id="recurring-only",
        ),
    ],
)
def test_quote_totals(
    lines: list[tuple[ChargeType | str, Decimal]],
    term_months: int,
    currency: str,
    expected: tuple[str, str, str],
) -> None:
    totals = quote_totals(lines, term_months, currency)
    assert isinstance(totals, QuoteTotals)
    assert (
        str(totals.one_time_total),
        str(totals.monthly_recurring_total),
        str(totals.total_contract_value),
    ) == expected


def test_quote_totals_refuses_an_unknown_charge_type() -> None:
    with pytest.raises(ValueError):
        quote_totals([("banana", D("1.00"))], 12, "USD")


# --- properties -------------------------------------------------------------------------------

prices = st.decimals(min_value=0, max_value=10_000, places=2)
quantities = st.decimals(min_value=0, max_value=5_000, places=2)
percents = st.decimals(min_value=0, max_value=100, places=2)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD"])


@st.composite
def tier_lists(draw: st.DrawFn, *, non_increasing: bool = False) -> tuple[PriceTier, ...]:
    """Ascending integer bounds, then an open last tier."""
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=1_000), max_size=4)))
    tier_prices = draw(st.lists(prices, min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    if non_increasing:
        tier_prices.sort(reverse=True)
    ups: list[Decimal | None] = [D(bound) for bound in bounds]
    ups.append(None)
    return tuple(
        PriceTier(up_to=up_to, unit_price=price)
        for up_to, price in zip(ups, tier_prices, strict=True)
    )


def tier_index(tiers: tuple[PriceTier, ...], quantity: Decimal) -> int:
    return next(
        index for index, tier in enumerate(tiers) if tier.up_to is None or quantity <= tier.up_to
    )


@given(tiers=tier_lists(non_increasing=True), quantity=quantities)
def test_tiered_never_exceeds_per_unit_at_the_first_tier_price(
    tiers: tuple[PriceTier, ...], quantity: Decimal
) -> None:
    tiered = priced_amount(pricing_model=TIERED, unit_price=D(0), tiers=tiers, quantity=quantity)
    at_first_price = priced_amount(
        pricing_model=PER_UNIT, unit_price=tiers[0].unit_price, tiers=(), quantity=quantity
    )
    assert tiered <= at_first_price


@given(tiers=tier_lists(), quantity=quantities)
def test_tiered_and_volume_agree_with_per_unit_within_the_first_tier(
    tiers: tuple[PriceTier, ...], quantity: Decimal
) -> None:
    first = tiers[0]
    if first.up_to is not None:
        quantity = min(quantity, first.up_to)
    per_unit = priced_amount(
        pricing_model=PER_UNIT, unit_price=first.unit_price, tiers=(), quantity=quantity
    )
    for model in (VOLUME, TIERED):
        assert (
            priced_amount(pricing_model=model, unit_price=D(0), tiers=tiers, quantity=quantity)
            == per_unit
        )


@given(tiers=tier_lists(), first=quantities, second=quantities)
def test_volume_is_monotone_within_a_tier(
    tiers: tuple[PriceTier, ...], first: Decimal, second: Decimal
) -> None:
    fewer, more = sorted((first, second))
    if tier_index(tiers, fewer) != tier_index(tiers, more):
        return  # crossing into a cheaper tier may lower a volume price; that is the point of it
    amounts = [
        priced_amount(pricing_model=VOLUME, unit_price=D(0), tiers=tiers, quantity=quantity)
        for quantity in (fewer, more)
    ]
    assert amounts[0] <= amounts[1]


@given(tiers=tier_lists(), first=quantities, second=quantities)
def test_tiered_is_monotone(tiers: tuple[PriceTier, ...], first: Decimal, second: Decimal) -> None:
    fewer, more = sorted((first, second))
    amounts = [
        priced_amount(pricing_model=TIERED, unit_price=D(0), tiers=tiers, quantity=quantity)
        for quantity in (fewer, more)
    ]
    assert amounts[0] <= amounts[1]


@given(unit_price=prices, first=quantities, second=quantities)
def test_per_unit_is_linear(unit_price: Decimal, first: Decimal, second: Decimal) -> None:
    def priced(quantity: Decimal) -> Decimal:
        return priced_amount(
            pricing_model=PER_UNIT, unit_price=unit_price, tiers=(), quantity=quantity
        )

    assert priced(first + second) == priced(first) + priced(second)
    assert priced(first) == unit_price * first
    assert priced(first * 3) == 3 * priced(first)


@given(
    model=st.sampled_from(list(PricingModel)),
    unit_price=prices,
    tiers=tier_lists(),
    quantity=quantities,
    currency=currencies,
    discount=st.one_of(
        st.none(),
        percents.map(lambda percent: {"discount_percent": percent}),
        prices.map(lambda amount: {"discount_amount": amount}),
    ),
)
def test_discounts_never_make_an_amount_negative(
    model: PricingModel,
    unit_price: Decimal,
    tiers: tuple[PriceTier, ...],
    quantity: Decimal,
    currency: str,
    discount: dict[str, Decimal] | None,
) -> None:
    price = price_line(
        pricing_model=model,
        unit_price=unit_price,
        tiers=tiers,
        quantity=quantity,
        currency=currency,
        **(discount or {}),
    )
    list_amount = round_money(
        priced_amount(pricing_model=model, unit_price=unit_price, tiers=tiers, quantity=quantity),
        currency,
    )
    assert price.amount >= 0
    assert price.net_unit_price >= 0
    assert 0 <= price.discount_total
    if quantity > 0:
        assert price.amount + price.discount_total == list_amount
    percent = effective_discount_percent(
        pricing_model=model,
        unit_price=unit_price,
        tiers=tiers,
        quantity=quantity,
        **(discount or {}),
    )
    assert 0 <= percent <= 100


@given(
    lines=st.lists(st.tuples(st.sampled_from(list(ChargeType)), prices), max_size=8),
    term_months=st.integers(min_value=1, max_value=120),
)
def test_total_contract_value_is_the_sum_of_line_net_totals(
    lines: list[tuple[ChargeType, Decimal]], term_months: int
) -> None:
    totals = quote_totals(lines, term_months, "USD")
    assert totals.total_contract_value == sum(
        (line_net_total(charge_type, amount, term_months) for charge_type, amount in lines),
        D(0),
    )
