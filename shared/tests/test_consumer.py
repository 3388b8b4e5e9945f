"""The idempotent consumer against real PostgreSQL and the real broker: each event applied once,
poison messages dead-lettered without stopping the partition, offsets committed after the data."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Tracer
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.consumer import EventConsumer, EventHandler
from q2c_shared.db import Database
from q2c_shared.events.contracts import AccountCreated, AccountSnapshot
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.events.topics import dead_letter_topic, ensure_topics
from q2c_shared.inbox import InboxEvent
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.testing.kafka import publish, read_all
from q2c_shared.testing.waiting import eventually

CONSUMER_NAME = "consumer-test"
PARTITIONS = 2

metadata = MetaData()
applied_accounts = Table(
    "consumer_test_applied_accounts",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("name", String(100), nullable=False),
)


# --- factories --------------------------------------------------------------------------------


def account_created(*, name: str, event_type: str = "AccountCreated") -> CloudEvent:
    account_id = str(uuid.uuid4())
    data = AccountCreated(
        account=AccountSnapshot(id=account_id, name=name, currency="USD", payment_term="net_30")
    )
    return CloudEvent.new(
        source="/q2c/test-svc",
        type=event_type,
        subject=account_id,
        data=data.model_dump(mode="json"),
    )


class AccountHandler:
    """Writes one row per applied event; fails every time for the names in `poison`, and
    waits for `gate` (when given) after writing, inside the transaction."""

    def __init__(self, *, poison: tuple[str, ...] = (), gate: asyncio.Event | None = None) -> None:
        self.poison = poison
        self.gate = gate
        self.calls: list[str] = []
        self.trace_ids: dict[str, str] = {}
        """Per name: the trace id the handler ran in."""

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        name = event.data["account"]["name"]
        self.calls.append(name)
        self.trace_ids[name] = format(trace.get_current_span().get_span_context().trace_id, "032x")
        if name in self.poison:
            raise RuntimeError(f"cannot apply {name}")
        await session.execute(insert(applied_accounts).values(event_id=event.id, name=name))
        if self.gate is not None:
            await self.gate.wait()


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
async def tables(database: Database) -> Database:
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return database


@pytest.fixture
async def topic(kafka_broker, topic_prefix: str) -> str:
    name = topic_prefix + "q2c.accounts"
    await ensure_topics(
        kafka_broker.bootstrap_servers, [name, dead_letter_topic(name)], partitions=PARTITIONS
    )
    return name


@pytest.fixture
async def producer(kafka_broker) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_broker.bootstrap_servers, acks="all", enable_idempotence=False
    )
    await producer.start()
    yield producer
    await producer.stop()


@asynccontextmanager
async def running_consumer(
    *,
    database: Database,
    producer: AIOKafkaProducer,
    bootstrap_servers: str,
    topic: str,
    handlers: dict[str, EventHandler],
    group_id: str | None = None,
    max_attempts: int = 3,
    retry_backoff: float = 0.01,
    max_batch: int = 200,
    metrics: ServiceMetrics | None = None,
    tracer: Tracer | None = None,
) -> AsyncIterator[EventConsumer]:
    consumer = EventConsumer(
        database=database,
        producer=producer,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id or f"group-{uuid.uuid4().hex}",
        consumer_name=CONSUMER_NAME,
        topics=[topic],
        handlers=handlers,
        max_attempts=max_attempts,
        retry_backoff=retry_backoff,
        max_batch=max_batch,
        session_timeout_ms=2_000,
        heartbeat_interval_ms=300,
        metrics=metrics,
        tracer=tracer,
    )
    await consumer.start()
    running = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        consumer.stop()
        try:
            await asyncio.wait_for(running, timeout=5)  # surfaces a crash of the loop
        finally:
            await consumer.close()


async def committed(bootstrap_servers: str, group_id: str, topic: str) -> int:
    """Messages of `topic` the group has committed, over all partitions."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group_id, enable_auto_commit=False
    )
    await reader.start()
    try:
        offsets = [
            await reader.committed(TopicPartition(topic, partition))
            for partition in range(PARTITIONS)
        ]
    finally:
        await reader.stop()
    return sum(offset or 0 for offset in offsets)


async def wait_committed(bootstrap_servers: str, group_id: str, topic: str, count: int) -> None:
    async def done() -> bool:
        return await committed(bootstrap_servers, group_id, topic) == count

    await eventually(
        done,
        timeout=20,
        interval=0.1,
        message=f"{group_id} did not commit {count} messages of {topic}",
    )


async def applied_names(database: Database) -> list[str]:
    async with database.transaction() as session:
        return sorted((await session.execute(select(applied_accounts.c.name))).scalars())


async def inbox_count(database: Database) -> int:
    async with database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(InboxEvent))


# --- tests ------------------------------------------------------------------------------------


