"""The outbox and its relay against real PostgreSQL and the real broker: nothing is sent for a
rolled-back change, everything committed is sent keyed by account, in order, once."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from q2c_shared.db import Database
from q2c_shared.events import topics
from q2c_shared.events.contracts import (
    AccountSnapshot,
    AccountUpdated,
    PaymentReceived,
    PaymentSnapshot,
)
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.events.topics import ensure_topics
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.outbox import JsonEvent, OutboxEvent, enqueue, enqueue_json, enqueue_many
from q2c_shared.relay import MAX_BACKOFF, OutboxRelay, backoff
from q2c_shared.testing.kafka import read_all
from q2c_shared.testing.waiting import eventually
from q2c_shared.tracing import create_tracer_provider

# --- factories --------------------------------------------------------------------------------


def account_updated(*, account_id: str, name: str) -> AccountUpdated:
    return AccountUpdated(
        account=AccountSnapshot(id=account_id, name=name, currency="USD", payment_term="net_30")
    )


def payment_received(*, account_id: str, amount: str = "125.00") -> PaymentReceived:
    return PaymentReceived(
        payment=PaymentSnapshot(
            id=str(uuid.uuid4()),
            account_id=account_id,
            amount=amount,
            currency="USD",
            method="wire",
            received_on=date(2026, 3, 1),
        )
    )


def relay_for(
    database: Database,
    producer: Any,
    *,
    topic_prefix: str,
    batch_size: int = 500,
    metrics: ServiceMetrics | None = None,
) -> OutboxRelay:
    return OutboxRelay(
        database,
        producer,
        service_name="relay-test",
        topic_prefix=topic_prefix,
        batch_size=batch_size,
        poll_interval=0.05,
        metrics=metrics,
    )


async def new_producer(bootstrap_servers: str, **options: Any) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=False, **options
    )
    await producer.start()
    return producer


class GatedProducer:
    """A real producer whose sends wait until the test opens the gate."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self.gate = asyncio.Event()
        self.waiting = 0

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        self.waiting += 1
        await self.gate.wait()
        return await self._producer.send(*args, **kwargs)


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
async def producer(kafka_broker) -> AsyncIterator[AIOKafkaProducer]:
    producer = await new_producer(kafka_broker.bootstrap_servers)
    yield producer
    await producer.stop()


@pytest.fixture
async def accounts_topic(kafka_broker, topic_prefix: str) -> str:
    names = [topic_prefix + topics.ACCOUNTS, topic_prefix + topics.PAYMENTS]
    await ensure_topics(kafka_broker.bootstrap_servers, names, partitions=3)
    return names[0]


END_MARKER = {"end_marker": True}


async def read_to_end(
    producer: AIOKafkaProducer, bootstrap_servers: str, topic: str, *, expect: int
) -> list[dict[str, Any]]:
    """Exactly the messages the topic holds, when it should hold `expect`: a marker closes each
    partition, so an extra message (a duplicate) leaves a marker unread and fails the read.
    (The broker's end offsets are no help: Tansu reports them short for batched sends.)"""
    partitions = await producer.partitions_for(topic)
    for partition in partitions:
        await producer.send_and_wait(topic, json.dumps(END_MARKER).encode(), partition=partition)
    messages = await read_all(bootstrap_servers, topic, expect=expect + len(partitions))
    markers = [message for message in messages if message["value"] == END_MARKER]
    assert len(markers) == len(partitions), (
        f"{topic} holds more than the {expect} messages expected"
    )
    return [message for message in messages if message["value"] != END_MARKER]


async def outbox_rows(database: Database) -> list[OutboxEvent]:
    async with database.transaction() as session:
        return list(
            (
                await session.execute(
                    select(OutboxEvent).order_by(OutboxEvent.created_at, OutboxEvent.id)
                )
            ).scalars()
        )


async def publish_everything(*relays: OutboxRelay) -> int:
    """Run the relays side by side until the outbox is drained; how many they published."""
    total = 0
    while True:
        published = sum(await asyncio.gather(*(relay.publish_batch() for relay in relays)))
        total += published
        if not published:
            return total


def names_by_key(messages: list[dict[str, Any]]) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for message in messages:
        by_key.setdefault(message["key"], []).append(message["value"]["data"]["account"]["name"])
    return by_key


# --- tests ------------------------------------------------------------------------------------


