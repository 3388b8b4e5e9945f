"""Orders: from an accepted quote (`QuoteAccepted`) or direct, as drafts until activated.

A `new` order creates a contract on activation. An `amendment` order carries delta order
products (quantity = the change, from the amendment's start to the contract's end); a `renewal`
order extends its contract by a term (contracts/service.py activates them). Functions flush,
never commit: the request's or the consumed message's unit of work commits.
"""

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from order_svc.contracts import repository as contracts_repository
from order_svc.errors import OrderNotFound
from order_svc.models import Order, OrderProduct
from order_svc.orders import repository
from order_svc.orders.schemas import OrderCreate, OrderProductPublic, OrderPublic
from order_svc.statuses import OrderStatus, OrderType
from q2c_shared.billing import charges
from q2c_shared.billing.periods import term_end_date
from q2c_shared.events import contracts as event_contracts
from q2c_shared.money import round_money
from q2c_shared.pagination import PageRequest


class UnknownContract(LookupError):
    """An amendment or renewal names a contract this service does not have (dead-lettered)."""


async def order_public(session: AsyncSession, order: Order) -> OrderPublic:
    products = await repository.order_products(session, order.id)
    return OrderPublic.model_validate(
        {
            **order.model_dump(),
            "order_products": [OrderProductPublic.model_validate(p) for p in products],
        }
    )


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


async def order_from_quote(session: AsyncSession, accepted: event_contracts.QuoteAccepted) -> Order:
    """The draft order for an accepted quote; the same quote never makes two orders.

    Every order product carries its line's billing fields, `tax_code` included (invoice-svc
    taxes by it). An amendment's order products carry the change of quantity
    (`quantity_delta`), priced as the quote priced it; a renewal's carry the next term's
    quantities and prices.
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
    session.add(order)
    await session.flush()
    for position, line in enumerate(quote.lines, start=1):
        session.add(
            OrderProduct(
                order_id=order.id,
                position=position,
                product_id=uuid.UUID(line.product_id),
                sku=line.sku,
                product_name=line.product_name,
                charge_type=line.charge_type,
                billing_type=line.billing_type,
                billing_frequency=line.billing_frequency,
                tax_code=line.tax_code,
                quantity=_ordered_quantity(order_type, line),
                net_unit_price=line.net_unit_price,
                monthly_amount=line.monthly_amount,
                amount=line.amount,
                start_date=quote.start_date,
                end_date=quote.end_date,
                billing_account_id=_uuid_or_none(line.billing_account_id),
                invoice_grouping=line.invoice_grouping,
                invoice_group_id=line.invoice_group_id,
                subscription_id=_uuid_or_none(line.subscription_id),
            )
        )
    await session.flush()
    return order


async def create_order(session: AsyncSession, body: OrderCreate) -> Order:
    """A direct order (no quote): prices are given, amounts derived and rounded here."""
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
    session.add(order)
    await session.flush()
    end_date = term_end_date(body.start_date, body.term_months)
    for position, item in enumerate(body.order_products, start=1):
        split = charges.line_amounts(
            charge_type=item.charge_type,
            net_amount=round_money(item.net_unit_price * item.quantity, body.currency),
        )
        session.add(
            OrderProduct(
                order_id=order.id,
                position=position,
                product_id=item.product_id,
                sku=item.sku,
                product_name=item.product_name,
                charge_type=item.charge_type,
                billing_type=item.billing_type,
                billing_frequency=item.billing_frequency,
                tax_code=item.tax_code,
                quantity=item.quantity,
                net_unit_price=item.net_unit_price,
                monthly_amount=split.monthly_amount,
                amount=split.amount,
                start_date=item.start_date or body.start_date,
                end_date=end_date,
                billing_account_id=item.billing_account_id,
                invoice_grouping=item.invoice_grouping,
                invoice_group_id=item.invoice_group_id,
            )
        )
    await session.flush()
    return order


def _ordered_quantity(order_type: OrderType, line: event_contracts.QuoteLineSnapshot) -> Decimal:
    """An amendment orders the change of quantity; other orders the quantity itself."""
    if order_type is OrderType.AMENDMENT and line.quantity_delta is not None:
        return line.quantity_delta
    return line.quantity


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
