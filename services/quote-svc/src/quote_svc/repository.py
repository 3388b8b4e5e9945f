"""quote-svc data access: loads, locks and numbers rows; no business rules."""

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.db import get_or_404
from q2c_shared.problems import Unprocessable
from quote_svc.models import Account, PriceBookEntry, Quote, QuoteLine


async def next_quote_number(session: AsyncSession) -> str:
    value = await session.scalar(text("SELECT nextval('quote_number_seq')"))
    return f"Q-{value:06d}"


async def quote_lines(session: AsyncSession, quote_id: uuid.UUID) -> list[QuoteLine]:
    result = await session.execute(
        select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.position)
    )
    return list(result.scalars())


async def next_line_position(session: AsyncSession, quote_id: uuid.UUID) -> int:
    current = await session.scalar(
        select(func.max(QuoteLine.position)).where(QuoteLine.quote_id == quote_id)
    )
    return (current or 0) + 1


async def lock_quote(session: AsyncSession, quote_id: uuid.UUID) -> Quote:
    """The quote, locked for a status change or a line edit (one writer at a time)."""
    return await get_or_404(session, Quote, quote_id, label="quote", for_update=True)


async def price_book_entry(
    session: AsyncSession, price_book_id: uuid.UUID, product_id: uuid.UUID
) -> PriceBookEntry:
    entry = await session.scalar(
        select(PriceBookEntry).where(
            PriceBookEntry.price_book_id == price_book_id,
            PriceBookEntry.product_id == product_id,
        )
    )
    if entry is None:
        raise Unprocessable(
            f"Product {product_id} has no price in price book {price_book_id}; "
            f"add it with POST /v1/price-books/{price_book_id}/entries.",
            code="product_not_in_price_book",
        )
    return entry


async def existing_account(session: AsyncSession, account_id: uuid.UUID, *, role: str) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise Unprocessable(f"The {role} {account_id} does not exist.", code="unknown_account")
    return account
