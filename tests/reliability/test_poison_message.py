"""A poison message on a topic does not stop the stack (issue 12: 12 garbage messages per topic
delayed real events from 0.3 s to ~12 s): garbage published to the stack's `q2c.accounts`
(not JSON, JSON that is no CloudEvent, an AccountCreated whose data does not validate), then a
real account created through quote-svc. The account reaches payment-svc, and every piece of
garbage reaches `q2c.accounts.dlq`."""

import json
import time
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from world import account

from q2c_shared.events import topics
from q2c_shared.testing.waiting import eventually

GARBAGE_PER_KIND = 4
"""Three kinds, twelve messages, on keys spread over the topic's partitions."""


def _garbage(marker: str) -> list[bytes]:
    messages: list[bytes] = []
    for n in range(GARBAGE_PER_KIND):
        messages.append(f"not json {marker}-{n}-raw \x00\xff".encode("latin-1"))
        messages.append(json.dumps({"hello": f"{marker}-{n}-json"}).encode())
        messages.append(
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": f"{marker}-{n}-event",
                    "source": "/q2c/quote-svc",
                    "type": "AccountCreated",
                    "time": datetime.now(UTC).isoformat(),
                    "subject": str(uuid.uuid4()),
                    "datacontenttype": "application/json",
                    "data": {"account": {"id": 42, "name": None, "currency": ["USD"]}},
                }
            ).encode()
        )
    return messages


async def _publish(bootstrap_servers: str, topic: str, messages: list[bytes]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        for message in messages:
            await producer.send_and_wait(topic, message, key=uuid.uuid4().hex.encode())
    finally:
        await producer.stop()


async def _dead_lettered(bootstrap_servers: str, topic: str, marker: str, expect: int) -> set:
    """The values on `topic` that carry `marker`, read from the start until `expect` distinct
    ones arrived (or 60 s passed)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"reliability-dlq-reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2_000,
        heartbeat_interval_ms=300,
    )
    await consumer.start()
    found: set[bytes] = set()
    try:
        deadline = time.monotonic() + 60
        while len(found) < expect and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found |= {r.value for r in records if marker.encode() in (r.value or b"")}
    finally:
        await consumer.stop()
    return found


async def test_garbage_goes_to_the_dead_letter_topic_and_real_events_keep_flowing(suite):
    marker = f"poison-{uuid.uuid4().hex[:12]}"
    garbage = _garbage(marker)
    topic = suite.topic(topics.ACCOUNTS)
    await _publish(suite.bootstrap_servers, topic, garbage)

    async with suite.client("quote") as quote_svc, suite.client("payment") as payment_svc:
        customer = await account(quote_svc, name="After The Garbage Ltd")

        async def known_to_payments() -> bool:
            response = await payment_svc.get(f"/v1/account-balances/{customer['id']}")
            return response.status_code == 200

        started = time.perf_counter()
        await eventually(known_to_payments, timeout=60, message="the real account never arrived")
        print(f"real account applied by payment-svc after {time.perf_counter() - started:.2f} s")

    dead = await _dead_lettered(
        suite.bootstrap_servers, topics.dead_letter_topic(topic), marker, len(garbage)
    )
    assert dead == set(garbage), f"missing from the DLQ: {set(garbage) - dead}"