async def test_an_event_delivered_twice_is_applied_once(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    event = account_created(name="Acme")
    await publish(bootstrap, topic, event, key=event.subject)
    await publish(bootstrap, topic, event, key=event.subject)  # the producer retried
    handler = AccountHandler()

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="first",
    ):
        await wait_committed(bootstrap, "first", topic, 2)
    # A new group (a redeploy, a rebalance gone wrong) reads both copies once more.
    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="second",
    ):
        await wait_committed(bootstrap, "second", topic, 2)

    assert await applied_names(tables) == ["Acme"]
    assert await inbox_count(tables) == 1
    assert handler.calls == ["Acme"]


async def test_a_failing_event_is_dead_lettered_and_the_partition_moves_on(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    poison, healthy = account_created(name="Poison"), account_created(name="Healthy")
    for event in (poison, healthy):  # one key: one partition, poison first
        await publish(bootstrap, topic, event, key="account-1")
    handler = AccountHandler(poison=("Poison",))

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="dlq-group",
        max_attempts=3,
    ):
        await wait_committed(bootstrap, "dlq-group", topic, 2)

    assert handler.calls == ["Poison", "Poison", "Poison", "Healthy"]
    assert await applied_names(tables) == ["Healthy"]
    assert await inbox_count(tables) == 1  # the failed tries left no inbox row behind
    [dead] = await read_all(bootstrap, dead_letter_topic(topic), expect=1)
    assert dead["key"] == "account-1"
    assert dead["value"] == json.loads(poison.model_dump_json())
    assert dead["headers"]["dlq_reason"] == b"RuntimeError: cannot apply Poison"
    assert dead["headers"]["dlq_consumer"] == b"dlq-group"
    assert dead["headers"]["dlq_origin"].decode().startswith(f"{topic}/")
    assert dead["headers"]["dlq_origin"].decode().endswith("/0")


BAD_MESSAGES: list[bytes | None] = [
    b"not json at all",
    b'{"hello": "world"}',  # JSON, but no CloudEvent
    b"[1, 2, 3]",
    b"\xff\xfe\x00",  # not even text
    None,  # a tombstone
]


async def test_messages_that_are_not_cloudevents_are_dead_lettered(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    first, last = account_created(name="First"), account_created(name="Last")
    values = [first.model_dump_json().encode(), *BAD_MESSAGES, last.model_dump_json().encode()]
    for value in values:
        await producer.send_and_wait(topic, value, key=b"account-1", partition=0)

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": AccountHandler()},
        group_id="bad-group",
    ):
        await wait_committed(bootstrap, "bad-group", topic, len(values))

    assert await applied_names(tables) == ["First", "Last"]
    dead = await raw_messages(bootstrap, dead_letter_topic(topic), expect=len(BAD_MESSAGES))
    assert [message.value for message in dead] == BAD_MESSAGES
    for message in dead:
        assert dict(message.headers)["dlq_reason"].startswith(b"not a CloudEvent")


async def raw_messages(bootstrap_servers: str, topic: str, *, expect: int) -> list[Any]:
    """Records as they are (`read_all` decodes JSON, which these are not)."""
    reader = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"raw-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        session_timeout_ms=2_000,
        heartbeat_interval_ms=300,
    )
    await reader.start()
    records: list[Any] = []
    try:

        async def all_read() -> bool:
            for batch in (await reader.getmany(timeout_ms=200)).values():
                records.extend(batch)
            return len(records) >= expect

        await eventually(all_read, timeout=20, message=f"fewer than {expect} on {topic}")
    finally:
        await reader.stop()
    return records


async def test_events_no_handler_wants_are_skipped_and_committed(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    await publish(
        bootstrap,
        topic,
        account_created(name="Other", event_type="AccountUpdated"),
        key="account-1",
    )
    await publish(bootstrap, topic, account_created(name="Mine"), key="account-1")

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": AccountHandler()},
        group_id="skip-group",
    ):
        await wait_committed(bootstrap, "skip-group", topic, 2)

    assert await applied_names(tables) == ["Mine"]
    assert await inbox_count(tables) == 1


async def test_the_offset_is_committed_only_after_the_transaction(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    handler = AccountHandler(gate=asyncio.Event())
    await publish(bootstrap, topic, account_created(name="Acme"), key="account-1")

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="commit-group",
    ):
        await eventually(lambda: handler.calls, message="the handler was never called")
        # The handler has written its row but its transaction is still open.
        committed_while_open = await committed(bootstrap, "commit-group", topic)
        visible_while_open = await applied_names(tables)

        handler.gate.set()
        await wait_committed(bootstrap, "commit-group", topic, 1)
        visible_after = await applied_names(tables)

    assert (committed_while_open, visible_while_open) == (0, [])
    assert visible_after == ["Acme"]


