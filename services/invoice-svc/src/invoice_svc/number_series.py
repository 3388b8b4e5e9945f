"""Advancing a gapless number series (core/numbering.py says what the numbers look like).

A PostgreSQL sequence would leave gaps (a rolled-back transaction never returns its value), and
tax authorities want invoice numbers without gaps. So the series is a row per (legal entity,
kind) that posting advances in its own transaction, with one upsert whose row lock lasts until
that transaction ends: a posting that rolls back gives its numbers back, and two postings in one
series take turns. Numbers are assigned at posting only, never to drafts, so a deleted draft
leaves no hole."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.core.numbering import DocumentKind, format_number, series_key
from invoice_svc.models import NumberSeries


async def take_numbers(
    session: AsyncSession, *, legal_entity: str | None, kind: DocumentKind, count: int
) -> list[str]:
    """The next `count` numbers of the series, consecutive, held until the transaction ends.

    Callers taking numbers of several series in one transaction take them in a fixed order
    (sorted by legal entity), so two postings never wait on each other's series in a cycle.
    """
    if count < 1:
        return []
    table = NumberSeries.__table__
    # One statement: the first posting of a series creates its row, later ones advance it.
    # Either way the row stays locked until the transaction ends, so a second posting in the
    # series waits here and then continues from this one's last number (or from the old one,
    # should this transaction roll back).
    last_number = await session.scalar(
        insert(table)
        .values(legal_entity=series_key(legal_entity), kind=kind, last_number=count)
        .on_conflict_do_update(
            index_elements=["legal_entity", "kind"],
            set_={"last_number": table.c.last_number + count},
        )
        .returning(table.c.last_number)
    )
    assert last_number is not None  # RETURNING always yields the row inserted or updated
    first = last_number - count + 1
    return [format_number(kind, value) for value in range(first, last_number + 1)]
