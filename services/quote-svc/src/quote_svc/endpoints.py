"""quote-svc HTTP API: thin routes that parse, call one service function, return a schema."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from q2c_shared.db import SessionDep, get_or_404
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep
from q2c_shared.problems import PROBLEM_CONTENT, ProblemDetails
from quote_svc import service
from quote_svc.documents import render_quote_pdf
from quote_svc.models import Account, PriceBook, Product, Quote
from quote_svc.schemas import (
    AccountCreate,
    AccountPublic,
    AccountUpdate,
    PriceBookCreate,
    PriceBookEntryCreate,
    PriceBookEntryPublic,
    PriceBookPublic,
    ProductCreate,
    ProductPublic,
    QuoteLineCreate,
    QuoteLineUpdate,
    QuotePublic,
    QuoteRequest,
    QuoteStatus,
    ReviewDecision,
)
from quote_svc.settings import QuoteSettings

accounts = APIRouter(prefix="/accounts", tags=["accounts"])
products = APIRouter(prefix="/products", tags=["catalog"])
price_books = APIRouter(prefix="/price-books", tags=["catalog"])
quotes = APIRouter(prefix="/quotes", tags=["quotes"])


def _settings(request: Request) -> QuoteSettings:
    return request.app.state.settings


SettingsDep = Annotated[QuoteSettings, Depends(_settings)]


# --- accounts -------------------------------------------------------------------------------


@accounts.post("", status_code=201, response_model=AccountPublic, summary="Create an account")
async def create_account(
    body: AccountCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Create a customer account with its currency, billing address, payment term and tax
    exemption; emits `AccountCreated` on `q2c.accounts`. An invalid body (an unknown currency, a
    country that is not two letters): 422; a reused `Idempotency-Key` with another body: 409.
    """

    async def create() -> AccountPublic:
        return AccountPublic.model_validate(await service.create_account(session, body))

    return await idempotency.respond(session, create)


@accounts.get("", summary="List accounts")
async def list_accounts(session: SessionDep, page: PageDep) -> Page[AccountPublic]:
    """The accounts, newest first, a page at a time. A `cursor` this API did not give out: 422."""
    rows, next_cursor = await service.list_accounts(session, page)
    return Page(items=[AccountPublic.model_validate(row) for row in rows], next_cursor=next_cursor)


@accounts.get("/{account_id}", summary="Get an account")
async def get_account(account_id: uuid.UUID, session: SessionDep) -> AccountPublic:
    """One account by id, with its billing details. Unknown id: 404."""
    return AccountPublic.model_validate(
        await get_or_404(session, Account, account_id, label="account")
    )


@accounts.patch("/{account_id}", summary="Update an account")
async def update_account(
    account_id: uuid.UUID, body: AccountUpdate, session: SessionDep
) -> AccountPublic:
    """Change the fields given and keep the others; emits `AccountUpdated` with the whole account.
    Unknown id: 404; an invalid value: 422.
    """
    return AccountPublic.model_validate(await service.update_account(session, account_id, body))


# --- catalog --------------------------------------------------------------------------------


