"""Quote routes: drafts, their lines, and the way to accepted; thin, each calls one service
function and returns the quote."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from q2c_shared.db import SessionDep
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.money import AmountOutOfRange
from q2c_shared.pagination import Page, PageDep
from quote_svc.errors import (
    AmendmentOutsideContract,
    ContractOfAnotherAccount,
    ContractWithoutEndDate,
    CurrencyMismatch,
    IdempotencyKeyReused,
    NoQuantityChange,
    NothingToRenew,
    OrderServiceUnavailable,
    PriceBookRequired,
    ProductNotInPriceBook,
    QuoteEmpty,
    QuoteExpired,
    QuoteLineNotFound,
    QuoteNotApproved,
    QuoteNotDraft,
    QuoteNotFound,
    QuoteNotInReview,
    SubscriptionEnded,
    SubscriptionListedTwice,
    SubscriptionNotStarted,
    SubscriptionPriceFixed,
    TooManyLines,
    UnknownAccount,
    UnknownContract,
    UnknownPriceBook,
    UnknownProduct,
    UnknownSubscription,
    problem_responses,
)
from quote_svc.quotes import review, service
from quote_svc.quotes.schemas import (
    QuoteLineCreate,
    QuoteLineUpdate,
    QuotePublic,
    QuoteRequest,
    ReviewDecision,
)
from quote_svc.settings import SettingsDep
from quote_svc.statuses import QuoteStatus

router = APIRouter(prefix="/quotes", tags=["quotes"])

_LINE_ERRORS = (UnknownProduct, UnknownAccount, ProductNotInPriceBook, AmountOutOfRange)


@router.post(
    "",
    status_code=201,
    response_model=QuotePublic,
    summary="Create a quote",
    responses=problem_responses(
        IdempotencyKeyReused,
        *_LINE_ERRORS,
        TooManyLines,
        UnknownPriceBook,
        CurrencyMismatch,
        UnknownContract,
        ContractOfAnotherAccount,
        ContractWithoutEndDate,
        AmendmentOutsideContract,
        PriceBookRequired,
        UnknownSubscription,
        SubscriptionListedTwice,
        SubscriptionNotStarted,
        SubscriptionEnded,
        NothingToRenew,
        OrderServiceUnavailable,
    ),
)
async def create_quote(
    body: QuoteRequest, session: SessionDep, idempotency: IdempotencyDep, settings: SettingsDep
) -> Response:
    """Create a draft quote, pricing its lines from the price book. `type` says which:

    * `new` (the default): a new contract's quote.
    * `amendment`: a change to a running contract from `start_date` to the contract's end.
      Each line gives a subscription's NEW TOTAL quantity (0 cancels it) or a product to add;
      the lines carry the change (`quantity_delta`) and are priced for it, existing
      subscriptions at their net unit price.
    * `renewal`: the contract's next term from the day after it ends, the same subscriptions at
      their net unit prices raised by `uplift_percent`.

    Amendments and renewals read the contract from order-svc: an unknown contract, or one of
    another account, is a 422; order-svc away is a 503 `order_service_unavailable`.
    """

    async def create() -> QuotePublic:
        quote = await service.create_quote(session, body, settings)
        return await service.quote_public(session, quote)

    return await idempotency.respond(session, create)


@router.get("", summary="List quotes")
async def list_quotes(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Quotes of this account.")] = None,
    status: Annotated[QuoteStatus | None, Query(description="Only quotes in this status.")] = None,
) -> Page[QuotePublic]:
    """Quotes with their lines and totals, newest first, optionally of one account or status. A
    `cursor` this API did not give out: 422.
    """
    rows, next_cursor = await service.list_quotes(
        session, page, account_id=account_id, status=status
    )
    return Page(
        items=[await service.quote_public(session, row) for row in rows], next_cursor=next_cursor
    )


@router.get("/{quote_id}", summary="Get a quote", responses=problem_responses(QuoteNotFound))
async def get_quote(quote_id: uuid.UUID, session: SessionDep) -> QuotePublic:
    """One quote with its priced lines and totals. Unknown id: 404."""
    return await service.quote_public(session, await service.get_quote(session, quote_id))


@router.post(
    "/{quote_id}/lines",
    status_code=201,
    response_model=QuotePublic,
    summary="Add a line to a draft quote",
    responses=problem_responses(
        QuoteNotFound, QuoteNotDraft, IdempotencyKeyReused, *_LINE_ERRORS, TooManyLines
    ),
)
async def add_line(
    quote_id: uuid.UUID, body: QuoteLineCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Add a line to a draft quote, priced from its price book, and return the repriced quote.
    Unknown quote: 404; a quote that is not draft: 409 `quote_not_draft`; an unknown product or
    billing account, or a quote that has 1,000 lines already: 422; a reused `Idempotency-Key`
    with another body: 409.
    """

    async def create() -> QuotePublic:
        return await service.quote_public(session, await service.add_line(session, quote_id, body))

    return await idempotency.respond(session, create)


