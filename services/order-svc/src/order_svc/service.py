"""order-svc use cases: orders from accepted quotes or direct, activation into contracts.

A `new` order creates a contract on activation. An `amendment` order carries delta order
products (quantity = the change, from the amendment's start to the contract's end) and changes
the existing contract's subscriptions; a `renewal` order extends the contract by a term. Either
way activation emits `OrderActivated` with the order's own order products, which is what
invoice-svc bills: the change, or the new term.
"""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_svc import events, repository
from order_svc.amending import AmendmentRefused, amended_subscription, renewal_starts_after
from order_svc.models import Contract, Order, OrderProduct, Subscription
from order_svc.schemas import (
    ContractPublic,
    OrderCreate,
    OrderProductPublic,
    OrderPublic,
    OrderStatus,
    OrderType,
    SubscriptionPublic,
)
from q2c_shared.billing import charges
from q2c_shared.billing.periods import months_covering, term_end_date
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
    contract_id: uuid.UUID | None = None,
) -> tuple[list[Order], str | None]:
    statement: Select = select(Order)
    if quote_id is not None:
        statement = statement.where(Order.quote_id == quote_id)
    if account_id is not None:
        statement = statement.where(Order.account_id == account_id)
    if contract_id is not None:
        statement = statement.where(Order.contract_id == contract_id)
    return await fetch_page(session, statement, Order.id, page)


async def list_contracts(
    session: AsyncSession, page: PageRequest, *, account_id: uuid.UUID | None
) -> tuple[list[Contract], str | None]:
    statement: Select = select(Contract)
    if account_id is not None:
        statement = statement.where(Contract.account_id == account_id)
    return await fetch_page(session, statement, Contract.id, page)


class UnknownContract(LookupError):
    """An amendment or renewal names a contract this service does not have (dead-lettered)."""


