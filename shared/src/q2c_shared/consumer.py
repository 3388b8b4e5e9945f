"""The idempotent event consumer.

For every message: parse the CloudEvent, then in ONE database transaction claim the inbox row
`(consumer, event_id)` and apply the handler; the Kafka offset is committed only after that
transaction committed. A redelivered event finds its inbox row and changes nothing. A message
that keeps failing is retried a bounded number of times, then sent to `<topic>.dlq` with the
error in its headers, and the partition moves on.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.db import Database
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.events.topics import dead_letter_topic
from q2c_shared.inbox import claim

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
"""Applies one event inside the transaction it is given; raises to have it retried."""


class EventConsumer:
    def __init__(
        self,
        *,
        database: Database,
        producer: AIOKafkaProducer,
        bootstrap_servers: str,
        group_id: str,
        consumer_name: str,
        topics: list[str],
        handlers: dict[str, EventHandler],
        max_attempts: int = 5,
        retry_backoff: float = 0.2,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
    ) -> None:
        self._database = database
        self._producer = producer
        self._group_id = group_id
        self._consumer_name = consumer_name  # the inbox's name for us: stable across groups
        self._topics = topics
        self._handlers = handlers
        self._max_attempts = max_attempts
        self._retry_backoff = retry_backoff
        self._stopping = asyncio.Event()
        self._consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
        )

    async def start(self) -> None:
        await self._consumer.start()
        logger.info("consumer %s subscribed to %s", self._group_id, ", ".join(self._topics))

    async def stop(self) -> None:
        self._stopping.set()

    async def close(self) -> None:
        await self._consumer.stop()

    async def run(self) -> None:
        """Consume until `stop()`; offsets are committed after each partition's batch."""
        while not self._stopping.is_set():
            try:
                batches = await self._consumer.getmany(timeout_ms=300, max_records=200)
            except Exception:
                logger.exception("consumer %s could not fetch; retrying", self._group_id)
                await asyncio.sleep(1)
                continue
            for partition, messages in batches.items():
                await self._process_partition(partition, messages)

    async def _process_partition(
        self, partition: TopicPartition, messages: list[ConsumerRecord]
    ) -> None:
        """Apply the messages in order and commit after the last one applied. If one could not
        even be dead-lettered (broker gone), commit what came before it and seek back to it, so
        it is fetched again: a message is never skipped."""
        done = 0
        try:
            for message in messages:
                await self.process(message)
                done += 1
        except Exception:
            logger.exception(
                "consumer %s stopped at %s@%d; it will be read again",
                self._group_id,
                partition,
                messages[done].offset,
            )
            self._consumer.seek(partition, messages[done].offset)
            await asyncio.sleep(1)
        if done:
            await self._commit(partition, messages[done - 1].offset + 1)

    async def _commit(self, partition: TopicPartition, next_offset: int) -> None:
        try:
            await self._consumer.commit({partition: next_offset})
        except Exception:
            # A rebalance took the partition away: its new owner re-reads from the last
            # committed offset and the inbox turns the repeats into no-ops.
            logger.warning(
                "consumer %s could not commit %s@%d",
                self._group_id,
                partition,
                next_offset,
                exc_info=True,
            )

    async def process(self, message: ConsumerRecord) -> None:
        """Apply one message, with retries, or dead-letter it. Raises only when the dead-letter
        topic cannot be written either."""
        try:
            event = CloudEvent.model_validate(json.loads(message.value))
        except (TypeError, ValueError, ValidationError) as error:  # TypeError: a null value
            await self._dead_letter(message, f"not a CloudEvent: {error}")
            return
        handler = self._handlers.get(event.type)
        if handler is None:
            return  # another consumer's business: topics carry several event types
        for attempt in range(1, self._max_attempts + 1):
            try:
                async with self._database.transaction() as session:
                    if await claim(
                        session,
                        consumer=self._consumer_name,
                        event_id=event.id,
                        event_type=event.type,
                    ):
                        await handler(session, event)
                    else:
                        logger.info("%s %s already applied; skipped", event.type, event.id)
                return
            except Exception as error:
                logger.warning(
                    "%s %s failed (try %d of %d): %s",
                    event.type,
                    event.id,
                    attempt,
                    self._max_attempts,
                    error,
                    exc_info=attempt == self._max_attempts,
                )
                if attempt == self._max_attempts:
                    await self._dead_letter(message, f"{type(error).__name__}: {error}")
                    return
                await asyncio.sleep(self._retry_backoff * 2 ** (attempt - 1))

    async def _dead_letter(self, message: ConsumerRecord, reason: str) -> None:
        topic = dead_letter_topic(message.topic)
        headers = list(message.headers or []) + [
            ("dlq_reason", reason[:1000].encode()),
            ("dlq_consumer", self._group_id.encode()),
            ("dlq_origin", f"{message.topic}/{message.partition}/{message.offset}".encode()),
        ]
        logger.error(
            "dead-lettering %s/%d@%d to %s: %s",
            message.topic,
            message.partition,
            message.offset,
            topic,
            reason,
        )
        await self._producer.send_and_wait(
            topic, value=message.value, key=message.key, headers=headers
        )