@router.patch(
    "/{quote_id}/lines/{line_id}",
    summary="Change a line of a draft quote",
    responses=problem_responses(
        QuoteNotFound,
        QuoteLineNotFound,
        QuoteNotDraft,
        *_LINE_ERRORS,
        SubscriptionPriceFixed,
        NoQuantityChange,
    ),
)
async def update_line(
    quote_id: uuid.UUID, line_id: uuid.UUID, body: QuoteLineUpdate, session: SessionDep
) -> QuotePublic:
    """Change the given fields of a draft quote's line and return the repriced quote; an amendment's
    subscription line keeps its net unit price. Unknown quote or line: 404; a quote that is not
    draft: 409 `quote_not_draft`.
    """
    quote = await service.update_line(session, quote_id, line_id, body)
    return await service.quote_public(session, quote)


@router.delete(
    "/{quote_id}/lines/{line_id}",
    summary="Remove a line from a draft quote",
    responses=problem_responses(QuoteNotFound, QuoteLineNotFound, QuoteNotDraft),
)
async def remove_line(quote_id: uuid.UUID, line_id: uuid.UUID, session: SessionDep) -> QuotePublic:
    """Remove a line from a draft quote and return the repriced quote. Unknown quote or line: 404; a
    quote that is not draft: 409 `quote_not_draft`.
    """
    return await service.quote_public(
        session, await service.remove_line(session, quote_id, line_id)
    )


@router.post(
    "/{quote_id}/submit",
    summary="Submit a draft quote for approval",
    responses=problem_responses(QuoteNotFound, QuoteNotDraft, QuoteEmpty, ProductNotInPriceBook),
)
async def submit_quote(
    quote_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> QuotePublic:
    """`approved` at once, or `in_review` when a line's discount exceeds the threshold (20% by
    default; `status_reason` says which). Unknown id: 404; a quote that is not draft, or has no
    lines: 409.
    """
    return await service.quote_public(session, await review.submit(session, quote_id, settings))


@router.post(
    "/{quote_id}/approve",
    summary="Approve a quote in review",
    responses=problem_responses(QuoteNotFound, QuoteNotInReview),
)
async def approve_quote(
    quote_id: uuid.UUID, session: SessionDep, body: ReviewDecision | None = None
) -> QuotePublic:
    """Approve a quote in review, with an optional `reason`, so that it can be accepted. Unknown id:
    404; a quote that is not in review: 409 `quote_not_in_review`.
    """
    quote = await review.review(
        session, quote_id, approve=True, reason=body.reason if body else None
    )
    return await service.quote_public(session, quote)


@router.post(
    "/{quote_id}/reject",
    summary="Reject a quote in review",
    responses=problem_responses(QuoteNotFound, QuoteNotInReview),
)
async def reject_quote(
    quote_id: uuid.UUID, session: SessionDep, body: ReviewDecision | None = None
) -> QuotePublic:
    """Reject a quote in review, with an optional `reason` kept as its `status_reason`. Unknown id:
    404; a quote that is not in review: 409 `quote_not_in_review`.
    """
    quote = await review.review(
        session, quote_id, approve=False, reason=body.reason if body else None
    )
    return await service.quote_public(session, quote)


@router.post(
    "/{quote_id}/accept",
    summary="Accept an approved quote",
    responses=problem_responses(QuoteNotFound, QuoteNotApproved, QuoteExpired),
)
async def accept_quote(quote_id: uuid.UUID, session: SessionDep) -> QuotePublic:
    """Accepted quotes become orders: emits `QuoteAccepted` with the whole quote. Unknown id: 404; a
    quote that is not approved (409 `quote_not_approved`) or is past `expires_on` (409
    `quote_expired`).
    """
    quote = await review.accept(session, quote_id, today=datetime.now(UTC).date())
    return await service.quote_public(session, quote)
