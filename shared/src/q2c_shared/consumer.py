"""The idempotent event consumer.

For every message: parse the CloudEvent, then in ONE database transaction claim the inbox row
`(consumer, event_id)` and apply the handler; the Kafka offset is committed only after that
transaction committed. A redelivered event finds its inbox row and changes nothing. A message
that keeps failing is retried a bounded number of times, then sent to `<topic>.dlq` with the
error in its headers, and the partition moves on.

Each event is applied in a consumer span whose parent is the trace context it carries (the
`traceparent` Kafka header, else the envelope's extension attribute), so the handler's log
lines and the events it enqueues continue the producer's trace. `stop()` lets the message in
hand finish (but not its remaining retries), commits what was applied and stops: the rest is
read again by whoever gets the partition next.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.db import Database
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.events.topics import dead_letter_topic
from q2c_shared.inbox import claim
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.tracing import TRACE_HEADERS, context_from

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
"""Applies one event inside the transaction it is given; raises to have it retried."""


class _Stopped(Exception):
    """The consumer was stopped between two tries of a message: leave it uncommitted."""


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
        metrics: ServiceMetrics | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self._database = database
        self._metrics = metrics if metrics is not None else ServiceMetrics()
        # Without a provider of the app's, the API's tracer still runs handlers in the
        # producer's trace context (non-recording spans), so log lines keep its trace id.
        self._tracer = tracer if tracer is not None else trace.get_tracer(__name__)
        self._lag_reported: set[TopicPartition] = set()
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

    def stop(self) -> None:
        """Ask `run` to return after the message in hand."""
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
            await self._record_lag()

    async def _process_partition(
        self, partition: TopicPartition, messages: list[ConsumerRecord]
    ) -> None:
        """Apply the messages in order and commit after the last one applied. If one could not
        even be dead-lettered (broker gone), commit what came before it and seek back to it, so
        it is fetched again: a message is never skipped. Stopping, it commits what it applied
        and leaves the rest to be fetched again."""
        done = 0
        try:
            for message in messages:
                if self._stopping.is_set():
                    break
                await self.process(message)
                done += 1
        except _Stopped:
            pass
        except Exception:
            logger.exception(
                "consumer %s stopped at %s@%d; it will be read again",
                self._group_id,
                partition,
                messages[done].offset,
            )
            await self._stopped_within(1)
        if done < len(messages):
            self._consumer.seek(partition, messages[done].offset)
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

    async def _record_lag(self) -> None:
        """`q2c_consumer_lag` of each assigned partition: its highwater (as of the last fetch)
        minus the position, which is the next message to process once a batch is done."""
        assigned = set(self._consumer.assignment())
        for partition in assigned:
            try:
                highwater = self._consumer.highwater(partition)
                if highwater is None:
                    continue
                position = await asyncio.wait_for(self._consumer.position(partition), 0.1)
            except Exception:  # noqa: BLE001 - revoked meanwhile, or no position yet
                continue
            self._metrics.consumer_lag.labels(partition.topic, str(partition.partition)).set(
                max(0, highwater - position)
            )
        for partition in self._lag_reported - assigned:  # moved to another consumer
            self._metrics.consumer_lag.remove(partition.topic, str(partition.partition))
        self._lag_reported = assigned

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
        with self._tracer.start_as_current_span(
            f"process {event.type}",
            context=_trace_context(message, event),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": message.topic,
                "messaging.destination.partition.id": str(message.partition),
                "messaging.kafka.offset": message.offset,
                "messaging.message.id": event.id,
                "cloudevents.event_type": event.type,
            },
        ) as span:
            await self._apply(message, event, handler, span)

    async def _apply(
        self, message: ConsumerRecord, event: CloudEvent, handler: EventHandler, span: Span
    ) -> None:
        where = {
            "event_id": event.id,
            "event_type": event.type,
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
        }
        for attempt in range(1, self._max_attempts + 1):
            try:
                async with self._database.transaction() as session:
                    applied = await claim(
                        session,
                        consumer=self._consumer_name,
                        event_id=event.id,
                        event_type=event.type,
                    )
                    if applied:
                        await handler(session, event)
            except Exception as error:
                self._metrics.consumer_failed.labels(message.topic, event.type).inc()
                span.record_exception(error)
                logger.warning(
                    "%s %s failed (try %d of %d): %s",
                    event.type,
                    event.id,
                    attempt,
                    self._max_attempts,
                    error,
                    exc_info=attempt == self._max_attempts,
                    extra=where,
                )
                if attempt == self._max_attempts:
                    span.set_status(StatusCode.ERROR, f"{type(error).__name__}: {error}")
                    await self._dead_letter(message, f"{type(error).__name__}: {error}")
                    return
                if await self._stopped_within(self._retry_backoff * 2 ** (attempt - 1)):
                    raise _Stopped from error
                continue
            if applied:
                self._metrics.consumer_processed.labels(message.topic, event.type).inc()
                logger.info("%s %s applied", event.type, event.id, extra=where)
            else:
                self._metrics.consumer_duplicates.labels(message.topic, event.type).inc()
                logger.info("%s %s already applied; skipped", event.type, event.id, extra=where)
            return

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less if the consumer is stopped meanwhile: whether it was."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True

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
        self._metrics.consumer_dead_lettered.labels(message.topic).inc()


def _trace_context(message: ConsumerRecord, event: CloudEvent) -> Context:
    """The producer's trace context: from the Kafka headers, else from the envelope (an event
    published by something that does not copy it into headers)."""
    carrier = {
        name: value.decode(errors="replace")
        for name, value in message.headers or []
        if name in TRACE_HEADERS and value is not None
    }
    if "traceparent" not in carrier and event.traceparent is not None:
        carrier = {"traceparent": event.traceparent}
        if event.tracestate is not None:
            carrier["tracestate"] = event.tracestate
    return context_from(carrier)
