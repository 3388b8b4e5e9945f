"""The outbox relay: publishes committed outbox rows to Kafka, in order, at least once.

Each batch runs in one transaction holding a transaction-level advisory lock, so when several
replicas of a service run, one relays at a time and an account's events keep their order; rows
are read `FOR UPDATE SKIP LOCKED` in creation order. A row is marked published only after the
broker acknowledged it (acks=all); a failed send is retried with exponential backoff, and until
it succeeds the later events of its key (its account) wait behind it. (Events of one batch are
sent pipelined: if one fails, later ones of its key in the same batch may already be out.)

An event enqueued in a traced request carries its trace context in the envelope; the relay
sends it as the `traceparent` and `tracestate` Kafka headers too, so that consumers and tools
reading headers only continue the trace. Stopping (`stop()`) lets the batch in hand finish.
"""

import asyncio
import json
import logging
import zlib
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from q2c_shared.db import Database
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.tracing import TRACE_HEADERS

logger = logging.getLogger(__name__)

_SELECT_BATCH = text(
    """
    SELECT id, topic, message_key, envelope, attempts
    FROM outbox_events AS event
    WHERE published_at IS NULL AND next_attempt_at <= now()
      -- an earlier event of the same key waiting for a retry holds the later ones back
      AND NOT EXISTS (
        SELECT 1 FROM outbox_events AS earlier
        WHERE earlier.message_key = event.message_key
          AND earlier.published_at IS NULL
          AND earlier.next_attempt_at > now()
          AND (earlier.created_at, earlier.id) < (event.created_at, event.id)
      )
    ORDER BY created_at, id
    LIMIT :batch_size
    FOR UPDATE SKIP LOCKED
    """
)
_MARK_PUBLISHED = text("UPDATE outbox_events SET published_at = now() WHERE id = ANY(:ids)")
_MARK_FAILED = text(
    """
    UPDATE outbox_events
    SET attempts = attempts + 1, last_error = :error,
        next_attempt_at = now() + CAST(:delay AS interval)
    WHERE id = :id
    """
)
MAX_BACKOFF = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 1 s, 2 s, 4 s, ... up to 5 min."""
    return min(timedelta(seconds=2 ** min(attempts, 20)), MAX_BACKOFF)


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        producer: AIOKafkaProducer,
        *,
        service_name: str,
        topic_prefix: str = "",
        batch_size: int = 500,
        poll_interval: float = 0.2,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._database = database
        self._metrics = metrics if metrics is not None else ServiceMetrics()
        self._producer = producer
        self._topic_prefix = topic_prefix
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lock_key = zlib.crc32(f"outbox-relay:{service_name}".encode())
        self._stopping = asyncio.Event()

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many events were published."""
        async with self._database.transaction() as session:
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": self._lock_key}
            )
            if not locked:
                return 0
            rows = (await session.execute(_SELECT_BATCH, {"batch_size": self._batch_size})).all()
            if not rows:
                return 0
            results = await self._send_all(rows)
            published = [row.id for row, error in zip(rows, results, strict=True) if error is None]
            if published:
                await session.execute(_MARK_PUBLISHED, {"ids": published})
            for row, error in zip(rows, results, strict=True):
                if error is not None:
                    logger.warning(
                        "outbox event %s not published (try %d): %s",
                        row.id,
                        row.attempts + 1,
                        error,
                    )
                    await session.execute(
                        _MARK_FAILED,
                        {"id": row.id, "error": str(error)[:2000], "delay": backoff(row.attempts)},
                    )
        # Counted once the batch's outcome is committed.
        for row, error in zip(rows, results, strict=True):
            counter = (
                self._metrics.events_published
                if error is None
                else self._metrics.events_publish_failed
            )
            counter.labels(row.topic, row.envelope["type"]).inc()
        return len(published)

    async def _send_all(self, rows: list[Any]) -> list[BaseException | None]:
        futures = []
        for row in rows:
            envelope = row.envelope
            headers = [
                ("ce_id", envelope["id"].encode()),
                ("ce_type", envelope["type"].encode()),
                ("content-type", b"application/cloudevents+json"),
            ]
            headers += [
                (name, envelope[name].encode()) for name in TRACE_HEADERS if name in envelope
            ]
            try:
                futures.append(
                    await self._producer.send(
                        self._topic_prefix + row.topic,
                        value=json.dumps(envelope, separators=(",", ":")).encode(),
                        key=row.message_key.encode(),
                        headers=headers,
                    )
                )
            except Exception as error:  # noqa: BLE001 - reported per row, retried later
                futures.append(asyncio.get_running_loop().create_future())
                futures[-1].set_exception(error)
        results = await asyncio.gather(*futures, return_exceptions=True)
        return [result if isinstance(result, BaseException) else None for result in results]

    async def run(self) -> None:
        """Relay until `stop()`; a full batch loops at once, an empty one waits a poll interval."""
        logger.info("outbox relay started")
        while not self._stopping.is_set():
            try:
                published = await self.publish_batch()
            except Exception:
                logger.exception("outbox relay batch failed; retrying")
                published = 0
            if published < self._batch_size:
                try:
                    await asyncio.wait_for(self._stopping.wait(), timeout=self._poll_interval)
                except TimeoutError:
                    pass
        logger.info("outbox relay stopped")

    def stop(self) -> None:
        self._stopping.set()
