"""A quote's lines as they are priced: added from the catalog or from a contract's
subscription, repriced on every change, and added up into the quote's totals.

Lines are added set-based, however many a request brings (at most `MAX_LINES` a quote): their
products, bill-to accounts and price book entries are read in one query each, positions are
counted on from the quote's last line, each line is priced in memory and all are inserted in one
statement. No query per line: a 1,000-line quote costs the round trips of a one-line quote.

The arithmetic is the pure core's (`core.pricing`, with `q2c_shared.billing.charges` saying
where each charge type's amount goes); this module loads what it needs and writes the results.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.billing import charges
from q2c_shared.bounds import MAX_LINES
from q2c_shared.ids import new_ids
from q2c_shared.money import check_minor_units, round_money, zero
from quote_svc.accounts.service import check_accounts_exist
from quote_svc.catalog.service import Price, existing_products, price_of, prices_of
from quote_svc.contract_quotes.order_client import ContractSubscription
from quote_svc.core.pricing import (
    PricingModel,
    co_terminated_net_total,
    co_terminated_totals,
    effective_discount_percent,
    extended_amount,
    line_net_total,
    price_line,
    quote_totals,
)
from quote_svc.errors import TooManyLines
from quote_svc.models import Product, Quote, QuoteLine
from quote_svc.quotes import repository
from quote_svc.quotes.schemas import QuoteLineCreate
from quote_svc.statuses import QuoteType


@dataclass(frozen=True)
class SubscriptionChange:
    """A line for an existing subscription of the contract, at its net unit price (uplifted for
    a renewal): amendments and renewals."""

    subscription: ContractSubscription
    quantity: Decimal
    quantity_delta: Decimal | None
    net_unit_price: Decimal
    billing_account_id: uuid.UUID | None = None
    invoice_grouping: str | None = None
    invoice_group_id: str | None = None


NewLine = QuoteLineCreate | SubscriptionChange
"""A line to add: a catalog product priced from the quote's price book, or a subscription."""


def check_discounts(
    requested: Sequence[QuoteLineCreate | object], currency: str, *, path: str | None
) -> None:
    """A per-unit discount is money in the quote's currency: no more decimals than it has
    (`path`: where the lines are in the body, "lines"; None for a body that is one line)."""
    for index, line in enumerate(requested):
        discount_amount = getattr(line, "discount_amount", None)
        if discount_amount is not None:
            field = "discount_amount" if path is None else f"{path}.{index}.discount_amount"
            check_minor_units(discount_amount, currency, field=field)


async def add_lines(session: AsyncSession, quote: Quote, new_lines: Sequence[NewLine]) -> None:
    """Add the lines after the quote's last, priced, in one insert; the quote's totals are the
    caller's to recalculate. The quote is locked (or new): its line count cannot move."""
    count, last_position = await repository.line_count_and_last_position(session, quote.id)
    if count + len(new_lines) > MAX_LINES:
        raise TooManyLines(
            f"Quote {quote.number} has {count:,} lines; {len(new_lines):,} more would pass the "
            f"{MAX_LINES:,} a quote may have.",
            errors=[{"loc": ["body", "lines"], "msg": f"at most {MAX_LINES} lines a quote"}],
        )
    products = await existing_products(session, [_product_id(line) for line in new_lines])
    await check_accounts_exist(
        session,
        [line.billing_account_id for line in new_lines if line.billing_account_id is not None],
        role="billing account",
    )
    catalog_lines = [line for line in new_lines if isinstance(line, QuoteLineCreate)]
    prices = await prices_of(
        session, quote.price_book_id, [line.product_id for line in catalog_lines]
    )
    rows = []
    line_ids = new_ids(len(new_lines))
    for offset, new_line in enumerate(new_lines):
        position = last_position + 1 + offset
        row = _row(quote, new_line, products[_product_id(new_line)], position, line_ids[offset])
        _apply_price(quote, row, prices.get(row.product_id))
        rows.append(vars(row))
    await repository.insert_lines(session, rows)


async def price(session: AsyncSession, quote: Quote, line: QuoteLine) -> None:
    """(Re)price one line after a change: its unit prices, its amounts where its charge type
    puts them, and what it is worth over the quote's term."""
    price_book_price = (
        None
        if line.subscription_id is not None
        else await price_of(session, quote.price_book_id, line.product_id)
    )
    _apply_price(quote, line, price_book_price)
    await session.flush()


async def discount_percents(
    session: AsyncSession, quote: Quote, quote_lines: Sequence[QuoteLine]
) -> list[Decimal]:
    """Each line's discount as a percent of its priced amount (a per-unit discount counts too),
    the price book read once for all of them."""
    catalog_ids = [line.product_id for line in quote_lines if line.subscription_id is None]
    prices = await prices_of(session, quote.price_book_id, catalog_ids)
    percents = []
    for line in quote_lines:
        if line.subscription_id is not None:
            percents.append(Decimal(0))  # a subscription keeps its price: nothing is discounted
            continue
        price_book_price = prices[line.product_id]
        percents.append(
            effective_discount_percent(
                pricing_model=price_book_price.pricing_model,
                unit_price=price_book_price.unit_price,
                tiers=price_book_price.tiers,
                quantity=line.quantity,
                discount_percent=line.discount_percent,
                discount_amount=line.discount_amount,
            )
        )
    return percents


