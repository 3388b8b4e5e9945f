"""payment-svc HTTP API: thin routes that parse, call one service function, return a schema."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from payment_svc import service
from payment_svc.models import Payment, Receivable
from payment_svc.schemas import (
    AccountBalance,
    PaymentCreate,
    PaymentPublic,
    ReceivablePublic,
    ReceivableStatus,
    RefundCreate,
    RefundPublic,
)
from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

receivables = APIRouter(prefix="/receivables", tags=["receivables"])
payments = APIRouter(prefix="/payments", tags=["payments"])
account_balances = APIRouter(prefix="/account-balances", tags=["balances"])


# --- receivables ----------------------------------------------------------------------------


@receivables.get("", summary="List receivables")
async def list_receivables(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
    invoice_id: Annotated[uuid.UUID | None, Query(description="The invoice's receivable.")] = None,
    status: Annotated[ReceivableStatus | None, Query(description="`open` or `paid`.")] = None,
) -> Page[ReceivablePublic]:
    """Receivables, newest first: one per posted invoice, with what is paid and still owed. A
    `cursor` this API did not give out: 422.
    """
    rows, next_cursor = await service.list_receivables(
        session, page, account_id=account_id, invoice_id=invoice_id, status=status
    )
    return Page(
        items=[ReceivablePublic.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@receivables.get("/{receivable_id}", summary="Get a receivable")
async def get_receivable(receivable_id: uuid.UUID, session: SessionDep) -> ReceivablePublic:
    """One receivable by its own id (to find one by invoice, filter the list by `invoice_id`).
    Unknown id: 404.
    """
    return ReceivablePublic.model_validate(
        await get_or_404(session, Receivable, receivable_id, label="receivable")
    )


# --- payments -------------------------------------------------------------------------------


@payments.post("", status_code=201, response_model=PaymentPublic, summary="Record a payment")
async def record_payment(
    body: PaymentCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Record money received and apply it to the account's open invoices in its currency.

    Without `allocations`, oldest due date first; with them, exactly those (422 listing every
    problem when one names an invoice that is not open, or asks for more than its balance or
    than the payment). What is left is the account's credit, which pays its next invoices.
    Emits `PaymentReceived`, a `PaymentAllocated` per invoice and `InvoicePaid` per invoice
    settled.
    """

    async def create() -> PaymentPublic:
        return await service.payment_public(session, await service.record_payment(session, body))

    return await idempotency.respond(session, create)


@payments.get("", summary="List payments")
async def list_payments(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
) -> Page[PaymentPublic]:
    """Payments, newest first, each with its allocations. A `cursor` this API did not give
    out: 422."""
    rows, next_cursor = await service.list_payments(session, page, account_id=account_id)
    return Page(items=await service.payments_public(session, rows), next_cursor=next_cursor)


@payments.get("/{payment_id}", summary="Get a payment")
async def get_payment(payment_id: uuid.UUID, session: SessionDep) -> PaymentPublic:
    """A payment with what it paid (`allocations`), its credit (`unallocated`) and refunds. Unknown
    id: 404.
    """
    return await service.payment_public(
        session, await get_or_404(session, Payment, payment_id, label="payment")
    )


@payments.post(
    "/{payment_id}/refunds",
    status_code=201,
    response_model=RefundPublic,
    summary="Refund unallocated payment money",
)
async def refund_payment(
    payment_id: uuid.UUID, body: RefundCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Give back up to the payment's unallocated amount (more: 409 `refund_exceeds_unallocated`).
    Unknown payment: 404. No event is emitted: the contract has no refund event yet.
    """

    async def create() -> RefundPublic:
        return await service.refund_payment(session, payment_id, body)

    return await idempotency.respond(session, create)


# --- balances -------------------------------------------------------------------------------


@account_balances.get("/{account_id}", summary="Get an account's balance")
async def get_account_balance(
    account_id: uuid.UUID,
    session: SessionDep,
    currency: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=3,
            examples=["USD"],
            description="Required when the account has money in several currencies.",
        ),
    ] = None,
) -> AccountBalance:
    """What the account owes (`open_total`) and its unused payment money (`credit_balance`),
    with its `account_name` and `email` (null until quote-svc's account events arrived).

    Amounts of different currencies are never added up: the balance is per currency. Without
    `currency` it is the account's only one; an account with money in several currencies must
    name one (422). An account with no invoice or payment shows zeros in its own currency when
    payment-svc knows it from its account events, and is a 404 otherwise. With `currency`, an
    account with nothing in it shows zeros.
    """
    return await service.account_balance(session, account_id, currency)


routers = [receivables, payments, account_balances]
