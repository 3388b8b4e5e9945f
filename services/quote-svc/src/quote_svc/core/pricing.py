"""Quote pricing: what one line costs, and what the quote adds up to (CONTRACT.md, quote-svc).

Pure: plain decimals in, decimals out; no session, no clock. Quote previews, quote lines and the
approval check all price through here, so they can never disagree.

Rounding happens at as few points as possible, always half-up to the currency's minor units:

1. The priced amount and the discount are combined *unrounded*; only the line's net `amount` is
   rounded, once. Rounding the list amount and the discount separately would let two half-cents
   add up to a cent the customer never agreed to.
2. `list_unit_price` and `net_unit_price` are derived amounts divided by the quantity and rounded
   on their own. They are for display: multiplying them back by the quantity need not give the
   amount exactly (a flat 100.00 for 3 units shows 33.33 a unit).
3. `discount_total` is the rounded list amount minus the rounded net amount, so that list amount
   = amount + discount_total holds to the cent on every document.
4. Quote totals add already-rounded line amounts, so they are exact sums of what the lines show.

Amendments and renewals do not reprice what the customer already has: a subscription's change is
its net unit price x the change of quantity (`extended_amount`), a renewal raises the net unit
price by the uplift (`uplifted_unit_price`). An amendment runs from its start to the contract's
end, so its recurring lines are worth what the billing period engine will bill over exactly
those days (`co_terminated_net_total`), not a whole number of months.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from q2c_shared.billing import charges
from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.money import round_money, zero

_HUNDRED = Decimal(100)


class PricingModel(StrEnum):
    PER_UNIT = "per_unit"
    FLAT = "flat"
    VOLUME = "volume"
    TIERED = "tiered"


@dataclass(frozen=True)
class PriceTier:
    up_to: Decimal | None
    """The last unit (inclusive) this tier covers; None on the last, open-ended tier."""
    unit_price: Decimal


@dataclass(frozen=True)
class LinePrice:
    list_unit_price: Decimal
    net_unit_price: Decimal
    amount: Decimal
    """The net amount: per month for a recurring line, once for a one-time line. Rounded."""
    discount_total: Decimal
    """Rounded list amount minus `amount`: what the discount took off, to the cent."""


@dataclass(frozen=True)
class QuoteTotals:
    one_time_total: Decimal
    monthly_recurring_total: Decimal
    total_contract_value: Decimal


def priced_amount(
    *,
    pricing_model: PricingModel | str,
    unit_price: Decimal,
    tiers: Sequence[PriceTier] | None,
    quantity: Decimal,
) -> Decimal:
    """The list amount of `quantity` units before any discount, unrounded.

    `per_unit`: unit price x quantity. `flat`: the unit price, whatever the quantity.
    `volume`: every unit at the price of the tier the quantity falls in (quantity <= up_to).
    `tiered`: each unit at the price of its own tier (graduated).
    """
    model = PricingModel(pricing_model)
    if quantity < 0:
        raise ValueError(f"quantity must not be negative, got {quantity}")
    if unit_price < 0:
        raise ValueError(f"unit_price must not be negative, got {unit_price}")
    if model is PricingModel.PER_UNIT:
        return unit_price * quantity
    if model is PricingModel.FLAT:
        return unit_price
    checked = _checked_tiers(model, tiers)
    if model is PricingModel.VOLUME:
        return _tier_for(checked, quantity).unit_price * quantity
    return _graduated_amount(checked, quantity)


def price_line(
    *,
    pricing_model: PricingModel | str,
    unit_price: Decimal,
    tiers: Sequence[PriceTier] | None,
    quantity: Decimal,
    currency: str,
    discount_percent: Decimal | None = None,
    discount_amount: Decimal | None = None,
) -> LinePrice:
    """Price one quote line and apply its discount; see the module docstring for the rounding.

    `discount_percent` (0..100) is a share of the priced amount; `discount_amount` is taken off
    each unit (so quantity x discount_amount off the amount), never below zero. At most one.

    A line of quantity 0 costs nothing, but still shows the unit prices it would be sold at:
    the price of the first unit (the first tier for volume and tiered), net of the discount.
    """
    # Priced even for quantity 0, so a bad model, tier list or quantity fails the same way.
    priced = priced_amount(
        pricing_model=pricing_model, unit_price=unit_price, tiers=tiers, quantity=quantity
    )
    if quantity == 0:
        first_unit_price = _first_unit_price(pricing_model, unit_price, tiers)
        net_first_unit = _net_amount(
            first_unit_price, Decimal(1), discount_percent, discount_amount
        )
        return LinePrice(
            list_unit_price=round_money(first_unit_price, currency),
            net_unit_price=round_money(net_first_unit, currency),
            amount=zero(currency),
            discount_total=zero(currency),
        )
    amount = round_money(_net_amount(priced, quantity, discount_percent, discount_amount), currency)
    return LinePrice(
        list_unit_price=round_money(priced / quantity, currency),
        net_unit_price=round_money(amount / quantity, currency),
        amount=amount,
        discount_total=round_money(priced, currency) - amount,
    )


def effective_discount_percent(
    *,
    pricing_model: PricingModel | str,
    unit_price: Decimal,
    tiers: Sequence[PriceTier] | None,
    quantity: Decimal,
    discount_percent: Decimal | None = None,
    discount_amount: Decimal | None = None,
) -> Decimal:
    """The line's discount as a percent of its priced amount, unrounded (0 when it prices at 0).

    This is what the approval threshold compares against, so a per-unit `discount_amount` counts
    as much as a `discount_percent`. It is computed before rounding so that exactly 20% off never
    reads as 20.004% because of a rounded cent, and a threshold of 20 is not crossed by accident.
    """
    priced = priced_amount(
        pricing_model=pricing_model, unit_price=unit_price, tiers=tiers, quantity=quantity
    )
    if priced == 0:
        return Decimal(0)
    net = _net_amount(priced, quantity, discount_percent, discount_amount)
    return (priced - net) / priced * _HUNDRED


def line_net_total(charge_type: ChargeType | str, amount: Decimal, term_months: int) -> Decimal:
    """What the line is worth over the whole term (`charges.term_total`).

    Recurring: the monthly amount x term months; one-time: the amount; usage: zero, because usage
    is billed on what is consumed and a quote cannot know that yet.
    """
    return charges.term_total(charge_type=charge_type, net_amount=amount, term_months=term_months)


def quote_totals(
    lines: Iterable[tuple[ChargeType | str, Decimal]], term_months: int, currency: str
) -> QuoteTotals:
    """Add up (charge_type, amount) lines; `amount` is per month for recurring lines.

    total_contract_value = one_time_total + monthly_recurring_total x term_months, which equals
    the sum of the lines' `line_net_total`. Usage lines count as zero (see `line_net_total`).
    """
    if term_months < 1:
        raise ValueError(f"term_months must be at least 1, got {term_months}")
    one_time_total, monthly_recurring_total = _one_time_and_monthly(
        (charge_type, amount) for charge_type, amount in lines
    )
    return QuoteTotals(
        one_time_total=round_money(one_time_total, currency),
        monthly_recurring_total=round_money(monthly_recurring_total, currency),
        total_contract_value=round_money(
            one_time_total + monthly_recurring_total * term_months, currency
        ),
    )


def extended_amount(net_unit_price: Decimal, quantity: Decimal, currency: str) -> Decimal:
    """net unit price x quantity, rounded once: what a change to an existing subscription costs
    per month. The quantity may be negative (fewer seats), and so is the amount then."""
    return round_money(net_unit_price * quantity, currency)


def uplifted_unit_price(net_unit_price: Decimal, uplift_percent: Decimal, currency: str) -> Decimal:
    """The renewal price: net unit price x (1 + uplift / 100), rounded half-up to the currency.

    A negative uplift lowers the price; below -100% a price would turn negative, which is refused.
    """
    if uplift_percent < -_HUNDRED:
        raise ValueError(f"uplift_percent must be at least -100, got {uplift_percent}")
    return round_money(net_unit_price * (1 + uplift_percent / _HUNDRED), currency)


def co_terminated_net_total(
    *,
    charge_type: ChargeType | str,
    amount: Decimal,
    start_date: date,
    end_date: date,
    billing_day_of_month: int | None,
    billing_frequency: BillingFrequency | str | None,
    currency: str,
    grid_start: date | None = None,
) -> Decimal:
    """What an amendment line is worth from its start to the contract's end: the sum of the
    billing periods its order product will be billed (`charges.billing_periods`, the same
    dispatch and engine invoice-svc schedules with, so the quote and the bill agree to the cent).

    Recurring: the prorated periods on the grid of the subscription it changes (`grid_start`,
    its start; none for a new one), negative for fewer seats. One-time: the amount. Usage: zero,
    as on any quote.
    """
    split = charges.line_amounts(charge_type=charge_type, net_amount=amount)
    billed = charges.billing_periods(
        charge_type=charge_type,
        start_date=start_date,
        end_date=end_date,
        monthly_amount=split.monthly_amount,
        amount=split.amount,
        billing_frequency=billing_frequency,
        billing_type=BillingType.ADVANCE,  # when a period bills, not how much
        currency=currency,
        billing_day_of_month=billing_day_of_month,
        grid_start=grid_start,
    )
    return sum((period.amount for period in billed), zero(currency))


def co_terminated_totals(
    lines: Iterable[tuple[ChargeType | str, Decimal, Decimal]], currency: str
) -> QuoteTotals:
    """Totals of an amendment from (charge_type, amount, net_total) lines: the one-time and the
    monthly change, and the contract value as the sum of the lines' co-terminated net totals
    (it cannot be monthly x months when the term is not a whole number of months)."""
    lines = list(lines)
    one_time_total, monthly_recurring_total = _one_time_and_monthly(
        (charge_type, amount) for charge_type, amount, _ in lines
    )
    total_contract_value = sum((net_total for _, _, net_total in lines), zero(currency))
    return QuoteTotals(
        one_time_total=round_money(one_time_total, currency),
        monthly_recurring_total=round_money(monthly_recurring_total, currency),
        total_contract_value=round_money(total_contract_value, currency),
    )


def _one_time_and_monthly(
    lines: Iterable[tuple[ChargeType | str, Decimal]],
) -> tuple[Decimal, Decimal]:
    """The one-time and the monthly sums of (charge_type, net amount) lines, unrounded: each
    amount counted where `charges.line_amounts` puts it (usage: nowhere)."""
    one_time_total = Decimal(0)
    monthly_recurring_total = Decimal(0)
    for charge_type, amount in lines:
        split = charges.line_amounts(charge_type=charge_type, net_amount=amount)
        if split.amount is not None:
            one_time_total += split.amount
        if split.monthly_amount is not None:
            monthly_recurring_total += split.monthly_amount
    return one_time_total, monthly_recurring_total


def _net_amount(
    priced: Decimal,
    quantity: Decimal,
    discount_percent: Decimal | None,
    discount_amount: Decimal | None,
) -> Decimal:
    """The priced amount less its discount, unrounded and never below zero."""
    if discount_percent is not None and discount_amount is not None:
        raise ValueError("give discount_percent or discount_amount, not both")
    if discount_percent is not None:
        if not 0 <= discount_percent <= _HUNDRED:
            raise ValueError(f"discount_percent must be between 0 and 100, got {discount_percent}")
        return priced - priced * discount_percent / _HUNDRED
    if discount_amount is not None:
        if discount_amount < 0:
            raise ValueError(f"discount_amount must not be negative, got {discount_amount}")
        return max(priced - discount_amount * quantity, Decimal(0))
    return priced


def _checked_tiers(model: PricingModel, tiers: Sequence[PriceTier] | None) -> Sequence[PriceTier]:
    """The tiers, once they are known to make sense: a bad price book entry fails loudly here
    rather than pricing a quote at some quietly chosen tier."""
    if not tiers:
        raise ValueError(f"{model} pricing needs tiers")
    bounds = [tier.up_to for tier in tiers]
    if any(bound is None for bound in bounds[:-1]):
        raise ValueError("only the last tier may have up_to None")
    finite = [bound for bound in bounds if bound is not None]
    if any(bound <= 0 for bound in finite):
        raise ValueError("tier up_to must be positive")
    if any(lower >= upper for lower, upper in zip(finite, finite[1:], strict=False)):
        raise ValueError("tiers must be in strictly ascending order of up_to")
    if any(tier.unit_price < 0 for tier in tiers):
        raise ValueError("tier unit_price must not be negative")
    return tiers


def _tier_for(tiers: Sequence[PriceTier], quantity: Decimal) -> PriceTier:
    """The tier `quantity` falls in: the first whose up_to is at least the quantity."""
    for tier in tiers:
        if tier.up_to is None or quantity <= tier.up_to:
            return tier
    raise ValueError(f"quantity {quantity} is beyond the last tier (up to {tiers[-1].up_to})")


def _graduated_amount(tiers: Sequence[PriceTier], quantity: Decimal) -> Decimal:
    """Each unit at its own tier's price: the units in (previous up_to, up_to] at that tier."""
    _tier_for(tiers, quantity)  # refuses a quantity beyond a closed last tier
    amount = Decimal(0)
    lower = Decimal(0)
    for tier in tiers:
        upper = quantity if tier.up_to is None else min(tier.up_to, quantity)
        if upper <= lower:
            break
        amount += (upper - lower) * tier.unit_price
        lower = upper
    return amount


def _first_unit_price(
    pricing_model: PricingModel | str, unit_price: Decimal, tiers: Sequence[PriceTier] | None
) -> Decimal:
    """The price the first unit sells at: the unit price, or the first tier's for tiered models."""
    model = PricingModel(pricing_model)
    if model in (PricingModel.VOLUME, PricingModel.TIERED):
        return _checked_tiers(model, tiers)[0].unit_price
    return unit_price
