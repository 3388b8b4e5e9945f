"""The retention job: the messaging tables keep what their windows need, not everything forever.

Every service runs it (a worker of `create_service_app`). Each pass deletes, a small batch per
transaction so that no lock is held for long and the write-ahead log grows evenly:

- published outbox events older than `RETENTION_OUTBOX_HOURS` (unpublished ones are never
  touched: the relay still owes them to the broker);
- inbox rows older than `RETENTION_INBOX_HOURS`, which must exceed the broker's retention (an
  event the broker may still redeliver has to be recognised as applied);
- idempotency keys older than `RETENTION_IDEMPOTENCY_HOURS` (24 h, as Stripe keeps them).

The cut-off is the database's clock, so replicas agree on it; two replicas pruning at once skip
each other's rows (`SKIP LOCKED`). `q2c_retention_pruned_total{table}` counts what went.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from q2c_shared.db import Database
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from q2c_shared.app import ServiceRuntime

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetainedTable:
    table: str
    written_at: str
    """The column with the time the row was written (BRIN-indexed, migration v2)."""
    window_setting: str
    """The `ServiceSettings` field with the window in hours."""
    prunable: str = "true"
    """An extra condition a row must meet to go."""

    def delete_batch(self) -> str:
        # ctid: the rows' physical addresses, so the batch is a bounded set of rows found once.
        return (
            f"DELETE FROM {self.table} WHERE ctid = ANY(ARRAY("
            f"SELECT ctid FROM {self.table} "
            f"WHERE {self.written_at} < now() - make_interval(secs => :window_seconds) "
            f"AND {self.prunable} "
            "LIMIT :batch_size FOR UPDATE SKIP LOCKED))"
        )


RETAINED_TABLES = (
    RetainedTable(
        "outbox_events", "created_at", "retention_outbox_hours", "published_at IS NOT NULL"
    ),
    RetainedTable("inbox_events", "processed_at", "retention_inbox_hours"),
    RetainedTable("idempotency_keys", "created_at", "retention_idempotency_hours"),
)


async def prune_once(
    database: Database,
    settings: ServiceSettings,
    metrics: ServiceMetrics,
    stop: asyncio.Event | None = None,
) -> dict[str, int]:
    """One pass over the tables: delete batches until a batch comes back short (or `stop` is
    set). Returns the rows deleted per table."""
    pruned: dict[str, int] = {}
    for retained in RETAINED_TABLES:
        window_hours: float = getattr(settings, retained.window_setting)
        statement = text(retained.delete_batch())
        pruned[retained.table] = 0
        while stop is None or not stop.is_set():
            async with database.transaction() as session:
                result = await session.execute(
                    statement,
                    {
                        "window_seconds": window_hours * 3600,
                        "batch_size": settings.retention_batch_size,
                    },
                )
            deleted = result.rowcount  # type: ignore[attr-defined]
            pruned[retained.table] += deleted
            metrics.retention_pruned.labels(retained.table).inc(deleted)
            if deleted < settings.retention_batch_size:
                break
    return pruned


async def prune_retained_rows(runtime: "ServiceRuntime", stop: asyncio.Event) -> None:
    """The worker: a pass every `RETENTION_INTERVAL_SECONDS` until the service stops. A failed
    pass (database away) is logged and tried again next time."""
    settings = runtime.settings
    while not stop.is_set():
        try:
            pruned = await prune_once(runtime.database, settings, runtime.metrics, stop)
        except Exception as error:  # noqa: BLE001 - next pass tries again
            logger.warning("retention pass failed: %s", error)
        else:
            if any(pruned.values()):
                logger.info(
                    "retention pruned %s",
                    ", ".join(f"{count} {table}" for table, count in pruned.items() if count),
                )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.retention_interval_seconds)
