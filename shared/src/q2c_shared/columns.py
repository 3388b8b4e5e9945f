"""Column helpers for SQLModel tables, so every service declares ids, money and dates alike.

Money is `NUMERIC` without a fixed scale: amounts are rounded to the currency before they are
stored, and PostgreSQL keeps the scale they were written with ("17.00" stays "17.00").
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field

from q2c_shared.ids import new_id


def id_column() -> Any:
    """UUIDv7 primary key, generated in Python so the id is known before the flush."""
    return Field(default_factory=new_id, sa_column=Column(UUID(as_uuid=True), primary_key=True))


def reference(
    target: str | None = None,
    *,
    nullable: bool = False,
    index: bool = True,
    unique: bool = False,
    ondelete: str | None = None,
) -> Any:
    """A UUID pointing at a row (`target` names a foreign key in this database; ids of other
    services' rows have no foreign key, since their tables live elsewhere)."""
    foreign = [ForeignKey(target, ondelete=ondelete)] if target else []
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            UUID(as_uuid=True),
            *foreign,
            nullable=nullable,
            index=index and not unique,
            unique=unique,
        ),
    )


def money(*, nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else Decimal(0), sa_column=Column(Numeric(), nullable=nullable)
    )


def quantity() -> Any:
    return Field(sa_column=Column(Numeric(), nullable=False))


def text(length: int = 255, *, nullable: bool = True, **kwargs: Any) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(String(length), nullable=nullable, **kwargs),
    )


def integer(*, nullable: bool = True) -> Any:
    return Field(default=None if nullable else ..., sa_column=Column(Integer, nullable=nullable))


def day(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ..., sa_column=Column(Date, nullable=nullable, index=index)
    )


def json_document(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSONB, nullable=nullable))


def created_at() -> Any:
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def timestamp() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
