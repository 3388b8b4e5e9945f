"""Consumers keep flowing (issue 12), against real PostgreSQL and the real broker: a message no
retry can fix goes to the DLQ after one try, a message being retried or applied slowly on one
partition does not hold up the others, order within a partition is kept, and stopping or a
rebalance loses and repeats nothing."""

# ruff: noqa: F811 - the fixtures `tables`, `topic` and `producer` come from test_consumer

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import exc as sa_exc
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from test_consumer import (  # noqa: F401 - fixtures among them
    PARTITIONS,
    account_created,
    applied_names,
    inbox_count,
    metric,
    producer,
    raw_messages,
    running_consumer,
    tables,
    topic,
    wait_committed,
)
from test_consumer import applied_accounts as applied

from q2c_shared.db import Database
from q2c_shared.events.contracts import AccountCreated
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.events.topics import dead_letter_topic
from q2c_shared.failures import Failure, classify_failure
from q2c_shared.metrics import ServiceMetrics
from q2c_shared.money import AmountOutOfRange
from q2c_shared.problems import Conflict, ServiceUnavailable, Unprocessable
from q2c_shared.testing.waiting import eventually

# --- a handler like the services' ---------------------------------------------------------------


class ContractHandler:
    """Validates the event's data with its contract (as every service handler does) and writes
    one row. Per name: `refuse` raises a 4xx Problem, `flaky` raises a transient database error
    on every try, `gates` waits (inside the transaction) until the name's event is set."""

    def __init__(
        self,
        *,
        refuse: tuple[str, ...] = (),
        flaky: tuple[str, ...] = (),
        gates: dict[str, asyncio.Event] | None = None,
    ) -> None:
        self.refuse = refuse
        self.flaky = flaky
        self.gates = gates or {}
        self.calls: list[str] = []

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        created = AccountCreated.model_validate(event.data)
        name = created.account.name
        self.calls.append(name)
        if name in self.refuse:
            raise Unprocessable(f"{name} is refused", code="refused")
        if name in self.flaky:
            raise sa_exc.OperationalError(
                "SELECT 1", {}, ConnectionResetError("connection reset by peer")
            )
        await session.execute(insert(applied).values(event_id=event.id, name=name))
        if name in self.gates:
            await self.gates[name].wait()


async def send(
    producer: AIOKafkaProducer, topic: str, value: CloudEvent | bytes, *, partition: int
):
    payload = value.model_dump_json().encode() if isinstance(value, CloudEvent) else value
    await producer.send_and_wait(topic, payload, key=b"account", partition=partition)


