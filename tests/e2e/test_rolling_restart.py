"""A rolling restart loses no event and applies none twice: invoice-svc, its own process as in
production, is sent SIGTERM while it works through a backlog of account events, and started
again.

Stopping, the consumer finishes the message in hand, commits the offsets of what it applied
and leaves its group; the restarted process carries on from there. So the two processes
together apply every event exactly once, and the second one reads nothing the first applied
(it would find the inbox row and skip it, counted as a duplicate).
"""

import asyncio
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from q2c_devstack.servers import free_port
from q2c_shared.db import Database
from q2c_shared.events import topics
from q2c_shared.events.contracts import AccountCreated, AccountSnapshot
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.testing.metrics import sample, scrape
from q2c_shared.testing.processes import ServiceProcess, service_env
from q2c_shared.testing.service import migrate, unique_topic_prefix
from q2c_shared.testing.waiting import eventually

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS = 400
GRACE_SECONDS = 10


@pytest.fixture
def invoice_process(postgres_server, kafka_broker, tmp_path) -> Iterator[ServiceProcess]:
    """invoice-svc alone, on a database and topics of its own (not the suite's)."""
    postgres_server.create_database("q2c_invoice_restart")
    url = postgres_server.url("q2c_invoice_restart")
    migrate(REPO_ROOT / "services" / "invoice-svc", url)
    port = free_port()
    env = service_env(
        database_url=url,
        bootstrap_servers=kafka_broker.bootstrap_servers,
        topic_prefix=unique_topic_prefix(),
        port=port,
    )
    env |= {"LOG_FORMAT": "json", "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS)}
    process = ServiceProcess("invoice", port, env, tmp_path / "invoice-svc.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def account_created(n: int) -> CloudEvent:
    account_id = str(uuid.uuid4())
    data = AccountCreated(
        account=AccountSnapshot(
            id=account_id, name=f"Customer {n}", currency="USD", payment_term="net_30"
        )
    )
    return CloudEvent.new(
        source="/q2c/quote-svc",
        type=data.event_type,
        subject=account_id,
        data=data.model_dump(mode="json"),
    )


async def publish_all(bootstrap_servers: str, topic: str, events: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        sent = [
            await producer.send(topic, event.model_dump_json().encode(), key=event.subject.encode())
            for event in events
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def count(database: Database, table: str) -> int:
    async with database.transaction() as session:
        return await session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608


async def test_a_service_stopped_midway_applies_every_event_once_after_its_restart(
    invoice_process: ServiceProcess, kafka_broker
) -> None:
    env = invoice_process.env
    events = [account_created(n) for n in range(EVENTS)]
    database = Database(env["DATABASE_URL"], pool_size=1)
    try:
        await publish_all(
            kafka_broker.bootstrap_servers, env["KAFKA_TOPIC_PREFIX"] + topics.ACCOUNTS, events
        )

        async def under_way() -> bool:
            return await count(database, "inbox_events") >= EVENTS // 10

        await eventually(under_way, message="invoice-svc did not get going")

        sent_at = time.monotonic()
        exit_code = invoice_process.stop(timeout=GRACE_SECONDS + 10)
        stopped_in = time.monotonic() - sent_at
        applied_by_first = await count(database, "inbox_events")
        last_words = [record["message"] for record in invoice_process.log_lines()][-3:]

        invoice_process.start()

        async def all_applied() -> bool:
            return await count(database, "inbox_events") == EVENTS

        await eventually(all_applied, timeout=60, message="events were lost in the restart")
        async with invoice_process.client() as client:
            metrics = await scrape(client)
        accounts = await count(database, "bill_to_accounts")
    finally:
        await database.dispose()

    # It ended by its graceful path (uvicorn re-raises the SIGTERM after it), within the grace.
    assert exit_code == -signal.SIGTERM
    assert stopped_in < GRACE_SECONDS
    assert "invoice-svc stopped" in last_words
    assert 0 < applied_by_first < EVENTS  # stopped midway
    applied = {"event_type": "AccountCreated"}
    assert sample(metrics, "q2c_consumer_messages_processed_total", **applied) == (
        EVENTS - applied_by_first  # the rest, and only the rest
    )
    assert sample(metrics, "q2c_consumer_messages_duplicate_total", **applied) is None
    assert accounts == EVENTS