@products.post("", status_code=201, response_model=ProductPublic, summary="Create a product")
async def create_product(
    body: ProductCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Add a product to the catalog with how it is charged and billed (a recurring product without
    `billing_frequency` bills monthly). A SKU that already exists: 409 `sku_taken`.
    """

    async def create() -> ProductPublic:
        return ProductPublic.model_validate(await service.create_product(session, body))

    return await idempotency.respond(session, create)


@products.get("", summary="List products")
async def list_products(session: SessionDep, page: PageDep) -> Page[ProductPublic]:
    """The catalog's products, newest first, a page at a time. A `cursor` this API did not give
    out: 422.
    """
    rows, next_cursor = await service.list_products(session, page)
    return Page(items=[ProductPublic.model_validate(row) for row in rows], next_cursor=next_cursor)


@products.get("/{product_id}", summary="Get a product")
async def get_product(product_id: uuid.UUID, session: SessionDep) -> ProductPublic:
    """One product by id. Unknown id: 404."""
    return ProductPublic.model_validate(
        await get_or_404(session, Product, product_id, label="product")
    )


@price_books.post(
    "", status_code=201, response_model=PriceBookPublic, summary="Create a price book"
)
async def create_price_book(
    body: PriceBookCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Create an empty price book in one currency; price products in it with
    `POST /v1/price-books/{price_book_id}/entries`. An unknown currency: 422.
    """

    async def create() -> PriceBookPublic:
        return PriceBookPublic.model_validate(await service.create_price_book(session, body))

    return await idempotency.respond(session, create)


@price_books.get("/{price_book_id}", summary="Get a price book")
async def get_price_book(price_book_id: uuid.UUID, session: SessionDep) -> PriceBookPublic:
    """One price book by id: its name and currency. Unknown id: 404."""
    return PriceBookPublic.model_validate(
        await get_or_404(session, PriceBook, price_book_id, label="price book")
    )


@price_books.post(
    "/{price_book_id}/entries",
    status_code=201,
    response_model=PriceBookEntryPublic,
    summary="Price a product in a price book",
)
async def add_price_book_entry(
    price_book_id: uuid.UUID,
    body: PriceBookEntryCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Price a product in the price book: per unit, flat, or by volume or graduated tiers; recurring
    prices are per month. Unknown price book: 404; unknown product, or tiers that do not fit the
    pricing model: 422; the product already priced in this book: 409 `entry_exists`.
    """

    async def create() -> PriceBookEntryPublic:
        entry = await service.add_price_book_entry(session, price_book_id, body)
        return PriceBookEntryPublic.model_validate(entry)

    return await idempotency.respond(session, create)


# --- quotes ---------------------------------------------------------------------------------


@quotes.post(
    "",
    status_code=201,
    response_model=QuotePublic,
    summary="Create a quote",
    responses={
        503: {
            "model": ProblemDetails,
            "content": PROBLEM_CONTENT,
            "description": "order-svc, read for amendments and renewals, is away.",
        }
    },
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


@quotes.get("", summary="List quotes")
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


@quotes.get("/{quote_id}", summary="Get a quote")
async def get_quote(quote_id: uuid.UUID, session: SessionDep) -> QuotePublic:
    """One quote with its priced lines and totals. Unknown id: 404."""
    return await service.quote_public(
        session, await get_or_404(session, Quote, quote_id, label="quote")
    )


@quotes.get(
    "/{quote_id}/pdf",
    summary="Get a quote as a signable PDF document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_quote_pdf(
    quote_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> Response:
    """The quote as the customer signs it: lines, totals, first invoices, terms, signature."""
    quote = await service.quote_public(
        session, await get_or_404(session, Quote, quote_id, label="quote")
    )
    account = AccountPublic.model_validate(
        await get_or_404(session, Account, quote.account_id, label="account")
    )
    # Laying out a PDF is CPU work: keep it off the event loop.
    content = await asyncio.to_thread(
        render_quote_pdf, quote=quote, account=account, settings=settings
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{quote.number}.pdf"'},
    )


@quotes.post(
    "/{quote_id}/lines",
    status_code=201,
    response_model=QuotePublic,
    summary="Add a line to a draft quote",
)
async def add_line(
    quote_id: uuid.UUID, body: QuoteLineCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Add a line to a draft quote, priced from its price book, and return the repriced quote.
    Unknown quote: 404; a quote that is not draft: 409 `quote_not_draft`; an unknown product or
    billing account: 422; a reused `Idempotency-Key` with another body: 409.
    """

    async def create() -> QuotePublic:
        return await service.quote_public(session, await service.add_line(session, quote_id, body))

    return await idempotency.respond(session, create)


@quotes.patch("/{quote_id}/lines/{line_id}", summary="Change a line of a draft quote")
async def update_line(
    quote_id: uuid.UUID, line_id: uuid.UUID, body: QuoteLineUpdate, session: SessionDep
) -> QuotePublic:
    """Change the given fields of a draft quote's line and return the repriced quote; an amendment's
    subscription line keeps its net unit price. Unknown quote or line: 404; a quote that is not
    draft: 409 `quote_not_draft`.
    """
    quote = await service.update_line(session, quote_id, line_id, body)
    return await service.quote_public(session, quote)


@quotes.delete("/{quote_id}/lines/{line_id}", summary="Remove a line from a draft quote")
async def remove_line(quote_id: uuid.UUID, line_id: uuid.UUID, session: SessionDep) -> QuotePublic:
    """Remove a line from a draft quote and return the repriced quote. Unknown quote or line: 404; a
    quote that is not draft: 409 `quote_not_draft`.
    """
    return await service.quote_public(
        session, await service.remove_line(session, quote_id, line_id)
    )


@quotes.post("/{quote_id}/submit", summary="Submit a draft quote for approval")
async def submit_quote(
    quote_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> QuotePublic:
    """`approved` at once, or `in_review` when a line's discount exceeds the threshold (20% by
    default; `status_reason` says which). Unknown id: 404; a quote that is not draft, or has no
    lines: 409.
    """
    return await service.quote_public(session, await service.submit(session, quote_id, settings))


@quotes.post("/{quote_id}/approve", summary="Approve a quote in review")
async def approve_quote(
    quote_id: uuid.UUID, session: SessionDep, body: ReviewDecision | None = None
) -> QuotePublic:
    """Approve a quote in review, with an optional `reason`, so that it can be accepted. Unknown id:
    404; a quote that is not in review: 409 `quote_not_in_review`.
    """
    quote = await service.review(
        session, quote_id, approve=True, reason=body.reason if body else None
    )
    return await service.quote_public(session, quote)


@quotes.post("/{quote_id}/reject", summary="Reject a quote in review")
async def reject_quote(
    quote_id: uuid.UUID, session: SessionDep, body: ReviewDecision | None = None
) -> QuotePublic:
    """Reject a quote in review, with an optional `reason` kept as its `status_reason`. Unknown id:
    404; a quote that is not in review: 409 `quote_not_in_review`.
    """
    quote = await service.review(
        session, quote_id, approve=False, reason=body.reason if body else None
    )
    return await service.quote_public(session, quote)


@quotes.post("/{quote_id}/accept", summary="Accept an approved quote")
async def accept_quote(quote_id: uuid.UUID, session: SessionDep) -> QuotePublic:
    """Accepted quotes become orders: emits `QuoteAccepted` with the whole quote. Unknown id: 404; a
    quote that is not approved (409 `quote_not_approved`) or is past `expires_on` (409
    `quote_expired`).
    """
    quote = await service.accept(session, quote_id, today=datetime.now(UTC).date())
    return await service.quote_public(session, quote)


routers = [accounts, products, price_books, quotes]
