"""Catalog routes: products and price books; thin, each calls one service function."""

import uuid

from fastapi import APIRouter, Response

from q2c_shared.db import SessionDep
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep
from quote_svc.catalog import service
from quote_svc.catalog.schemas import (
    PriceBookCreate,
    PriceBookEntryCreate,
    PriceBookEntryPublic,
    PriceBookPublic,
    ProductCreate,
    ProductPublic,
)
from quote_svc.errors import (
    EntryExists,
    IdempotencyKeyReused,
    PriceBookNotFound,
    ProductNotFound,
    SkuTaken,
    UnknownProduct,
    problem_responses,
)

products = APIRouter(prefix="/products", tags=["catalog"])
price_books = APIRouter(prefix="/price-books", tags=["catalog"])


@products.post(
    "",
    status_code=201,
    response_model=ProductPublic,
    summary="Create a product",
    responses=problem_responses(SkuTaken, IdempotencyKeyReused),
)
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


@products.get(
    "/{product_id}", summary="Get a product", responses=problem_responses(ProductNotFound)
)
async def get_product(product_id: uuid.UUID, session: SessionDep) -> ProductPublic:
    """One product by id. Unknown id: 404."""
    return ProductPublic.model_validate(await service.get_product(session, product_id))


@price_books.post(
    "",
    status_code=201,
    response_model=PriceBookPublic,
    summary="Create a price book",
    responses=problem_responses(IdempotencyKeyReused),
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


@price_books.get(
    "/{price_book_id}",
    summary="Get a price book",
    responses=problem_responses(PriceBookNotFound),
)
async def get_price_book(price_book_id: uuid.UUID, session: SessionDep) -> PriceBookPublic:
    """One price book by id: its name and currency. Unknown id: 404."""
    return PriceBookPublic.model_validate(await service.get_price_book(session, price_book_id))


@price_books.post(
    "/{price_book_id}/entries",
    status_code=201,
    response_model=PriceBookEntryPublic,
    summary="Price a product in a price book",
    responses=problem_responses(
        PriceBookNotFound, EntryExists, IdempotencyKeyReused, UnknownProduct
    ),
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
