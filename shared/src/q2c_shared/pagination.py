"""Cursor pagination: `{"items": [...], "next_cursor": "..." | null}`, newest first.

Ids are UUIDv7, so ordering by id is ordering by creation; the cursor is the last id seen,
opaque to clients (base64), and stable while rows are added.
"""

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.bounds import NO_NUL_PATTERN
from q2c_shared.problems import Unprocessable

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, newest first."""

    items: list[T] = Field(description="This page's items, newest first; at most `limit`.")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; null on the last page."
    )


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after_id: uuid.UUID | None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError):
        raise Unprocessable(
            "The cursor is not one this API gave out; pass `next_cursor` from the previous page.",
            code="invalid_cursor",
        ) from None


def page_request(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL_PATTERN,
            description="`next_cursor` of the previous page.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageRequest, Depends(page_request)]


async def fetch_page(
    session: AsyncSession, statement: Select[Any], id_column: Any, page: PageRequest
) -> tuple[list[Any], str | None]:
    """Run `statement` (already filtered) for one page of ORM rows, newest first."""
    if page.after_id is not None:
        statement = statement.where(id_column < page.after_id)
    statement = statement.order_by(id_column.desc()).limit(page.limit + 1)
    rows = list((await session.execute(statement)).scalars().all())
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    next_cursor = encode_cursor(rows[-1].id) if has_more and rows else None
    return rows, next_cursor
