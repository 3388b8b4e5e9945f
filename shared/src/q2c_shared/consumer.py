"""The idempotent event consumer.

For every message: parse the CloudEvent, then in ONE database transaction claim the inbox row
`(consumer, event_id)` and apply the handler; the Kafka offset is committed only after that
transaction committed. A redelivered event finds its inbox row and changes nothing.

Partitions are applied concurrently: the fetch loop hands each partition's batch to a task of
its own and pauses the partition until that task is done, while the other partitions are fetched
and applied; a slow or failing message holds up its own partition only. Within a partition the
order is kept. At most `max_concurrent_partitions` messages are being applied (each holding a
database connection) at a time; a partition waiting out a retry's backoff holds no slot.

A message whose failure no retry can fix (it is not a CloudEvent, its data does not validate, the
handler refuses it with a 4xx Problem or a ValueError, TypeError, KeyError...) goes to
`<topic>.dlq` at once. A transient failure (connection lost, timeouts, serialization failure,
deadlock, lock timeout) is retried with backoff a bounded number of times, then dead-lettered;
so is any other error. The dead letter's headers say why and whether a replay could succeed.

Each event is applied in a consumer span whose parent is the trace context it carries (the
`traceparent` Kafka header, else the envelope's extension attribute), so the handler's log
lines and the events it enqueues continue the producer's trace. `stop()` lets each partition's
message in hand finish (but not its remaining retries), commits what was applied and stops: the
rest is read again by whoever gets the partition next. A rebalance does the same for the
partitions it takes away before they are handed to another consumer.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import IllegalStateError
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.db import Database
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.events.topics import dead_letter_topic
from q2c_shared.failures import Failure, classify_failure
from q2c_shared.inbox import claim
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.tracing import TRACE_HEADERS, context_from

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
"""Applies one event inside the transaction it is given; raises to have it retried or, when
no retry can help (`classify_failure`), dead-lettered."""


class _Stopped(Exception):
    """The partition was halted between two tries of a message: leave it uncommitted."""


class _PartitionWork:
    """One partition's batch in hand: the task applying it, the next offset to apply, and
    whether it must stop after the message in hand (the consumer stops, or a rebalance takes
    the partition away)."""

    def __init__(self, partition: TopicPartition, first_offset: int, *, halted: bool) -> None:
        self.partition = partition
        self.next_offset = first_offset
        self.halt = asyncio.Event()
        if halted:
            self.halt.set()
        self.task: asyncio.Task[None] | None = None


class _HandBackOnRevoke(ConsumerRebalanceListener):
    """Before a rebalance gives our partitions to another consumer, the batches in hand finish
    their message in hand and commit: the next owner starts where we stopped, and never
    applies a partition's messages while we still apply earlier ones."""

    def __init__(self, consumer: "EventConsumer") -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._consumer._halt_and_wait(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        pass


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
        max_concurrent_partitions: int = 4,
        max_batch: int = 200,
        rebalance_timeout_ms: int = 60_000,
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
        self._max_batch = max_batch
        # Each message being applied holds a database connection (a pool of ~10 per process,
        # shared with the API): the partitions take turns beyond this many.
        self._slots = asyncio.Semaphore(max_concurrent_partitions)
        self._work: dict[TopicPartition, _PartitionWork] = {}
        self._stopping = asyncio.Event()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            # How long a rebalance waits for each member's messages in hand (not the session
            # timeout, aiokafka's default: a message may take a statement timeout or two).
            rebalance_timeout_ms=rebalance_timeout_ms,
        )
        self._consumer.subscribe(topics, listener=_HandBackOnRevoke(self))

    async def start(self) -> None:
        await self._consumer.start()
        logger.info("consumer %s subscribed to %s", self._group_id, ", ".join(self._topics))

    def stop(self) -> None:
        """Ask `run` to return after each partition's message in hand."""
        self._stopping.set()
        for work in self._work.values():
            work.halt.set()

    async def close(self) -> None:
        await self._consumer.stop()

    async def run(self) -> None:
        """Fetch until `stop()`, handing each partition's batch to a task of its own; then wait
        for those tasks (each commits what it applied)."""
        try:
            while not self._stopping.is_set():
                try:
                    batches = await self._consumer.getmany(
                        timeout_ms=300, max_records=self._max_batch
                    )
                except Exception:
                    logger.exception("consumer %s could not fetch; retrying", self._group_id)
                    await _set_within(self._stopping, 1)
                    continue
                for partition, messages in batches.items():
                    self._hand_over(partition, messages)
                await self._record_lag()
        except asyncio.CancelledError:
            # The grace period is over: what is in hand rolls back and will be read again.
            for work in self._work.values():
                if work.task is not None:
                    work.task.cancel()
            raise
        finally:
            await self._wait_for(list(self._work.values()))
        await self._record_lag()

    def _hand_over(self, partition: TopicPartition, messages: list[ConsumerRecord]) -> None:
        """Pause `partition` and apply `messages` in a task of their own, which resumes it."""
        self._consumer.pause(partition)
        if partition in self._work:
            # The partition was lost and given back while its last batch was still in hand
            # (no revoke callback ran, say the session expired): fetch it again once that
            # batch is done, not beside it.
            self._consumer.seek(partition, messages[0].offset)
            return
        work = _PartitionWork(partition, messages[0].offset, halted=self._stopping.is_set())
        self._work[partition] = work
        work.task = asyncio.create_task(
            self._process_partition(work, messages),
            name=f"consume {partition.topic}/{partition.partition}",
        )

    async def _halt_and_wait(self, partitions: set[TopicPartition]) -> None:
        """Have the batches in hand of `partitions` stop after their message in hand, and wait
        until they have committed."""
        works = [self._work[partition] for partition in partitions if partition in self._work]
        for work in works:
            work.halt.set()
        if works:
            logger.info(
                "consumer %s finishing %s before handing them back",
                self._group_id,
                ", ".join(f"{work.partition.topic}/{work.partition.partition}" for work in works),
            )
        await self._wait_for(works)

    async def _wait_for(self, works: list[_PartitionWork]) -> None:
        tasks = [work.task for work in works if work.task is not None]
        if tasks:
            await asyncio.wait(tasks)

    async def _process_partition(
        self, work: _PartitionWork, messages: list[ConsumerRecord]
    ) -> None:
        """Apply the messages in order and commit after the last one applied. If one could not
        even be dead-lettered (broker gone), commit what came before it and seek back to it, so
        it is fetched again: a message is never skipped. Halted, it commits what it applied
        and leaves the rest to be fetched again."""
        partition = work.partition
        done = 0
        try:
            try:
                for message in messages:
                    if work.halt.is_set():
                        break
                    await self.process(message, halt=work.halt)
                    done += 1
                    work.next_offset = message.offset + 1
            except _Stopped:
                pass
            except Exception:
                logger.exception(
                    "consumer %s stopped at %s@%d; it will be read again",
                    self._group_id,
                    partition,
                    messages[done].offset,
                )
                await _set_within(work.halt, 1)
            if done:
                await self._commit(partition, messages[done - 1].offset + 1)
        finally:
            # Also when cancelled: the position must not pass what was not applied.
            if done < len(messages):
                self._seek(partition, messages[done].offset)
            if self._work.get(partition) is work:
                del self._work[partition]
            try:
                self._consumer.resume(partition)
            except IllegalStateError:  # no longer ours
                pass

    def _seek(self, partition: TopicPartition, offset: int) -> None:
        try:
            self._consumer.seek(partition, offset)
        except IllegalStateError:  # no longer ours: its next owner starts at the commit
            pass

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
        minus the next message to process (of the batch in hand, else the position)."""
        assigned = set(self._consumer.assignment())
        for partition in assigned:
            try:
                highwater = self._consumer.highwater(partition)
                if highwater is None:
                    continue
                work = self._work.get(partition)
                if work is not None:
                    position = work.next_offset
                else:
                    position = await asyncio.wait_for(self._consumer.position(partition), 0.1)
            except Exception:  # noqa: BLE001 - revoked meanwhile, or no position yet
                continue
            self._metrics.consumer_lag.labels(partition.topic, str(partition.partition)).set(
                max(0, highwater - position)
            )
        for partition in self._lag_reported - assigned:  # moved to another consumer
            self._metrics.consumer_lag.remove(partition.topic, str(partition.partition))
        self._lag_reported = assigned

    async def process(self, message: ConsumerRecord, *, halt: asyncio.Event | None = None) -> None:
        """Apply one message, with retries, or dead-letter it. Raises only when the dead-letter
        topic cannot be written either, or (`_Stopped`) when `halt` is set while it waits to
        try again."""
        try:
            event = CloudEvent.model_validate(json.loads(message.value))
        except (TypeError, ValueError, ValidationError) as error:  # TypeError: a null value
            await self._dead_letter(
                message, f"not a CloudEvent: {error}", failure=Failure.PERMANENT, attempts=1
            )
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
            await self._apply(message, event, handler, span, halt or self._stopping)

    async def _apply(
        self,
        message: ConsumerRecord,
        event: CloudEvent,
        handler: EventHandler,
        span: Span,
        halt: asyncio.Event,
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
                async with self._slots, self._database.transaction() as session:
                    applied = await claim(
                        session,
                        consumer=self._consumer_name,
                        event_id=event.id,
                        event_type=event.type,
                    )
                    if applied:
                        await handler(session, event)
            except Exception as error:
                failure = classify_failure(error)
                last = failure is Failure.PERMANENT or attempt == self._max_attempts
                self._metrics.consumer_failed.labels(message.topic, event.type).inc()
                span.record_exception(error)
                logger.warning(
                    "%s %s failed (try %d of %d, %s): %s",
                    event.type,
                    event.id,
                    attempt,
                    self._max_attempts,
                    failure,
                    error,
                    exc_info=last,
                    extra=where,
                )
                if last:
                    span.set_status(StatusCode.ERROR, f"{type(error).__name__}: {error}")
                    await self._dead_letter(
                        message,
                        f"{type(error).__name__}: {error}",
                        failure=failure,
                        attempts=attempt,
                    )
                    return
                if await _set_within(halt, self._retry_backoff * 2 ** (attempt - 1)):
                    raise _Stopped from error
                continue
            if applied:
                self._metrics.consumer_processed.labels(message.topic, event.type).inc()
                logger.info("%s %s applied", event.type, event.id, extra=where)
            else:
                self._metrics.consumer_duplicates.labels(message.topic, event.type).inc()
                logger.info("%s %s already applied; skipped", event.type, event.id, extra=where)
            return

    async def _dead_letter(
        self, message: ConsumerRecord, reason: str, *, failure: Failure, attempts: int
    ) -> None:
        topic = dead_letter_topic(message.topic)
        headers = list(message.headers or []) + [
            ("dlq_reason", reason[:1000].encode()),
            ("dlq_failure", failure.value.encode()),
            # Whether replaying the message as it is could succeed (once the cause is fixed).
            ("dlq_retryable", b"false" if failure is Failure.PERMANENT else b"true"),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_consumer", self._group_id.encode()),
            ("dlq_origin", f"{message.topic}/{message.partition}/{message.offset}".encode()),
        ]
        logger.error(
            "dead-lettering %s/%d@%d to %s (%s, after %d tries): %s",
            message.topic,
            message.partition,
            message.offset,
            topic,
            failure,
            attempts,
            reason,
        )
        await self._producer.send_and_wait(
            topic, value=message.value, key=message.key, headers=headers
        )
        self._metrics.consumer_dead_lettered.labels(message.topic).inc()


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds`, or less if `event` is set meanwhile: whether it was."""
    try:
        await asyncio.wait_for(event.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


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
