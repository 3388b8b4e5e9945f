"""Orders: from an accepted quote (`QuoteAccepted`) or direct, as drafts until activated.

A `new` order creates a contract on activation. An `amendment` order carries delta order
products (quantity = the change, from the amendment's start to the contract's end); a `renewal`
order extends its contract by a term (contracts/service.py activates them). Functions flush,
never commit: the request's or the consumed message's unit of work commits.
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.contracts import repository as contracts_repository
from order_svc.errors import OrderNotFound, OrderProductOutsideTerm
from order_svc.models import Order
from order_svc.orders import repository
from order_svc.orders.schemas import (
    AcceptedQuote,
    AcceptedQuoteLine,
    OrderCreate,
    OrderProductCreate,
    OrderProductPublic,
    OrderPublic,
)
from order_svc.statuses import OrderStatus, OrderType
from q2c_shared.billing import charges
from q2c_shared.billing.periods import term_end_date
from q2c_shared.bounds import check_business_date
from q2c_shared.money import AmountOutOfRange, check_minor_units, round_money
from q2c_shared.pagination import PageRequest


class UnknownContract(LookupError):
    """An amendment or renewal names a contract this service does not have (dead-lettered)."""


async def order_public(session: AsyncSession, order: Order) -> OrderPublic:
    return (await orders_public(session, [order]))[0]


async def orders_public(session: AsyncSession, orders: list[Order]) -> list[OrderPublic]:
    """The orders with their order products, read in one query for all of them."""
    products = await repository.order_products_of(session, [order.id for order in orders])
    return [
        OrderPublic.model_validate(
            {
                **order.model_dump(),
                "order_products": [
                    OrderProductPublic.model_validate(p) for p in products.get(order.id, [])
                ],
            }
        )
        for order in orders
    ]


async def get_order(session: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await repository.get(session, order_id)
    if order is None:
        raise OrderNotFound(f"No order with id {order_id}.")
    return order


async def list_orders(
    session: AsyncSession,
    page: PageRequest,
    *,
    quote_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    contract_id: uuid.UUID | None = None,
) -> tuple[list[Order], str | None]:
    return await repository.page(
        session, page, quote_id=quote_id, account_id=account_id, contract_id=contract_id
    )


async def order_from_quote(session: AsyncSession, accepted: AcceptedQuote) -> Order:
    """The draft order for an accepted quote; the same quote never makes two orders.

    Every order product carries its line's billing fields, `tax_code` included (invoice-svc
    taxes by it). An amendment's order products carry the change of quantity
    (`quantity_delta`), priced as the quote priced it; a renewal's carry the next term's
    quantities and prices. The event was validated against this service's bounds
    (`AcceptedQuote`) before anything is written; the order products go in one statement.
    """
    quote = accepted.quote
    existing = await repository.of_quote(session, uuid.UUID(quote.id))
    if existing is not None:
        return existing
    order_type = OrderType(quote.type)
    contract_id = None
    if order_type is not OrderType.NEW:
        contract = (
            await contracts_repository.get(session, uuid.UUID(quote.contract_id))
            if quote.contract_id
            else None
        )
        if contract is None:
            raise UnknownContract(f"{order_type} quote {quote.id} names unknown contract")
        contract_id = contract.id
    products = [
        {
            "product_id": uuid.UUID(line.product_id),
            "sku": line.sku,
            "product_name": line.product_name,
            "charge_type": line.charge_type,
            "billing_type": line.billing_type,
            "billing_frequency": line.billing_frequency,
            "tax_code": line.tax_code,
            "quantity": _ordered_quantity(order_type, line),
            "net_unit_price": line.net_unit_price,
            "monthly_amount": line.monthly_amount,
            "amount": line.amount,
            "start_date": quote.start_date,
            "end_date": quote.end_date,
            "billing_account_id": _uuid_or_none(line.billing_account_id),
            "invoice_grouping": line.invoice_grouping,
            "invoice_group_id": line.invoice_group_id,
            "subscription_id": _uuid_or_none(line.subscription_id),
        }
        for line in quote.lines
    ]
    order = Order(
        number=await repository.next_number(session, "order_number_seq", "O"),
        type=order_type,
        contract_id=contract_id,
        status=OrderStatus.DRAFT,
        account_id=uuid.UUID(quote.account_id),
        billing_account_id=_uuid_or_none(quote.billing_account_id),
        quote_id=uuid.UUID(quote.id),
        currency=quote.currency,
        payment_term=quote.payment_term,
        po_number=quote.po_number,
        legal_entity=quote.legal_entity,
        billing_day_of_month=quote.billing_day_of_month,
    )
    return await _insert(session, order, products)


async def create_order(session: AsyncSession, body: OrderCreate) -> Order:
    """A direct order (no quote): prices are given, amounts derived and rounded here.

    Everything is checked and computed before anything is written: the order's end within the
    business dates, each price in the currency's minor units, each amount within 18 digits.
    """
    end_date = term_end_date(body.start_date, body.term_months)
    check_business_date(end_date, field="end_date")
    products = [
        _direct_product(
            index, item, currency=body.currency, start_date=body.start_date, end_date=end_date
        )
        for index, item in enumerate(body.order_products)
    ]
    order = Order(
        number=await repository.next_number(session, "order_number_seq", "O"),
        type=OrderType.NEW,
        status=OrderStatus.DRAFT,
        account_id=body.account_id,
        billing_account_id=body.billing_account_id,
        currency=body.currency,
        payment_term=body.payment_term,
        po_number=body.po_number,
        legal_entity=body.legal_entity,
        billing_day_of_month=body.billing_day_of_month,
    )
    return await _insert(session, order, products)


def _direct_product(
    index: int, item: OrderProductCreate, *, currency: str, start_date: date, end_date: date
) -> dict[str, Any]:
    """A direct order product's row: its price in the currency's minor units, its amount
    rounded to them, its start within the order's term."""
    field = f"order_products.{index}"
    check_minor_units(item.net_unit_price, currency, field=f"{field}.net_unit_price")
    product_start = item.start_date or start_date
    if not start_date <= product_start <= end_date:
        raise OrderProductOutsideTerm(
            f"{field}.start_date {product_start} is outside the order's term, {start_date} to "
            f"{end_date}.",
            errors=[{"loc": ["body", *field.split("."), "start_date"], "msg": "outside the term"}],
        )
    try:
        net_amount = round_money(item.net_unit_price * item.quantity, currency)
    except AmountOutOfRange as error:
        error.errors = [{"loc": ["body", *field.split("."), "quantity"], "msg": error.detail}]
        raise
    split = charges.line_amounts(charge_type=item.charge_type, net_amount=net_amount)
    return {
        "product_id": item.product_id,
        "sku": item.sku,
        "product_name": item.product_name,
        "charge_type": item.charge_type,
        "billing_type": item.billing_type,
        "billing_frequency": item.billing_frequency,
        "tax_code": item.tax_code,
        "quantity": item.quantity,
        "net_unit_price": item.net_unit_price,
        "monthly_amount": split.monthly_amount,
        "amount": split.amount,
        "start_date": product_start,
        "end_date": end_date,
        "billing_account_id": item.billing_account_id,
        "invoice_grouping": item.invoice_grouping,
        "invoice_group_id": item.invoice_group_id,
        "subscription_id": None,
    }


async def _insert(session: AsyncSession, order: Order, products: list[dict[str, Any]]) -> Order:
    """The order, then all its order products in one statement, numbered in their order."""
    session.add(order)
    await session.flush()
    await repository.insert_order_products(session, order.id, products)
    return order


def _ordered_quantity(order_type: OrderType, line: AcceptedQuoteLine) -> Decimal:
    """An amendment orders the change of quantity; other orders the quantity itself."""
    if order_type is OrderType.AMENDMENT and line.quantity_delta is not None:
        return line.quantity_delta
    return line.quantity


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
