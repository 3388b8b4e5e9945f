"""Contracts: what activating an order does to them, and reading them.

Activation makes a `new` order's contract, applies an `amendment` order's deltas to its
contract's subscriptions, or extends a contract by a `renewal` order's term; then emits
`OrderActivated` with the order's own order products (for an amendment: the deltas), which is
what invoice-svc bills. Functions flush, never commit: the request's unit of work commits.
"""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from order_svc import events
from order_svc.contracts import repository
from order_svc.contracts.schemas import ContractPublic, SubscriptionPublic
from order_svc.core.amending import AmendmentRefused, amended_subscription, renewal_starts_after
from order_svc.errors import (
    AmendmentOutsideContract,
    ContractChanged,
    ContractNotChangeable,
    ContractNotFound,
    OrderEmpty,
    OrderNotDraft,
    OrderNotFound,
    RenewalOutOfDate,
    SubscriptionChangeRefused,
    UnknownSubscription,
)
from order_svc.models import Contract, Order, OrderProduct, Subscription
from order_svc.orders import repository as orders_repository
from order_svc.statuses import OrderStatus, OrderType
from q2c_shared.billing import charges
from q2c_shared.billing.periods import months_covering
from q2c_shared.outbox import enqueue
from q2c_shared.pagination import PageRequest


async def contract_public(session: AsyncSession, contract: Contract) -> ContractPublic:
    return (await contracts_public(session, [contract]))[0]


async def contracts_public(
    session: AsyncSession, contracts: list[Contract]
) -> list[ContractPublic]:
    """The contracts with their subscriptions, read in one query for all of them."""
    subscriptions = await repository.subscriptions_of(session, [c.id for c in contracts])
    return [
        ContractPublic.model_validate(
            {
                **contract.model_dump(),
                "subscriptions": [
                    SubscriptionPublic.model_validate(s) for s in subscriptions.get(contract.id, [])
                ],
            }
        )
        for contract in contracts
    ]


async def get_contract(session: AsyncSession, contract_id: uuid.UUID) -> Contract:
    contract = await repository.get(session, contract_id)
    if contract is None:
        raise ContractNotFound(f"No contract with id {contract_id}.")
    return contract


async def list_contracts(
    session: AsyncSession, page: PageRequest, *, account_id: uuid.UUID | None
) -> tuple[list[Contract], str | None]:
    return await repository.page(session, page, account_id=account_id)


async def activate(session: AsyncSession, order_id: uuid.UUID, *, today: date) -> Order:
    """Activate a draft order: a new contract, or the amended or renewed one, then
    `OrderActivated` with the order's products (for an amendment: the deltas)."""
    order = await orders_repository.get(session, order_id, for_update=True)
    if order is None:
        raise OrderNotFound(f"No order with id {order_id}.")
    if order.status != OrderStatus.DRAFT:
        raise OrderNotDraft(f"Order {order.number} is already {order.status}.")
    products = await orders_repository.order_products(session, order.id)
    if not products:
        raise OrderEmpty(f"Order {order.number} has no order products.")
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
            await orders_repository.order_products(session, order.id),
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
        number=await orders_repository.next_number(session, "contract_number_seq", "C"),
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
    await _subscribe(session, contract, products)
    return contract


async def _amend_contract(
    session: AsyncSession, order: Order, products: list[OrderProduct]
) -> Contract:
    """Apply each delta to its subscription (0 cancels it from the amendment's start); an added
    recurring product becomes a new subscription. The contract's end does not move."""
    contract = await _contract_of(session, order)
    start_date = min(p.start_date for p in products)
    if contract.end_date is None or not contract.start_date <= start_date <= contract.end_date:
        raise AmendmentOutsideContract(
            f"Order {order.number} amends contract {contract.number} from {start_date}, "
            f"outside its term ({contract.start_date} to {contract.end_date})."
        )
    if any(p.end_date != contract.end_date for p in products):
        raise ContractChanged(
            f"Contract {contract.number} now ends on {contract.end_date}, not when order "
            f"{order.number} was quoted to end: quote the amendment again."
        )
    subscriptions = await _subscriptions_of(session, contract)
    changes = [p for p in products if p.subscription_id is not None]
    await _subscribe(session, contract, [p for p in products if p.subscription_id is None])
    for product in changes:
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
            raise SubscriptionChangeRefused(
                f"Order {order.number} cannot change subscription {subscription.id} "
                f"({subscription.sku}): {refused}."
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
        raise RenewalOutOfDate(
            f"Order {order.number} renews contract {contract.number} from {start_date}, but the "
            f"contract ends on {contract.end_date}: renewed already? Quote the renewal again."
        )
    subscriptions = await _subscriptions_of(session, contract)
    changes = [p for p in products if p.subscription_id is not None]
    await _subscribe(session, contract, [p for p in products if p.subscription_id is None])
    for product in changes:
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
        await repository.get(session, order.contract_id, for_update=True)
        if order.contract_id
        else None
    )
    if contract is None or contract.account_id != order.account_id:
        raise ContractNotChangeable(
            f"Order {order.number} is a {order.type} of no contract of its account."
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
        raise UnknownSubscription(
            f"Contract {contract.number} has no subscription {product.subscription_id}."
        )
    return subscription


async def _subscribe(
    session: AsyncSession, contract: Contract, products: list[OrderProduct]
) -> None:
    """Each recurring order product becomes a subscription of the contract (others do not):
    the subscriptions in one statement, each product then naming its own (one more)."""
    recurring = [p for p in products if charges.rule(p.charge_type).recurs]
    if not recurring:
        return
    subscription_ids = await repository.insert_subscriptions(
        session,
        [
            {
                "contract_id": contract.id,
                "product_id": product.product_id,
                "sku": product.sku,
                "quantity": product.quantity,
                "net_unit_price": product.net_unit_price,
                "start_date": product.start_date,
                "end_date": product.end_date,
            }
            for product in recurring
        ],
    )
    for product, subscription_id in zip(recurring, subscription_ids, strict=True):
        product.subscription_id = subscription_id
    # Flushed here, while these are the only changed rows of the session: the unit of work
    # writes them as one executemany UPDATE.
    await session.flush()
