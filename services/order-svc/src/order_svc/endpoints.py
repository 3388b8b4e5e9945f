"""order-svc HTTP API."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from order_svc import service
from order_svc.models import Contract, Order
from order_svc.schemas import ContractPublic, OrderCreate, OrderPublic
from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

orders = APIRouter(prefix="/orders", tags=["orders"])
contracts = APIRouter(prefix="/contracts", tags=["contracts"])


@orders.get("", summary="List orders")
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
    return Page(
        items=[await service.order_public(session, row) for row in rows], next_cursor=next_cursor
    )


@orders.post("", status_code=201, response_model=OrderPublic, summary="Create an order directly")
async def create_order(
    body: OrderCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """For channels without a quote: same fields as an order from a quote, explicit prices.

    The order is a `draft` of type `new`, its amounts derived from each `net_unit_price` and
    rounded to the currency; activate it to create the contract. No event is emitted until then.
    An invalid body: 422; a reused `Idempotency-Key` with another body: 409.
    """

    async def create() -> OrderPublic:
        return await service.order_public(session, await service.create_order(session, body))

    return await idempotency.respond(session, create)


@orders.get("/{order_id}", summary="Get an order")
async def get_order(order_id: uuid.UUID, session: SessionDep) -> OrderPublic:
    """One order with its order products and their billing fields. Unknown id: 404."""
    return await service.order_public(
        session, await get_or_404(session, Order, order_id, label="order")
    )


@orders.post("/{order_id}/activate", summary="Activate a draft order")
async def activate_order(order_id: uuid.UUID, session: SessionDep) -> OrderPublic:
    """A new order creates the contract and its subscriptions; an amendment changes the
    contract's subscriptions (quantities, new ones, cancelled ones ending the day before it
    starts); a renewal moves the contract's end and the renewed subscriptions' price and end.
    Emits `OrderActivated` with the order's products, from which invoice-svc builds the billing
    schedules. Unknown id: 404; an order that is not draft: 409 `order_not_draft`; a change that
    no longer fits the contract (renewed meanwhile, a quantity below 0): 409.
    """
    order = await service.activate(session, order_id, today=datetime.now(UTC).date())
    return await service.order_public(session, order)


@contracts.get("", summary="List contracts")
async def list_contracts(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Contracts of this account.")] = None,
) -> Page[ContractPublic]:
    """Contracts with their subscriptions, newest first, optionally of one account. A `cursor` this
    API did not give out: 422.
    """
    rows, next_cursor = await service.list_contracts(session, page, account_id=account_id)
    return Page(
        items=[await service.contract_public(session, row) for row in rows], next_cursor=next_cursor
    )


@contracts.get("/{contract_id}", summary="Get a contract with its subscriptions")
async def get_contract(contract_id: uuid.UUID, session: SessionDep) -> ContractPublic:
    """One contract with its term, billing terms and subscriptions (cancelled ones at quantity 0).
    Unknown id: 404.
    """
    return await service.contract_public(
        session, await get_or_404(session, Contract, contract_id, label="contract")
    )


routers = [orders, contracts]