async def test_a_rolled_back_change_publishes_nothing(
    database: Database,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    account_id = str(uuid.uuid4())
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await enqueue(
                session, account_updated(account_id=account_id, name="rolled back"), key=account_id
            )
            raise RuntimeError("the business change failed")
    async with database.transaction() as session:
        await enqueue(
            session, account_updated(account_id=account_id, name="committed"), key=account_id
        )

    published = await relay_for(database, producer, topic_prefix=topic_prefix).publish_batch()

    assert published == 1
    [message] = await read_to_end(
        producer, kafka_broker.bootstrap_servers, accounts_topic, expect=1
    )
    assert message["value"]["data"]["account"]["name"] == "committed"
    assert len(await outbox_rows(database)) == 1


async def test_a_committed_event_is_published_keyed_by_account_and_marked(
    database: Database,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    account_id = str(uuid.uuid4())
    data = payment_received(account_id=account_id, amount="125.00")
    async with database.transaction() as session:
        event = await enqueue(session, data, key=account_id, subject=data.payment.id)
    relay = relay_for(database, producer, topic_prefix=topic_prefix)
    [before] = await outbox_rows(database)

    first = await relay.publish_batch()
    again = await relay.publish_batch()

    [after] = await outbox_rows(database)
    assert (first, again) == (1, 0)
    assert before.published_at is None and after.published_at is not None
    [message] = await read_all(
        kafka_broker.bootstrap_servers, topic_prefix + topics.PAYMENTS, expect=1
    )
    assert message["key"] == account_id
    assert message["headers"] == {
        "ce_id": event.id.encode(),
        "ce_type": b"PaymentReceived",
        "content-type": b"application/cloudevents+json",
    }
    envelope = message["value"]
    assert envelope["id"] == event.id
    assert envelope["type"] == "PaymentReceived"
    assert envelope["source"] == "/q2c/shared-tests"  # from the Database's event source
    assert envelope["subject"] == data.payment.id
    assert envelope["data"]["payment"]["amount"] == "125.00"  # money stays a string


async def test_each_accounts_events_arrive_in_the_order_they_were_enqueued(
    database: Database,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    accounts = [str(uuid.uuid4()) for _ in range(3)]
    expected: dict[str, list[str]] = {account: [] for account in accounts}
    # One transaction with many events (they share its now(), so only their ids order them),
    # then several small transactions.
    items = []
    for number in range(30):
        account = accounts[number % 3]
        expected[account].append(f"bulk-{number}")
        items.append((account_updated(account_id=account, name=f"bulk-{number}"), account, None))
    async with database.transaction() as session:
        await enqueue_many(session, items)
    for number in range(6):
        account = accounts[number % 2]
        expected[account].append(f"single-{number}")
        async with database.transaction() as session:
            await enqueue(
                session, account_updated(account_id=account, name=f"single-{number}"), key=account
            )

    published = await publish_everything(
        relay_for(database, producer, topic_prefix=topic_prefix, batch_size=4)
    )

    assert published == 36
    messages = await read_all(kafka_broker.bootstrap_servers, accounts_topic, expect=36)
    assert names_by_key(messages) == expected


async def test_two_relays_side_by_side_publish_each_event_exactly_once(
    database: Database,
    database_url: str,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    accounts = [str(uuid.uuid4()) for _ in range(5)]
    async with database.transaction() as session:
        await enqueue_many(
            session,
            [
                (account_updated(account_id=accounts[n % 5], name=f"n{n}"), accounts[n % 5], None)
                for n in range(40)
            ],
        )
    other_replica = Database(database_url, event_source="/q2c/shared-tests", pool_size=2)
    other_producer = await new_producer(kafka_broker.bootstrap_servers)
    try:
        published = await publish_everything(
            relay_for(database, producer, topic_prefix=topic_prefix, batch_size=7),
            relay_for(other_replica, other_producer, topic_prefix=topic_prefix, batch_size=7),
        )
    finally:
        await other_producer.stop()
        await other_replica.dispose()

    assert published == 40
    messages = await read_to_end(
        producer, kafka_broker.bootstrap_servers, accounts_topic, expect=40
    )
    assert len({message["value"]["id"] for message in messages}) == 40
    assert all(row.published_at is not None for row in await outbox_rows(database))


async def test_a_second_relay_stands_aside_while_the_first_is_mid_batch(
    database: Database,
    database_url: str,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    # Without the advisory lock, the second relay would skip the first one's locked rows and
    # publish the account's later events before its earlier ones.
    account_id = str(uuid.uuid4())
    async with database.transaction() as session:
        await enqueue_many(
            session,
            [
                (account_updated(account_id=account_id, name=f"n{n}"), account_id, None)
                for n in range(6)
            ],
        )
    gated = GatedProducer(producer)
    first_relay = relay_for(database, gated, topic_prefix=topic_prefix, batch_size=3)
    other_replica = Database(database_url, pool_size=2)
    try:
        first_batch = asyncio.create_task(first_relay.publish_batch())
        await eventually(lambda: gated.waiting, message="the first relay never sent")

        second = await relay_for(
            other_replica, producer, topic_prefix=topic_prefix, batch_size=3
        ).publish_batch()
        gated.gate.set()
        first = await first_batch
    finally:
        gated.gate.set()
        await other_replica.dispose()

    assert (first, second) == (3, 0)
    messages = await read_all(kafka_broker.bootstrap_servers, accounts_topic, expect=3)
    assert names_by_key(messages) == {account_id: ["n0", "n1", "n2"]}


async def test_a_failed_send_is_recorded_and_retried_after_a_backoff(
    database: Database,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    account_id = str(uuid.uuid4())
    async with database.transaction() as session:
        await enqueue(
            session, account_updated(account_id=account_id, name="x" * 2_000), key=account_id
        )
    metrics = ServiceMetrics()
    # A producer that refuses the message (too large for it) stands in for a broker outage.
    strict_producer = await new_producer(kafka_broker.bootstrap_servers, max_request_size=1_000)
    try:
        failed = await relay_for(
            database, strict_producer, topic_prefix=topic_prefix, metrics=metrics
        ).publish_batch()
    finally:
        await strict_producer.stop()
    healthy_relay = relay_for(database, producer, topic_prefix=topic_prefix, metrics=metrics)

    too_soon = await healthy_relay.publish_batch()
    [row] = await outbox_rows(database)
    later = await eventually(
        healthy_relay.publish_batch,
        timeout=5,
        interval=0.1,
        message="the event was not retried after its backoff",
    )

    assert (failed, too_soon, later) == (0, 0, 1)
    assert row.published_at is None
    assert row.attempts == 1
    assert "MessageSizeTooLarge" in row.last_error
    assert row.next_attempt_at - row.created_at >= timedelta(seconds=1)
    [message] = await read_to_end(
        producer, kafka_broker.bootstrap_servers, accounts_topic, expect=1
    )
    assert message["value"]["data"]["account"]["name"] == "x" * 2_000
    counted = {"topic": topics.ACCOUNTS, "event_type": "AccountUpdated"}
    assert metrics.registry.get_sample_value("q2c_events_publish_failed_total", counted) == 1
    assert metrics.registry.get_sample_value("q2c_events_published_total", counted) == 1


async def test_an_event_enqueued_in_a_span_carries_its_trace_context_to_the_kafka_headers(
    database: Database,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    tracer = create_tracer_provider("relay-test").get_tracer(__name__)
    account_id = str(uuid.uuid4())
    with tracer.start_as_current_span("request") as span:
        async with database.transaction() as session:
            traced = await enqueue(
                session, account_updated(account_id=account_id, name="Traced"), key=account_id
            )
    async with database.transaction() as session:
        untraced = await enqueue(
            session, account_updated(account_id=account_id, name="Untraced"), key=account_id
        )

    await relay_for(database, producer, topic_prefix=topic_prefix).publish_batch()

    trace_id = format(span.get_span_context().trace_id, "032x")
    span_id = format(span.get_span_context().span_id, "016x")
    assert traced.traceparent.split("-")[1:3] == [trace_id, span_id]
    assert untraced.traceparent is None
    rows = {row.id: row.envelope for row in await outbox_rows(database)}
    assert rows[uuid.UUID(traced.id)]["traceparent"] == traced.traceparent
    assert "traceparent" not in rows[uuid.UUID(untraced.id)]  # absent, not null
    first, second = await read_to_end(
        producer, kafka_broker.bootstrap_servers, accounts_topic, expect=2
    )
    assert first["headers"]["traceparent"] == traced.traceparent.encode()
    assert first["value"]["traceparent"] == traced.traceparent
    assert "traceparent" not in second["headers"]


async def test_a_failed_event_holds_back_the_later_events_of_its_account_only(
    database: Database,
    producer: AIOKafkaProducer,
    kafka_broker,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    held_account, other_account = str(uuid.uuid4()), str(uuid.uuid4())
    async with database.transaction() as session:
        await enqueue(
            session, account_updated(account_id=held_account, name="x" * 2_000), key=held_account
        )
        await enqueue(
            session, account_updated(account_id=held_account, name="second"), key=held_account
        )
        await enqueue(
            session, account_updated(account_id=other_account, name="other"), key=other_account
        )
    strict_producer = await new_producer(kafka_broker.bootstrap_servers, max_request_size=1_000)
    try:
        # One at a time, so the failure is recorded before the later events are looked at.
        await relay_for(
            database, strict_producer, topic_prefix=topic_prefix, batch_size=1
        ).publish_batch()
    finally:
        await strict_producer.stop()
    healthy_relay = relay_for(database, producer, topic_prefix=topic_prefix)

    while_waiting = await healthy_relay.publish_batch()
    after_retry = await eventually(
        healthy_relay.publish_batch,
        timeout=5,
        interval=0.1,
        message="the held-back events were not published",
    )

    assert (while_waiting, after_retry) == (1, 2)
    messages = await read_to_end(producer, kafka_broker.bootstrap_servers, accounts_topic, expect=3)
    assert names_by_key(messages) == {
        held_account: ["x" * 2_000, "second"],
        other_account: ["other"],
    }


async def test_the_running_relay_publishes_until_stopped(
    database: Database,
    producer: AIOKafkaProducer,
    topic_prefix: str,
    accounts_topic: str,
) -> None:
    relay = relay_for(database, producer, topic_prefix=topic_prefix)
    running = asyncio.create_task(relay.run())
    try:
        account_id = str(uuid.uuid4())
        async with database.transaction() as session:
            await enqueue(
                session, account_updated(account_id=account_id, name="later"), key=account_id
            )

        async def published() -> bool:
            return all(row.published_at for row in await outbox_rows(database))

        await eventually(published, timeout=10, message="the relay did not publish")
    finally:
        relay.stop()
        await asyncio.wait_for(running, timeout=2)


async def test_enqueue_many_of_nothing_writes_nothing(database: Database) -> None:
    async with database.transaction() as session:
        await enqueue_many(session, [])

    assert await outbox_rows(database) == []


@pytest.mark.parametrize("in_a_span", [False, True])
async def test_an_event_written_as_json_gets_its_envelope_and_row(
    database: Database, in_a_span: bool
) -> None:
    account_id = str(uuid.uuid4())
    data = account_updated(account_id=account_id, name="Written as JSON")
    tracer = create_tracer_provider("outbox-test").get_tracer(__name__)
    with tracer.start_as_current_span("batch") if in_a_span else contextlib.nullcontext() as span:
        async with database.transaction() as session:
            (written,) = await enqueue_json(
                session,
                [JsonEvent(AccountUpdated, data.model_dump(mode="json"), account_id, account_id)],
            )

    (row,) = await outbox_rows(database)
    assert row.id.version == 7 and row.envelope["id"] == str(row.id)
    assert CloudEvent.model_validate(row.envelope).model_dump(mode="json") == row.envelope
    assert CloudEvent.model_validate(written) == CloudEvent.model_validate(row.envelope)
    assert (row.envelope["type"], row.envelope["subject"], row.envelope["data"]) == (
        "AccountUpdated",
        account_id,
        data.model_dump(mode="json"),
    )
    assert (row.topic, row.message_key, row.event_type) == (
        AccountUpdated.topic,
        account_id,
        "AccountUpdated",
    )
    if in_a_span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        assert row.envelope["traceparent"].split("-")[1] == trace_id
    else:
        assert "traceparent" not in row.envelope


async def test_enqueue_json_of_nothing_writes_nothing(database: Database) -> None:
    async with database.transaction() as session:
        await enqueue_json(session, [])

    assert await outbox_rows(database) == []


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (0, timedelta(seconds=1)),
        (1, timedelta(seconds=2)),
        (3, timedelta(seconds=8)),
        (8, timedelta(seconds=256)),
        (9, MAX_BACKOFF),
        (40, MAX_BACKOFF),
        (10_000, MAX_BACKOFF),
    ],
)
def test_backoff_doubles_up_to_five_minutes(attempts: int, delay: timedelta) -> None:
    assert backoff(attempts) == delay
    assert MAX_BACKOFF == timedelta(minutes=5)
