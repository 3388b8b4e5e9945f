"""The retention job on a real database: old published outbox rows, old inbox rows and old
idempotency keys go, in batches; what is recent, and an unpublished event of any age, stays."""

import uuid

from sqlalchemy import text

from q2c_shared.db import Database
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.retention import prune_once
from q2c_shared.settings import ServiceSettings


async def _insert(database: Database, statement: str, rows: list[dict]) -> None:
    async with database.transaction() as session:
        for row in rows:
            await session.execute(text(statement), row)


async def _count(database: Database, table: str) -> int:
    async with database.transaction() as session:
        return (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_rows_older_than_their_windows_are_pruned_in_batches(database: Database) -> None:
    outbox = (
        "INSERT INTO outbox_events (id, topic, message_key, event_type, envelope, created_at, "
        "published_at) VALUES (:id, 't', 'k', 'E', '{}', now() - make_interval(hours => :age), "
        "CASE WHEN :published THEN now() END)"
    )
    await _insert(
        database,
        outbox,
        [{"id": uuid.uuid4(), "age": 200, "published": True} for _ in range(7)]
        + [
            {"id": uuid.uuid4(), "age": 200, "published": False},  # still owed to the broker
            {"id": uuid.uuid4(), "age": 100, "published": True},  # inside the window
        ],
    )
    inbox = (
        "INSERT INTO inbox_events (consumer, event_id, event_type, processed_at) "
        "VALUES ('c', :id, 'E', now() - make_interval(hours => :age))"
    )
    await _insert(
        database,
        inbox,
        [{"id": f"old-{i}", "age": 400} for i in range(5)] + [{"id": "new", "age": 1}],
    )
    keys = (
        "INSERT INTO idempotency_keys (key, request_fingerprint, created_at) "
        "VALUES (:key, 'f', now() - make_interval(hours => :age))"
    )
    await _insert(database, keys, [{"key": "old", "age": 25}, {"key": "new", "age": 23}])
    metrics = ServiceMetrics()
    settings = ServiceSettings(retention_batch_size=3)

    pruned = await prune_once(database, settings, metrics)

    assert pruned == {"outbox_events": 7, "inbox_events": 5, "idempotency_keys": 1}
    assert await _count(database, "outbox_events") == 2
    async with database.transaction() as session:
        kept = (await session.execute(text("SELECT event_id FROM inbox_events"))).scalars().all()
        key = (await session.execute(text("SELECT key FROM idempotency_keys"))).scalar_one()
    assert kept == ["new"] and key == "new"
    sample = metrics.registry.get_sample_value
    assert sample("q2c_retention_pruned_total", {"table": "outbox_events"}) == 7
    assert sample("q2c_retention_pruned_total", {"table": "inbox_events"}) == 5

    assert await prune_once(database, settings, metrics) == {
        "outbox_events": 0,
        "inbox_events": 0,
        "idempotency_keys": 0,
    }