async def order_from_quote(session: AsyncSession, accepted: contracts.QuoteAccepted) -> Order:
    """The draft order for an accepted quote; the same quote never makes two orders.

    An amendment's order products carry the change of quantity (`quantity_delta`), priced as
    the quote priced it; a renewal's carry the next term's quantities and prices.
    """
    quote = accepted.quote
    existing = await session.scalar(select(Order).where(Order.quote_id == uuid.UUID(quote.id)))
    if existing is not None:
        return existing
    order_type = OrderType(quote.type)
    contract_id = None
    if order_type is not OrderType.NEW:
        contract = (
            await session.get(Contract, uuid.UUID(quote.contract_id)) if quote.contract_id else None
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


async def activate(session: AsyncSession, order_id: uuid.UUID, *, today: date) -> Order:
    """Activate a draft order: a new contract, or the amended or renewed one, then
    `OrderActivated` with the order's products (for an amendment: the deltas)."""
    order = await get_or_404(session, Order, order_id, label="order", for_update=True)
    if order.status != OrderStatus.DRAFT:
        raise Conflict(f"Order {order.number} is already {order.status}.", code="order_not_draft")
    products = await repository.order_products(session, order.id)
    if not products:
        raise Conflict(f"Order {order.number} has no order products.", code="order_empty")
    match OrderType(order.type):
        case OrderType.AMENDMENT:
            contract = await _amend_contract(session, order, products)
        case OrderType.RENEWAL:
            contract = await _renew_contract(session, order, products)
        case OrderType.NEW:
            contract = await _create_contract(session, order, products)
    order.status = OrderStatus.ACTIVATED
    order.contract_id = contract.id
    order.activated_on = today
    await session.flush()
    await enqueue(
        session,
        events.order_activated(
            order,
            await repository.order_products(session, order.id),
            contract,
            await repository.subscriptions(session, contract.id),
        ),
        key=str(order.account_id),
        subject=str(order.id),
    )
    return order


async def _create_contract(
    session: AsyncSession, order: Order, products: list[OrderProduct]
) -> Contract:
    start_date = min(p.start_date for p in products)
    end_date = max((p.end_date for p in products if p.end_date), default=None)
    contract = Contract(
        number=await repository.next_number(session, "contract_number_seq", "C"),
        status="activated",
        account_id=order.account_id,
        currency=order.currency,
        start_date=start_date,
        end_date=end_date,
        term_months=months_covering(start_date, end_date) if end_date else None,
        billing_day_of_month=order.billing_day_of_month or start_date.day,
        payment_term=order.payment_term,
        billing_account_id=order.billing_account_id,
        po_number=order.po_number,
        legal_entity=order.legal_entity,
        quote_id=order.quote_id,
    )
    session.add(contract)
    await session.flush()
    for product in products:
        await _subscribe(session, contract, product)
    return contract


async def _amend_contract(
    session: AsyncSession, order: Order, products: list[OrderProduct]
) -> Contract:
    """Apply each delta to its subscription (0 cancels it from the amendment's start); an added
    recurring product becomes a new subscription. The contract's end does not move."""
    contract = await _contract_of(session, order)
    start_date = min(p.start_date for p in products)
    if contract.end_date is None or not contract.start_date <= start_date <= contract.end_date:
        raise Conflict(
            f"Order {order.number} amends contract {contract.number} from {start_date}, "
            f"outside its term ({contract.start_date} to {contract.end_date}).",
            code="amendment_outside_contract",
        )
    if any(p.end_date != contract.end_date for p in products):
        raise Conflict(
            f"Contract {contract.number} now ends on {contract.end_date}, not when order "
            f"{order.number} was quoted to end: quote the amendment again.",
            code="contract_changed",
        )
    subscriptions = await _subscriptions_of(session, contract)
    for product in products:
        if product.subscription_id is None:
            await _subscribe(session, contract, product)
            continue
        subscription = _subscription_for(subscriptions, contract, product)
        try:
            terms = amended_subscription(
                quantity=subscription.quantity,
                start_date=subscription.start_date,
                end_date=subscription.end_date,
                quantity_delta=product.quantity,
                amendment_start=product.start_date,
            )
        except AmendmentRefused as refused:
            raise Conflict(
                f"Order {order.number} cannot change subscription {subscription.id} "
                f"({subscription.sku}): {refused}.",
                code="amendment_refused",
            ) from None
        subscription.quantity = terms.quantity
        subscription.end_date = terms.end_date
    # The deltas bill on the contract's billing day, whatever the amendment's start day.
    order.billing_day_of_month = contract.billing_day_of_month
    return contract


async def _renew_contract(
    session: AsyncSession, order: Order, products: list[OrderProduct]
) -> Contract:
    """Move the contract's end to the renewal's; renewed subscriptions take the new price,
    quantity and end. Subscriptions left out of the renewal end with the old term."""
    contract = await _contract_of(session, order)
    start_date = min(p.start_date for p in products)
    if not renewal_starts_after(contract.end_date, start_date):
        raise Conflict(
            f"Order {order.number} renews contract {contract.number} from {start_date}, but the "
            f"contract ends on {contract.end_date}: renewed already? Quote the renewal again.",
            code="renewal_out_of_date",
        )
    subscriptions = await _subscriptions_of(session, contract)
    for product in products:
        if product.subscription_id is None:
            await _subscribe(session, contract, product)
            continue
        subscription = _subscription_for(subscriptions, contract, product)
        subscription.quantity = product.quantity
        subscription.net_unit_price = product.net_unit_price
        subscription.end_date = product.end_date
    contract.end_date = max((p.end_date for p in products if p.end_date), default=None)
    order.billing_day_of_month = contract.billing_day_of_month
    return contract


async def _contract_of(session: AsyncSession, order: Order) -> Contract:
    """The contract an amendment or renewal changes, locked: one change at a time."""
    contract = (
        await session.get(Contract, order.contract_id, with_for_update=True)
        if order.contract_id
        else None
    )
    if contract is None or contract.account_id != order.account_id:
        raise Conflict(
            f"Order {order.number} is a {order.type} of no contract of its account.",
            code="contract_not_changeable",
        )
    return contract


async def _subscriptions_of(
    session: AsyncSession, contract: Contract
) -> dict[uuid.UUID, Subscription]:
    return {s.id: s for s in await repository.subscriptions(session, contract.id, for_update=True)}


def _subscription_for(
    subscriptions: dict[uuid.UUID, Subscription], contract: Contract, product: OrderProduct
) -> Subscription:
    subscription = subscriptions.get(product.subscription_id) if product.subscription_id else None
    if subscription is None:
        raise Conflict(
            f"Contract {contract.number} has no subscription {product.subscription_id}.",
            code="unknown_subscription",
        )
    return subscription


async def _subscribe(session: AsyncSession, contract: Contract, product: OrderProduct) -> None:
    """A recurring order product becomes a subscription of the contract (others do not)."""
    if not charges.rule(product.charge_type).recurs:
        return
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


def _ordered_quantity(order_type: OrderType, line: contracts.QuoteLineSnapshot) -> Decimal:
    """An amendment orders the change of quantity; other orders the quantity itself."""
    if order_type is OrderType.AMENDMENT and line.quantity_delta is not None:
        return line.quantity_delta
    return line.quantity


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
