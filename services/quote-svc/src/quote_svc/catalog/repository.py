"""Catalog rows: products, price books and their entries; no business rules, nothing HTTP."""

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.pagination import PageRequest, fetch_page
from quote_svc.models import PriceBook, PriceBookEntry, Product


async def product(session: AsyncSession, product_id: uuid.UUID) -> Product | None:
    return await session.get(Product, product_id)


async def products(
    session: AsyncSession, product_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Product]:
    """The products of these ids that exist, in one query."""
    if not product_ids:
        return {}
    result = await session.scalars(select(Product).where(Product.id.in_(set(product_ids))))
    return {product.id: product for product in result}


async def price_book(session: AsyncSession, price_book_id: uuid.UUID) -> PriceBook | None:
    return await session.get(PriceBook, price_book_id)


async def entries(
    session: AsyncSession, price_book_id: uuid.UUID, product_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, PriceBookEntry]:
    """The price book's entries for these products (those it has), by product, in one query."""
    if not product_ids:
        return {}
    result = await session.scalars(
        select(PriceBookEntry).where(
            PriceBookEntry.price_book_id == price_book_id,
            PriceBookEntry.product_id.in_(set(product_ids)),
        )
    )
    return {entry.product_id: entry for entry in result}


async def insert_unique(session: AsyncSession, row: Product | PriceBookEntry) -> bool:
    """Insert the row unless a unique key (a product's SKU, a book's entry for a product)
    is taken already: the database decides, so two requests at once cannot both win."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    await session.refresh(row)
    return True


async def product_page(
    session: AsyncSession, request: PageRequest
) -> tuple[list[Product], str | None]:
    return await fetch_page(session, select(Product), Product.id, request)
