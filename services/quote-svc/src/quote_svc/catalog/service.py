"""The catalog: products, price books, and what a price book says a product costs.

Functions flush, never commit: the request's unit of work commits (q2c_shared.db).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.pagination import PageRequest
from quote_svc.catalog import repository
from quote_svc.catalog.schemas import PriceBookCreate, PriceBookEntryCreate, ProductCreate
from quote_svc.core.pricing import PriceTier, PricingModel
from quote_svc.errors import (
    EntryExists,
    PriceBookNotFound,
    ProductNotFound,
    ProductNotInPriceBook,
    SkuTaken,
    UnknownPriceBook,
    UnknownProduct,
)
from quote_svc.models import PriceBook, PriceBookEntry, Product


@dataclass(frozen=True)
class Price:
    """What a price book says for a product, as the pricing core reads it."""

    pricing_model: PricingModel
    unit_price: Decimal
    tiers: list[PriceTier]


async def create_product(session: AsyncSession, body: ProductCreate) -> Product:
    product = Product.model_validate(body.model_dump(mode="json"))
    if not await repository.insert_unique(session, product):
        raise SkuTaken(f"A product with sku {body.sku!r} already exists.")
    return product


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> Product:
    product = await repository.product(session, product_id)
    if product is None:
        raise ProductNotFound(f"No product with id {product_id}.")
    return product


async def list_products(
    session: AsyncSession, page: PageRequest
) -> tuple[list[Product], str | None]:
    return await repository.product_page(session, page)


async def create_price_book(session: AsyncSession, body: PriceBookCreate) -> PriceBook:
    price_book = PriceBook.model_validate(body.model_dump(mode="json"))
    session.add(price_book)
    await session.flush()
    await session.refresh(price_book)
    return price_book


async def get_price_book(session: AsyncSession, price_book_id: uuid.UUID) -> PriceBook:
    price_book = await repository.price_book(session, price_book_id)
    if price_book is None:
        raise PriceBookNotFound(f"No price book with id {price_book_id}.")
    return price_book


async def add_price_book_entry(
    session: AsyncSession, price_book_id: uuid.UUID, body: PriceBookEntryCreate
) -> PriceBookEntry:
    await get_price_book(session, price_book_id)
    product = await existing_product(session, body.product_id)
    entry = PriceBookEntry.model_validate(
        body.model_dump(mode="json") | {"price_book_id": price_book_id}
    )
    entry.unit_price = body.unit_price
    if not await repository.insert_unique(session, entry):
        raise EntryExists(f"Product {product.sku} already has a price in this price book.")
    return entry


async def existing_product(session: AsyncSession, product_id: uuid.UUID) -> Product:
    """A product a request names: unknown is a 422 (the body, not the path, names it)."""
    product = await repository.product(session, product_id)
    if product is None:
        raise UnknownProduct(f"Product {product_id} does not exist.")
    return product


async def existing_products(
    session: AsyncSession, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Product]:
    """The products a request names, in one query: the first unknown one is a 422."""
    products = await repository.products(session, product_ids)
    for product_id in product_ids:
        if product_id not in products:
            raise UnknownProduct(f"Product {product_id} does not exist.")
    return products


async def existing_price_book(session: AsyncSession, price_book_id: uuid.UUID) -> PriceBook:
    """A price book a request names: unknown is a 422."""
    price_book = await repository.price_book(session, price_book_id)
    if price_book is None:
        raise UnknownPriceBook(f"Price book {price_book_id} does not exist.")
    return price_book


async def price_of(session: AsyncSession, price_book_id: uuid.UUID, product_id: uuid.UUID) -> Price:
    """What the price book says for the product: model, unit price and tiers."""
    return (await prices_of(session, price_book_id, [product_id]))[product_id]


async def prices_of(
    session: AsyncSession, price_book_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Price]:
    """What the price book says for each of the products, read in one query; the first product
    it has no price for is a 422."""
    entries = await repository.entries(session, price_book_id, product_ids)
    for product_id in product_ids:
        if product_id not in entries:
            raise ProductNotInPriceBook(
                f"Product {product_id} has no price in price book {price_book_id}; "
                f"add it with POST /v1/price-books/{price_book_id}/entries."
            )
    return {product_id: _price(entry) for product_id, entry in entries.items()}


def _price(entry: PriceBookEntry) -> Price:
    return Price(
        pricing_model=PricingModel(entry.pricing_model),
        unit_price=entry.unit_price,
        tiers=[
            PriceTier(
                up_to=None if tier["up_to"] is None else Decimal(tier["up_to"]),
                unit_price=Decimal(tier["unit_price"]),
            )
            for tier in entry.tiers or []
        ],
    )
