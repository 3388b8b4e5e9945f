"""Routes of payments, their refunds and unapplied allocations, and payment batches: thin;
parse, call one service function, return a schema."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from payment_svc.errors import (
    AllocationAlreadyUnapplied,
    AllocationNotFound,
    InvalidAllocations,
    InvoiceInAnotherCurrency,
    InvoiceOfAnotherAccount,
    PaymentNotFound,
    RefundExceedsUnallocated,
    RefundNotPositive,
    UnknownAccount,
    UnknownInvoice,
    problem_responses,
)
from payment_svc.models import Payment
from payment_svc.payments import service
from payment_svc.payments.schemas import (
    PaymentBatchCreate,
    PaymentBatchPublic,
    PaymentCreate,
    PaymentPublic,
    RefundCreate,
    RefundPublic,
)
from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

payments = APIRouter(prefix="/payments", tags=["payments"])


@payments.post(
    "",
    status_code=201,
    response_model=PaymentPublic,
    summary="Record a payment",
    responses=problem_responses(
        InvalidAllocations,
        UnknownAccount,
        UnknownInvoice,
        InvoiceOfAnotherAccount,
        InvoiceInAnotherCurrency,
    ),
)
async def record_payment(
    body: PaymentCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Record money received and apply it to the account's open invoices in its currency.

    Without `allocations`, oldest due date first; with them, exactly those (422 listing every
    problem when one names an invoice that is not open, or asks for more than its balance or
    than the payment). An account payment-svc does not know (no account event, no invoice):
    422 `unknown_account`; an allocation to an invoice it has no receivable of:
    `unknown_invoice`, to another account's `invoice_of_another_account`, to one in another
    currency `invoice_in_another_currency`. An amount with more decimals than the currency:
    `too_many_decimals`. Nothing is recorded then. What is left is the account's credit,
    which pays its next invoices.
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


@payments.get(
    "/{payment_id}", summary="Get a payment", responses=problem_responses(PaymentNotFound)
)
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
    responses=problem_responses(PaymentNotFound, RefundNotPositive, RefundExceedsUnallocated),
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


@payments.post(
    "/{payment_id}/allocations/{allocation_id}/unapply",
    response_model=PaymentPublic,
    summary="Unapply an allocation",
    responses=problem_responses(PaymentNotFound, AllocationNotFound, AllocationAlreadyUnapplied),
)
async def unapply_allocation(
    payment_id: uuid.UUID,
    allocation_id: uuid.UUID,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Take back an allocation of the payment (its `allocations[].id`): the amount is the
    payment's `unallocated` money again and the invoice's receivable owes it again (`open`).
    The money is not applied anywhere else: refund it, or it pays the account's next posted
    invoice. Returns the payment, without the allocation. Emits `PaymentUnapplied`.

    Unknown payment, or an allocation that is not the payment's: 404. An allocation already
    unapplied: 409 `allocation_already_unapplied`.
    """

    async def unapply() -> PaymentPublic:
        payment = await service.unapply_allocation(session, payment_id, allocation_id)
        return await service.payment_public(session, payment)

    return await idempotency.respond(session, unapply, status_code=200)


payment_batches = APIRouter(prefix="/payment-batches", tags=["payments"])


@payment_batches.post(
    "",
    status_code=201,
    response_model=PaymentBatchPublic,
    summary="Record a batch of payments",
    responses=problem_responses(UnknownAccount),
)
async def record_payment_batch(
    body: PaymentBatchCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Record up to 10,000 payments at once (a bank statement, a lockbox file; the body is at
    most 1 MiB, some 6,000 payments with references), in one transaction: each is applied as
    `POST /v1/payments` without allocations applies it, to its account's open invoices in its
    currency, oldest due date first, the rest kept as the account's credit, with the same
    events. Payments of one account apply in the batch's order. An invalid item (an amount
    finer than its currency, an account payment-svc does not know: `unknown_account` naming
    its position): 422 and nothing is recorded. Send an `Idempotency-Key` to retry safely."""

    async def create() -> PaymentBatchPublic:
        result = await service.record_payment_batch(session, body.payments)
        return PaymentBatchPublic(
            payments_recorded=len(result.payment_ids),
            allocations_created=result.allocations,
            invoices_paid=result.invoices_paid,
            payment_ids=result.payment_ids,
        )

    return await idempotency.respond(session, create, status_code=201)
