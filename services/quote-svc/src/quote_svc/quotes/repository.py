"""Quote rows: loads, locks, pages and numbers them; no business rules, nothing HTTP."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.pagination import PageRequest, fetch_page
from quote_svc.models import Quote, QuoteLine
from quote_svc.statuses import QuoteStatus


async def next_quote_number(session: AsyncSession) -> str:
    value = await session.scalar(text("SELECT nextval('quote_number_seq')"))
    return f"Q-{value:06d}"


async def get(
    session: AsyncSession, quote_id: uuid.UUID, *, for_update: bool = False
) -> Quote | None:
    """The quote; `for_update` locks it for a status change or a line edit (one writer at a
    time)."""
    return await session.get(Quote, quote_id, with_for_update=for_update)


async def lines(session: AsyncSession, quote_id: uuid.UUID) -> list[QuoteLine]:
    result = await session.execute(
        select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.position)
    )
    return list(result.scalars())


async def line(session: AsyncSession, line_id: uuid.UUID) -> QuoteLine | None:
    return await session.get(QuoteLine, line_id)


async def line_count_and_last_position(
    session: AsyncSession, quote_id: uuid.UUID
) -> tuple[int, int]:
    """How many lines the quote has, and the position of its last (0 without lines); the
    caller holds the quote's lock, so neither moves until it commits."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.max(QuoteLine.position), 0)).where(
                QuoteLine.quote_id == quote_id
            )
        )
    ).one()
    return row[0], row[1]


async def insert_lines(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the lines (rows of every column of `quote_lines`) in one statement (an
    executemany), whatever their number."""
    if rows:
        await session.execute(insert(QuoteLine.__table__), list(rows))


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    account_id: uuid.UUID | None,
    status: QuoteStatus | None,
) -> tuple[list[Quote], str | None]:
    statement = select(Quote)
    if account_id is not None:
        statement = statement.where(Quote.account_id == account_id)
    if status is not None:
        statement = statement.where(Quote.status == status)
    return await fetch_page(session, statement, Quote.id, request)