def zero_totals(currency: str) -> dict[str, Decimal]:
    """A new quote's totals before its lines are added, in the currency's decimals: a total
    that stays zero must read "0.00" as it does after any change (the unit of work would see
    no change from 0 to 0.00, and write none)."""
    amount = zero(currency)
    return {
        "one_time_total": amount,
        "monthly_recurring_total": amount,
        "total_contract_value": amount,
    }


async def recalculate(session: AsyncSession, quote: Quote) -> None:
    """The quote's totals from its lines as they are now."""
    lines = await repository.lines(session, quote.id)
    amounts = [
        (
            line.charge_type,
            line.monthly_amount if line.monthly_amount is not None else line.amount or Decimal(0),
        )
        for line in lines
    ]
    if quote.type == QuoteType.AMENDMENT:
        totals = co_terminated_totals(
            [
                (charge_type, amount, line.net_total)
                for (charge_type, amount), line in zip(amounts, lines, strict=True)
            ],
            quote.currency,
        )
    else:
        totals = quote_totals(amounts, quote.term_months, quote.currency)
    quote.one_time_total = totals.one_time_total
    quote.monthly_recurring_total = totals.monthly_recurring_total
    quote.total_contract_value = totals.total_contract_value
    await session.flush()


def _product_id(line: NewLine) -> uuid.UUID:
    return line.product_id if isinstance(line, QuoteLineCreate) else line.subscription.product_id


_COLUMNS = tuple(column.key for column in QuoteLine.__table__.columns)


def _row(
    quote: Quote, new_line: NewLine, product: Product, position: int, line_id: uuid.UUID
) -> SimpleNamespace:
    """The line's row as it is written, before pricing: what it sells, from the product as it
    is now (sku, name and billing are copied, so later catalog edits do not change a quote).

    A plain namespace with every column, not an ORM object: a thousand of those cost half a
    second to construct, where the rows are only priced and inserted."""
    row = SimpleNamespace(**dict.fromkeys(_COLUMNS))
    row.id = line_id
    row.quote_id = quote.id
    row.position = position
    row.product_id = product.id
    row.sku = product.sku
    row.product_name = product.name
    row.charge_type = product.charge_type
    row.billing_type = product.billing_type
    row.billing_frequency = product.billing_frequency
    row.tax_code = product.tax_code
    # Catalog lines take the price book's model when priced; a subscription changes at its unit
    # price whatever the product's model.
    row.pricing_model = PricingModel.PER_UNIT
    row.quantity = new_line.quantity
    row.billing_account_id = new_line.billing_account_id
    row.invoice_grouping = new_line.invoice_grouping
    row.invoice_group_id = new_line.invoice_group_id
    if isinstance(new_line, QuoteLineCreate):
        row.discount_percent = new_line.discount_percent
        row.discount_amount = new_line.discount_amount
    else:
        row.quantity_delta = new_line.quantity_delta
        row.list_unit_price = new_line.net_unit_price
        row.net_unit_price = new_line.net_unit_price
        row.subscription_id = new_line.subscription.id
        row.subscription_start_date = new_line.subscription.start_date
    return row


def _apply_price(
    quote: Quote, line: QuoteLine | SimpleNamespace, price_book_price: Price | None
) -> None:
    """Price the line in memory: a catalog line from its price book price, a subscription's
    line from its net unit price."""
    if line.subscription_id is not None:
        # An existing subscription is not repriced: its (renewal: uplifted) net unit price x
        # the change of quantity on an amendment, x the quantity on a renewal.
        basis = line.quantity_delta if quote.type == QuoteType.AMENDMENT else line.quantity
        assert basis is not None
        amount = extended_amount(line.net_unit_price, basis, quote.currency)
    else:
        assert price_book_price is not None
        priced = price_line(
            pricing_model=price_book_price.pricing_model,
            unit_price=price_book_price.unit_price,
            tiers=price_book_price.tiers,
            quantity=line.quantity,
            currency=quote.currency,
            discount_percent=line.discount_percent,
            discount_amount=line.discount_amount,
        )
        line.pricing_model = price_book_price.pricing_model
        line.list_unit_price = priced.list_unit_price
        line.net_unit_price = priced.net_unit_price
        amount = priced.amount
        if quote.type == QuoteType.AMENDMENT:
            line.quantity_delta = line.quantity  # an added product is all new
    split = charges.line_amounts(charge_type=line.charge_type, net_amount=amount)
    line.monthly_amount = split.monthly_amount
    line.amount = split.amount
    line.net_total = _net_total(quote, line, amount)


def _net_total(quote: Quote, line: QuoteLine | SimpleNamespace, amount: Decimal) -> Decimal:
    """What the line is worth over the quote's term; an amendment's term ends with the contract,
    mid-period as a rule, so its lines are worth exactly what their periods will bill, on the
    period grid of the subscription a line changes."""
    if quote.type != QuoteType.AMENDMENT:
        # Rounding a rounded amount x whole months changes nothing; it refuses (422) a total
        # past 18 digits before anything is written.
        return round_money(
            line_net_total(line.charge_type, amount, quote.term_months), quote.currency
        )
    return co_terminated_net_total(
        charge_type=line.charge_type,
        amount=amount,
        start_date=quote.start_date,
        end_date=quote.end_date,
        billing_day_of_month=quote.billing_day_of_month,
        billing_frequency=line.billing_frequency,
        currency=quote.currency,
        grid_start=line.subscription_start_date,
    )