async def test_a_message_that_cannot_even_be_dead_lettered_is_read_again_not_skipped(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    poison, healthy = account_created(name="Poison"), account_created(name="Healthy")
    for event in (poison, healthy):
        await publish(bootstrap, topic, event, key="account-1")
    closed_producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await closed_producer.start()
    await closed_producer.stop()  # the dead-letter topic cannot be written through it
    handler = AccountHandler(poison=("Poison",))

    async with running_consumer(
        database=tables,
        producer=closed_producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="stuck-group",
        max_attempts=1,
    ):
        await eventually(
            lambda: handler.calls.count("Poison") >= 2,
            message="the message that failed to dead-letter was not read again",
        )
    stuck_calls = list(handler.calls)
    stuck_offset = await committed(bootstrap, "stuck-group", topic)

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="stuck-group",
        max_attempts=1,
    ):
        await wait_committed(bootstrap, "stuck-group", topic, 2)

    assert "Healthy" not in stuck_calls
    assert stuck_offset == 0
    assert await applied_names(tables) == ["Healthy"]


def metric(metrics: ServiceMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def lag(metrics: ServiceMetrics, topic: str) -> float:
    return sum(metric(metrics, "q2c_consumer_lag", topic=topic, partition=str(p)) for p in (0, 1))


async def test_the_consumer_counts_what_it_applied_skipped_failed_and_dead_lettered(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    event, poison = account_created(name="Acme"), account_created(name="Poison")
    for message in (event, event, poison):  # delivered twice, then one that always fails
        await publish(bootstrap, topic, message, key="account-1")
    metrics = ServiceMetrics()

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": AccountHandler(poison=("Poison",))},
        group_id="count-group",
        max_attempts=2,
        metrics=metrics,
    ):
        await wait_committed(bootstrap, "count-group", topic, 3)

    counted = {"topic": topic, "event_type": "AccountCreated"}
    assert metric(metrics, "q2c_consumer_messages_processed_total", **counted) == 1
    assert metric(metrics, "q2c_consumer_messages_duplicate_total", **counted) == 1
    assert metric(metrics, "q2c_consumer_messages_failed_total", **counted) == 2
    assert metric(metrics, "q2c_consumer_messages_dead_lettered_total", topic=topic) == 1
    assert lag(metrics, topic) == 0


async def test_a_stopped_consumer_commits_the_message_in_hand_and_leaves_the_rest(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    names = [f"Acme {n}" for n in range(5)]
    for name in names:  # one key: one partition, in this order
        await publish(bootstrap, topic, account_created(name=name), key="account-1")
    in_hand = AccountHandler(gate=asyncio.Event())
    metrics = ServiceMetrics()

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": in_hand},
        group_id="stop-group",
        metrics=metrics,
    ) as consumer:
        await eventually(lambda: in_hand.calls, message="the handler was never called")
        consumer.stop()  # SIGTERM arrived while the first message is being applied
        assert in_hand.gate is not None
        in_hand.gate.set()
    stopped_at = await committed(bootstrap, "stop-group", topic)
    applied_before_restart = await applied_names(tables)

    restarted = AccountHandler()
    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": restarted},
        group_id="stop-group",
    ):
        await wait_committed(bootstrap, "stop-group", topic, 5)

    assert in_hand.calls == ["Acme 0"]
    assert (stopped_at, applied_before_restart) == (1, ["Acme 0"])
    assert lag(metrics, topic) == 4  # what it left, as it reported on the way out
    assert restarted.calls == names[1:]  # nothing applied twice, nothing skipped
    assert await applied_names(tables) == names
    assert await inbox_count(tables) == 5


async def test_the_handler_runs_in_a_child_span_of_the_trace_the_event_carries(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    header_trace, envelope_trace = "a" * 32, "b" * 32
    in_header, in_envelope, untraced = (
        account_created(name=name) for name in ("In header", "In envelope", "Untraced")
    )
    # What the relay sends: the context in the envelope and in a header.
    await producer.send_and_wait(
        topic,
        in_header.model_copy(update={"traceparent": f"00-{header_trace}-{'1' * 16}-01"})
        .model_dump_json()
        .encode(),
        key=b"account-1",
        headers=[("traceparent", f"00-{header_trace}-{'1' * 16}-01".encode())],
    )
    # Published by something that does not copy it into headers: the envelope's is used.
    envelope_only = in_envelope.model_copy(
        update={"traceparent": f"00-{envelope_trace}-{'2' * 16}-01"}
    )
    await publish(bootstrap, topic, envelope_only, key="account-1")
    await publish(bootstrap, topic, untraced, key="account-1")
    spans = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    handler = AccountHandler()

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="trace-group",
        tracer=provider.get_tracer("test"),
    ):
        await wait_committed(bootstrap, "trace-group", topic, 3)

    assert handler.trace_ids["In header"] == header_trace
    assert handler.trace_ids["In envelope"] == envelope_trace
    assert handler.trace_ids["Untraced"] not in (header_trace, envelope_trace, "0" * 32)
    by_trace = {format(span.context.trace_id, "032x"): span for span in spans.get_finished_spans()}
    consumed = by_trace[header_trace]
    assert (consumed.name, consumed.kind) == ("process AccountCreated", SpanKind.CONSUMER)
    assert consumed.parent is not None and consumed.parent.span_id == int("1" * 16, 16)
    assert consumed.attributes["messaging.message.id"] == in_header.id
    assert by_trace[envelope_trace].parent.span_id == int("2" * 16, 16)