async def committed_each(bootstrap_servers: str, group_id: str, topic: str) -> list[int]:
    """The group's committed offset of each partition of `topic` (0 when none)."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group_id, enable_auto_commit=False
    )
    await reader.start()
    try:
        return [
            await reader.committed(TopicPartition(topic, partition)) or 0
            for partition in range(PARTITIONS)
        ]
    finally:
        await reader.stop()


def headers_of(record: Any) -> dict[str, bytes]:
    return dict(record.headers)


# --- classification -------------------------------------------------------------------------------


def sqlstate_error(sqlstate: str) -> sa_exc.DBAPIError:
    """What SQLAlchemy raises for a PostgreSQL error: the driver's error (with its SQLSTATE)
    as `orig`."""
    driver_error = Exception("from the driver")
    driver_error.sqlstate = sqlstate  # type: ignore[attr-defined]
    return sa_exc.DBAPIError("UPDATE ...", {}, driver_error)


def test_failures_no_retry_can_fix_are_permanent_and_the_database_s_hiccups_transient() -> None:
    try:
        AccountCreated.model_validate({"account": {"id": "x"}})
    except ValueError as error:
        invalid_data = error

    class NotKnownYet(LookupError):
        """What another topic's event will bring (a handler's own exception)."""

    class NotKnownYetSaysSo(LookupError):
        retryable = True

    class Refused(RuntimeError):
        retryable = False

    wrapped = RuntimeError("handler gave up")
    wrapped.__cause__ = KeyError("account")
    cases: list[tuple[BaseException, Failure]] = [
        (invalid_data, Failure.PERMANENT),
        (Unprocessable("no"), Failure.PERMANENT),
        (Conflict("no"), Failure.PERMANENT),
        (AmountOutOfRange("1e30"), Failure.PERMANENT),
        (ValueError("bad"), Failure.PERMANENT),
        (TypeError("bad"), Failure.PERMANENT),
        (KeyError("account"), Failure.PERMANENT),
        (wrapped, Failure.PERMANENT),
        (sqlstate_error("22003"), Failure.PERMANENT),  # numeric value out of range
        (sqlstate_error("40001"), Failure.TRANSIENT),  # serialization failure
        (sqlstate_error("40P01"), Failure.TRANSIENT),  # deadlock
        (sqlstate_error("55P03"), Failure.TRANSIENT),  # lock timeout
        (sqlstate_error("57014"), Failure.TRANSIENT),  # statement timeout
        (sqlstate_error("08006"), Failure.TRANSIENT),  # connection failure
        (sa_exc.OperationalError("SELECT 1", {}, Exception("gone")), Failure.TRANSIENT),
        (ConnectionResetError(), Failure.TRANSIENT),
        (TimeoutError(), Failure.TRANSIENT),
        (ServiceUnavailable("later"), Failure.TRANSIENT),
        (sqlstate_error("23505"), Failure.UNKNOWN),  # unique violation: maybe a race
        (RuntimeError("a bug"), Failure.UNKNOWN),
        (NotKnownYet("receivable"), Failure.UNKNOWN),
        (NotKnownYetSaysSo("receivable"), Failure.TRANSIENT),
        (Refused("no"), Failure.PERMANENT),
    ]
    assert [(repr(error), classify_failure(error)) for error, _ in cases] == [
        (repr(error), expected) for error, expected in cases
    ]


# --- tests against the broker -------------------------------------------------------------------


async def test_messages_no_retry_can_fix_go_to_the_dlq_after_one_try(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    invalid = account_created(name="Invalid").model_copy(update={"data": {"account": {"id": "x"}}})
    values: list[CloudEvent | bytes] = [
        account_created(name="First"),
        b"not json at all",
        b'{"hello": "world"}',  # JSON, but no CloudEvent
        invalid,  # a CloudEvent whose data fails its contract
        account_created(name="Refused"),  # the handler answers 422
        account_created(name="Last"),
    ]
    for value in values:  # one partition, in this order
        await send(producer, topic, value, partition=0)
    handler = ContractHandler(refuse=("Refused",))
    metrics = ServiceMetrics()

    # Five tries a minute apart: a retried message would hold "Last" up past the wait.
    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="poison-group",
        max_attempts=5,
        retry_backoff=60,
        metrics=metrics,
    ):
        await wait_committed(bootstrap, "poison-group", topic, len(values))

    assert await applied_names(tables) == ["First", "Last"]
    assert handler.calls == ["First", "Refused", "Last"]  # "Invalid" fails before its name
    dead = await raw_messages(bootstrap, dead_letter_topic(topic), expect=4)
    assert [record.value for record in dead] == [
        b"not json at all",
        b'{"hello": "world"}',
        invalid.model_dump_json().encode(),
        values[4].model_dump_json().encode(),  # type: ignore[union-attr]
    ]
    reasons = [headers_of(record)["dlq_reason"].decode() for record in dead]
    assert reasons[0].startswith("not a CloudEvent") and reasons[1].startswith("not a CloudEvent")
    assert reasons[2].startswith("ValidationError: ")
    assert reasons[3] == "Unprocessable: Refused is refused"
    for record in dead:
        headers = headers_of(record)
        assert (headers["dlq_failure"], headers["dlq_retryable"], headers["dlq_attempts"]) == (
            b"permanent",
            b"false",
            b"1",
        )
    counted = {"topic": topic, "event_type": "AccountCreated"}
    assert metric(metrics, "q2c_consumer_messages_failed_total", **counted) == 2
    assert metric(metrics, "q2c_consumer_messages_dead_lettered_total", topic=topic) == 4


async def test_a_message_being_retried_on_one_partition_does_not_hold_up_another(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    await send(producer, topic, account_created(name="Flaky"), partition=0)
    await send(producer, topic, account_created(name="Behind flaky"), partition=0)
    flaky = ContractHandler(flaky=("Flaky",))
    metrics = ServiceMetrics()

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": flaky},
        group_id="flaky-group",
        max_attempts=3,
        retry_backoff=60,  # "Flaky" waits a minute for its second try
        metrics=metrics,
    ):
        await eventually(lambda: "Flaky" in flaky.calls, message="Flaky was never tried")
        await send(producer, topic, account_created(name="Other partition"), partition=1)
        await eventually(
            lambda: "Other partition" in flaky.calls, message="partition 1 was held up"
        )
        await wait_committed(bootstrap, "flaky-group", topic, 1)
        # The facts, in this order: partition 1's event applied and committed while "Flaky"
        # (tried once, not dead-lettered) and the event behind it still wait.
        applied_meanwhile = await applied_names(tables)
        calls_meanwhile = list(flaky.calls)
        dead_lettered_meanwhile = metric(
            metrics, "q2c_consumer_messages_dead_lettered_total", topic=topic
        )
    stopped_at = await committed_each(bootstrap, "flaky-group", topic)

    assert applied_meanwhile == ["Other partition"]
    assert calls_meanwhile == ["Flaky", "Other partition"]
    assert dead_lettered_meanwhile == 0
    assert stopped_at == [0, 1]  # stopped during the backoff: "Flaky" is read again

    # The database is back: the next consumer applies partition 0 in order.
    recovered = ContractHandler()
    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": recovered},
        group_id="flaky-group",
    ):
        await wait_committed(bootstrap, "flaky-group", topic, 3)
    assert recovered.calls == ["Flaky", "Behind flaky"]
    assert await inbox_count(tables) == 3


async def test_a_slow_message_on_one_partition_does_not_hold_up_another(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    await send(producer, topic, account_created(name="Slow"), partition=0)
    gate = asyncio.Event()
    handler = ContractHandler(gates={"Slow": gate})

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="slow-group",
    ):
        await eventually(lambda: "Slow" in handler.calls, message="Slow was never called")
        await send(producer, topic, account_created(name="Quick"), partition=1)
        await wait_committed(bootstrap, "slow-group", topic, 1)
        applied_while_slow = await applied_names(tables)  # "Slow" is still uncommitted
        gate.set()
        await wait_committed(bootstrap, "slow-group", topic, 2)

    assert applied_while_slow == ["Quick"]
    assert await applied_names(tables) == ["Quick", "Slow"]


async def test_order_within_a_partition_is_kept_across_batches(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    published: dict[int, list[str]] = {0: [], 1: []}
    for n in range(12):
        for partition in (0, 1):
            name = f"p{partition}-{n:02d}"
            published[partition].append(name)
            await send(producer, topic, account_created(name=name), partition=partition)
    handler = ContractHandler()

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": handler},
        group_id="order-group",
        max_batch=5,  # several batches per partition, each paused until the last is done
    ):
        await wait_committed(bootstrap, "order-group", topic, 24)

    for partition in (0, 1):
        prefix = f"p{partition}-"
        assert [name for name in handler.calls if name.startswith(prefix)] == published[partition]
    assert await inbox_count(tables) == 24


async def test_stop_during_a_slow_message_commits_what_was_applied_and_the_rest_is_read_again(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    on_0, on_1 = ["A0", "A1 slow", "A2", "A3"], ["B0", "B1"]
    for name in on_0:
        await send(producer, topic, account_created(name=name), partition=0)
    for name in on_1:
        await send(producer, topic, account_created(name=name), partition=1)
    gate = asyncio.Event()
    in_hand = ContractHandler(gates={"A1 slow": gate})

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": in_hand},
        group_id="stop-slow-group",
    ) as consumer:
        await eventually(lambda: "A1 slow" in in_hand.calls, message="A1 was never called")
        # Partition 1 is done and committed; partition 0's batch commits when it ends.
        await wait_committed(bootstrap, "stop-slow-group", topic, len(on_1))
        consumer.stop()  # SIGTERM while "A1 slow" is being applied
        gate.set()
    stopped_at = await committed_each(bootstrap, "stop-slow-group", topic)

    restarted = ContractHandler()
    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": restarted},
        group_id="stop-slow-group",
    ):
        await wait_committed(bootstrap, "stop-slow-group", topic, 6)

    assert in_hand.calls.count("A1 slow") == 1 and "A2" not in in_hand.calls
    assert stopped_at == [2, 2]  # the message in hand finished and was committed
    assert restarted.calls == ["A2", "A3"]  # nothing applied twice, nothing skipped
    assert await applied_names(tables) == sorted(on_0 + on_1)
    assert await inbox_count(tables) == 6


async def test_a_rebalance_lets_the_message_in_hand_finish_and_commit_before_handing_over(
    tables: Database, producer: AIOKafkaProducer, kafka_broker, topic: str
) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    for name in ("A0 slow", "A1", "A2"):
        await send(producer, topic, account_created(name=name), partition=0)
    for name in ("B0", "B1"):
        await send(producer, topic, account_created(name=name), partition=1)
    gate = asyncio.Event()
    first, second = ContractHandler(gates={"A0 slow": gate}), ContractHandler()
    first_metrics, second_metrics = ServiceMetrics(), ServiceMetrics()

    async with running_consumer(
        database=tables,
        producer=producer,
        bootstrap_servers=bootstrap,
        topic=topic,
        handlers={"AccountCreated": first},
        group_id="rebalance-group",
        metrics=first_metrics,
    ) as consumer:
        await eventually(lambda: "A0 slow" in first.calls, message="A0 was never called")
        second_started, second_done = asyncio.Event(), asyncio.Event()

        async def second_member() -> None:
            async with running_consumer(
                database=tables,
                producer=producer,
                bootstrap_servers=bootstrap,
                topic=topic,
                handlers={"AccountCreated": second},
                group_id="rebalance-group",
                metrics=second_metrics,
            ):
                second_started.set()
                await second_done.wait()

        # Its start returns once it has partitions, that is after the rebalance, which waits
        # for the first member's batch in hand: it joins in a task of its own.
        joining = asyncio.create_task(second_member())
        try:
            # The join revokes the first member's partitions: its batch in hand is told to
            # stop after "A0 slow", which the rebalance now waits for. (Were it not waited
            # for, the second member would start at once, re-read "A0 slow" if it got
            # partition 0 and count it a duplicate.)
            await eventually(
                lambda: (
                    second_started.is_set()
                    or any(work.halt.is_set() for work in consumer._work.values())
                ),
                message="the rebalance did not reach the batch in hand",
            )
            gate.set()
            await wait_committed(bootstrap, "rebalance-group", topic, 5)
        finally:
            second_done.set()
            await joining

    calls = first.calls + second.calls
    assert sorted(calls) == ["A0 slow", "A1", "A2", "B0", "B1"]  # each applied once
    duplicates = sum(
        metric(m, "q2c_consumer_messages_duplicate_total", topic=topic, event_type="AccountCreated")
        for m in (first_metrics, second_metrics)
    )
    assert duplicates == 0  # "A0 slow" was committed before its partition changed hands
    assert await inbox_count(tables) == 5
    assert await applied_names(tables) == sorted(calls)
