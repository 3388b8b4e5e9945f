"""A quote's lines as they are priced: added from the catalog or from a contract's
subscription, repriced on every change, and added up into the quote's totals.

The arithmetic is the pure core's (`core.pricing`, with `q2c_shared.billing.charges` saying
where each charge type's amount goes); this module loads what it needs and writes the results.
"""

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.billing import charges
from quote_svc.accounts.service import existing_account
from quote_svc.catalog.service import existing_product, price_of
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
from quote_svc.models import Quote, QuoteLine
from quote_svc.quotes import repository
from quote_svc.quotes.schemas import QuoteLineCreate
from quote_svc.statuses import QuoteType


async def add_product_line(session: AsyncSession, quote: Quote, body: QuoteLineCreate) -> QuoteLine:
    """A line selling a catalog product, priced from the quote's price book."""
    product = await existing_product(session, body.product_id)
    if body.billing_account_id is not None:
        await existing_account(session, body.billing_account_id, role="billing account")
    line = QuoteLine(
        quote_id=quote.id,
        position=await repository.next_line_position(session, quote.id),
        product_id=product.id,
        sku=product.sku,
        product_name=product.name,
        charge_type=product.charge_type,
        billing_type=product.billing_type,
        billing_frequency=product.billing_frequency,
        tax_code=product.tax_code,
        pricing_model=PricingModel.PER_UNIT,
        quantity=body.quantity,
        discount_percent=body.discount_percent,
        discount_amount=body.discount_amount,
        billing_account_id=body.billing_account_id,
        invoice_grouping=body.invoice_grouping,
        invoice_group_id=body.invoice_group_id,
    )
    session.add(line)
    await price(session, quote, line)
    return line


async def add_subscription_line(
    session: AsyncSession,
    quote: Quote,
    subscription: ContractSubscription,
    *,
    quantity: Decimal,
    quantity_delta: Decimal | None,
    net_unit_price: Decimal,
    billing_account_id: uuid.UUID | None = None,
    invoice_grouping: str | None = None,
    invoice_group_id: str | None = None,
) -> QuoteLine:
    """A line for an existing subscription, at its net unit price (uplifted for a renewal)."""
    product = await existing_product(session, subscription.product_id)
    if billing_account_id is not None:
        await existing_account(session, billing_account_id, role="billing account")
    line = QuoteLine(
        quote_id=quote.id,
        position=await repository.next_line_position(session, quote.id),
        product_id=product.id,
        sku=product.sku,
        product_name=product.name,
        charge_type=product.charge_type,
        billing_type=product.billing_type,
        billing_frequency=product.billing_frequency,
        tax_code=product.tax_code,
        # Whatever the product's price book model, a subscription changes at its unit price.
        pricing_model=PricingModel.PER_UNIT,
        quantity=quantity,
        quantity_delta=quantity_delta,
        list_unit_price=net_unit_price,
        net_unit_price=net_unit_price,
        subscription_id=subscription.id,
        subscription_start_date=subscription.start_date,
        billing_account_id=billing_account_id,
        invoice_grouping=invoice_grouping,
        invoice_group_id=invoice_group_id,
    )
    session.add(line)
    await price(session, quote, line)
    return line


async def price(session: AsyncSession, quote: Quote, line: QuoteLine) -> None:
    """(Re)price the line: its unit prices, its amounts where its charge type puts them, and
    what it is worth over the quote's term."""
    if line.subscription_id is not None:
        # An existing subscription is not repriced: its (renewal: uplifted) net unit price x
        # the change of quantity on an amendment, x the quantity on a renewal.
        basis = line.quantity_delta if quote.type == QuoteType.AMENDMENT else line.quantity
        assert basis is not None
        amount = extended_amount(line.net_unit_price, basis, quote.currency)
    else:
        price_book_price = await price_of(session, quote.price_book_id, line.product_id)
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
    await session.flush()


async def discount_percent_of(session: AsyncSession, quote: Quote, line: QuoteLine) -> Decimal:
    """The line's discount as a percent of its priced amount (a per-unit discount counts too)."""
    if line.subscription_id is not None:
        return Decimal(0)  # a subscription keeps its price: nothing is discounted
    price_book_price = await price_of(session, quote.price_book_id, line.product_id)
    return effective_discount_percent(
        pricing_model=price_book_price.pricing_model,
        unit_price=price_book_price.unit_price,
        tiers=price_book_price.tiers,
        quantity=line.quantity,
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
    )


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


def _net_total(quote: Quote, line: QuoteLine, amount: Decimal) -> Decimal:
    """What the line is worth over the quote's term; an amendment's term ends with the contract,
    mid-period as a rule, so its lines are worth exactly what their periods will bill, on the
    period grid of the subscription a line changes."""
    if quote.type != QuoteType.AMENDMENT:
        return line_net_total(line.charge_type, amount, quote.term_months)
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
