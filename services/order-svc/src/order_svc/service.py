"""order-svc use cases: orders from accepted quotes or direct, activation into contracts."""

import uuid
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_svc import repository
from order_svc.models import Contract, Order, OrderProduct, Subscription
from order_svc.schemas import (
    ContractPublic,
    OrderCreate,
    OrderProductPublic,
    OrderPublic,
    OrderStatus,
    SubscriptionPublic,
)
from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import term_end_date
from q2c_shared.db import get_or_404
from q2c_shared.events import contracts
from q2c_shared.money import round_money
from q2c_shared.outbox import enqueue
from q2c_shared.pagination import PageRequest, fetch_page
from q2c_shared.problems import Conflict


async def order_public(session: AsyncSession, order: Order) -> OrderPublic:
    products = await repository.order_products(session, order.id)
    return OrderPublic.model_validate(
        {
            **order.model_dump(),
            "order_products": [OrderProductPublic.model_validate(p) for p in products],
        }
    )


async def contract_public(session: AsyncSession, contract: Contract) -> ContractPublic:
    subscriptions = await repository.subscriptions(session, contract.id)
    return ContractPublic.model_validate(
        {
            **contract.model_dump(),
            "subscriptions": [SubscriptionPublic.model_validate(s) for s in subscriptions],
        }
    )


async def list_orders(
    session: AsyncSession,
    page: PageRequest,
    *,
    quote_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
) -> tuple[list[Order], str | None]:
    statement: Select = select(Order)
    if quote_id is not None:
        statement = statement.where(Order.quote_id == quote_id)
    if account_id is not None:
        statement = statement.where(Order.account_id == account_id)
    return await fetch_page(session, statement, Order.id, page)


async def list_contracts(
    session: AsyncSession, page: PageRequest, *, account_id: uuid.UUID | None
) -> tuple[list[Contract], str | None]:
    statement: Select = select(Contract)
    if account_id is not None:
        statement = statement.where(Contract.account_id == account_id)
    return await fetch_page(session, statement, Contract.id, page)


async def order_from_quote(session: AsyncSession, accepted: contracts.QuoteAccepted) -> Order:
    """The draft order for an accepted quote; the same quote never makes two orders."""
    quote = accepted.quote
    existing = await session.scalar(select(Order).where(Order.quote_id == uuid.UUID(quote.id)))
    if existing is not None:
        return existing
    order = Order(
        number=await repository.next_number(session, "order_number_seq", "O"),
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
                quantity=line.quantity,
                net_unit_price=line.net_unit_price,
                monthly_amount=line.monthly_amount,
                amount=line.amount,
                start_date=quote.start_date,
                end_date=quote.end_date,
                billing_account_id=_uuid_or_none(line.billing_account_id),
                invoice_grouping=line.invoice_grouping,
                invoice_group_id=line.invoice_group_id,
            )
        )
    await session.flush()
    return order


async def create_order(session: AsyncSession, body: OrderCreate) -> Order:
    """A direct order (no quote): prices are given, amounts derived and rounded here."""
    order = Order(
        number=await repository.next_number(session, "order_number_seq", "O"),
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
        amount = round_money(item.net_unit_price * item.quantity, body.currency)
        recurring = item.charge_type == ChargeType.RECURRING
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
                monthly_amount=amount if recurring else None,
                amount=None if recurring else amount,
                start_date=item.start_date or body.start_date,
                end_date=end_date,
                billing_account_id=item.billing_account_id,
                invoice_grouping=item.invoice_grouping,
                invoice_group_id=item.invoice_group_id,
            )
        )
    await session.flush()
    return order


async def activate(session: AsyncSession, order_id: uuid.UUID, *, today: date) -> Order:
    """Activate a draft order: its contract and subscriptions, then `OrderActivated`."""
    order = await get_or_404(session, Order, order_id, label="order", for_update=True)
    if order.status != OrderStatus.DRAFT:
        raise Conflict(f"Order {order.number} is already {order.status}.", code="order_not_draft")
    products = await repository.order_products(session, order.id)
    contract = Contract(
        number=await repository.next_number(session, "contract_number_seq", "C"),
        status="activated",
        account_id=order.account_id,
        currency=order.currency,
        start_date=min(p.start_date for p in products),
        end_date=max((p.end_date for p in products if p.end_date), default=None),
    )
    session.add(contract)
    await session.flush()
    for product in products:
        if product.charge_type != ChargeType.RECURRING:
            continue
        subscription = Subscription(
            contract_id=contract.id,
            product_id=product.product_id,
            sku=product.sku,
            quantity=product.quantity,
            net_unit_price=product.net_unit_price,
            start_date=product.start_date,
            end_date=product.end_date,
        )
        session.add(subscription)
        await session.flush()
        product.subscription_id = subscription.id
    order.status = OrderStatus.ACTIVATED
    order.contract_id = contract.id
    order.activated_on = today
    await session.flush()
    await enqueue(
        session,
        await _order_activated(session, order, contract),
        key=str(order.account_id),
        subject=str(order.id),
    )
    return order


async def _order_activated(
    session: AsyncSession, order: Order, contract: Contract
) -> contracts.OrderActivated:
    order_json = (await order_public(session, order)).model_dump(mode="json")
    contract_json = (await contract_public(session, contract)).model_dump(mode="json")
    return contracts.OrderActivated(
        order=contracts.OrderSnapshot.model_validate(order_json),
        contract=contracts.ContractSnapshot.model_validate(contract_json),
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
