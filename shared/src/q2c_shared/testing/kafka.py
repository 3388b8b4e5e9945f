"""Reading and writing real topics in tests."""

import json
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from q2c_shared.events.envelope import CloudEvent


async def publish(bootstrap_servers: str, topic: str, event: CloudEvent, *, key: str) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, json.dumps(event.model_dump(mode="json")).encode(), key=key.encode()
        )
    finally:
        await producer.stop()


async def read_all(
    bootstrap_servers: str, topic: str, *, expect: int, timeout: float = 20.0
) -> list[dict[str, Any]]:
    """Read a topic from the start until `expect` messages arrived (or the timeout)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"test-reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2_000,
        heartbeat_interval_ms=300,
    )
    await consumer.start()
    messages: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(messages) < expect and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    messages.append(
                        {
                            "key": record.key.decode() if record.key else None,
                            "headers": dict(record.headers or []),
                            "value": json.loads(record.value),
                        }
                    )
    finally:
        await consumer.stop()
    return messages
