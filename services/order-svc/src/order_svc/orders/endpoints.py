"""Order routes: thin, each parses, calls one service function, returns the order."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from order_svc.contracts import service as contracts
from order_svc.errors import (
    AmendmentOutsideContract,
    ContractChanged,
    ContractNotChangeable,
    IdempotencyKeyReused,
    OrderEmpty,
    OrderNotDraft,
    OrderNotFound,
    OrderProductOutsideTerm,
    RenewalOutOfDate,
    SubscriptionChangeRefused,
    UnknownSubscription,
    problem_responses,
)
from order_svc.orders import service
from order_svc.orders.schemas import OrderCreate, OrderPublic
from q2c_shared.db import SessionDep
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.money import AmountOutOfRange
from q2c_shared.pagination import Page, PageDep

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", summary="List orders")
async def list_orders(
    session: SessionDep,
    page: PageDep,
    quote_id: Annotated[uuid.UUID | None, Query(description="Orders of this quote.")] = None,
    account_id: Annotated[uuid.UUID | None, Query(description="Orders of this account.")] = None,
    contract_id: Annotated[
        uuid.UUID | None, Query(description="Orders that created, amended or renewed it.")
    ] = None,
) -> Page[OrderPublic]:
    """Orders with their order products, newest first, optionally of one quote, account or
    contract. A `cursor` this API did not give out: 422.
    """
    rows, next_cursor = await service.list_orders(
        session, page, quote_id=quote_id, account_id=account_id, contract_id=contract_id
    )
    return Page(items=await service.orders_public(session, rows), next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    response_model=OrderPublic,
    summary="Create an order directly",
    responses=problem_responses(IdempotencyKeyReused, OrderProductOutsideTerm, AmountOutOfRange),
)
async def create_order(
    body: OrderCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """For channels without a quote: same fields as an order from a quote, explicit prices.

    The order is a `draft` of type `new`, its amounts derived from each `net_unit_price` and
    rounded to the currency; activate it to create the contract. No event is emitted until then.
    At most 1,000 order products. An invalid body: 422, changing nothing: a field out of its
    bounds, a price with more decimals than the currency has (`too_many_decimals`), an end
    (start date + term) after 2199-12-31 (`date_out_of_range`), an amount past 18 digits
    (`amount_out_of_range`), an order product starting outside the order's term
    (`start_outside_term`). A
    reused `Idempotency-Key` with another body: 409.
    """

    async def create() -> OrderPublic:
        return await service.order_public(session, await service.create_order(session, body))

    return await idempotency.respond(session, create)


@router.get("/{order_id}", summary="Get an order", responses=problem_responses(OrderNotFound))
async def get_order(order_id: uuid.UUID, session: SessionDep) -> OrderPublic:
    """One order with its order products and their billing fields. Unknown id: 404."""
    return await service.order_public(session, await service.get_order(session, order_id))


@router.post(
    "/{order_id}/activate",
    summary="Activate a draft order",
    responses=problem_responses(
        OrderNotFound,
        OrderNotDraft,
        OrderEmpty,
        ContractNotChangeable,
        AmendmentOutsideContract,
        ContractChanged,
        UnknownSubscription,
        SubscriptionChangeRefused,
        RenewalOutOfDate,
    ),
)
async def activate_order(order_id: uuid.UUID, session: SessionDep) -> OrderPublic:
    """A new order creates the contract and its subscriptions; an amendment changes the
    contract's subscriptions (quantities, new ones, cancelled ones ending the day before it
    starts); a renewal moves the contract's end and the renewed subscriptions' price and end.
    Emits `OrderActivated` with the order's products, from which invoice-svc builds the billing
    schedules. Unknown id: 404; an order that is not draft: 409 `order_not_draft`; a change that
    no longer fits the contract (renewed meanwhile, a quantity below 0): 409.
    """
    order = await contracts.activate(session, order_id, today=datetime.now(UTC).date())
    return await service.order_public(session, order)
