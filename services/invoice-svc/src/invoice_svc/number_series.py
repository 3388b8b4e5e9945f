"""Advancing a gapless number series (core/numbering.py says what the numbers look like).

A PostgreSQL sequence would leave gaps (a rolled-back transaction never returns its value), and
tax authorities want invoice numbers without gaps. So the series is a row per (legal entity,
kind) that posting advances in its own transaction, with one upsert whose row lock lasts until
that transaction ends: a posting that rolls back gives its numbers back, and two postings in one
series take turns. Numbers are assigned at posting only, never to drafts, so a deleted draft
leaves no hole."""

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.core.numbering import DocumentKind, format_number, series_key
from invoice_svc.models import NumberSeries

DEFAULT_SERIES_LOCK_TIMEOUT_MS = 60_000
"""How long a posting waits for its series unless told (`InvoiceSettings.posting_lock_timeout_ms`
sets it in the service)."""


async def wait_for_series(session: AsyncSession, *, lock_timeout_ms: int) -> None:
    """Let this transaction wait up to `lock_timeout_ms` (0: without limit) for a series lock.

    Postings queue on their series on purpose: an invoice run's batch holds it from numbering to
    commit, several seconds for a large batch, while the next batch, a second run or an invoice
    posted by hand waits its turn. The service-wide `lock_timeout` (a few seconds) would fail
    them; so a transaction that is about to take numbers raises its own `lock_timeout`, and
    its `statement_timeout` if that is shorter, until it ends (`SET LOCAL`). Call it before
    `take_numbers`, in the transaction that takes them."""
    await session.execute(
        text(
            "SELECT set_config('lock_timeout', :timeout, true), "
            "set_config('statement_timeout', CASE "
            "WHEN :timeout = '0' THEN '0' "
            "WHEN setting::bigint BETWEEN 1 AND CAST(:timeout AS bigint) - 1 THEN :timeout "
            "ELSE setting END, true) "
            "FROM pg_settings WHERE name = 'statement_timeout'"
        ),
        {"timeout": str(lock_timeout_ms)},
    )


async def take_numbers(
    session: AsyncSession, *, legal_entity: str | None, kind: DocumentKind, count: int
) -> list[str]:
    """The next `count` numbers of the series, consecutive, held until the transaction ends.

    Callers taking numbers of several series in one transaction take them in a fixed order
    (sorted by legal entity), so two postings never wait on each other's series in a cycle;
    and call `wait_for_series` first in that transaction, since they may wait their turn.
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
