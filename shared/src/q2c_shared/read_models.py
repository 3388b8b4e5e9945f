"""Read models: a service's copy of another service's rows, fed by that service's events.

Events of one entity can arrive twice, or late behind a newer one (a redelivery after a
rebalance). A row is therefore only ever replaced by a newer version: each row keeps the
CloudEvents `time` of the event it was written from (`source_event_time`), and the upsert
compares it in the statement itself.
"""

from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


async def upsert_newer(
    session: AsyncSession, table: Table, values: dict[str, Any], *, key: str
) -> bool:
    """Insert the row, or overwrite it when `values` come from a newer event than the row's
    (`source_event_time`); False when the row was newer or as new and stayed as it was.

    The comparison is in the statement, not in Python: two deliveries racing each other, or an
    old event redelivered after a newer one, can never put an older version back. The table has
    `key` as its primary key and an `updated_at` column, set to the time of the write.
    """
    statement = insert(table).values(**values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={
            **{name: excluded[name] for name in values if name != key},
            "updated_at": func.now(),
        },
        where=table.c.source_event_time < excluded.source_event_time,
    ).returning(table.c[key])
    return (await session.execute(statement)).first() is not None
