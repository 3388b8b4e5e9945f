"""The service's producer on the real broker: an event the size of a 1,000-line order's (over a
megabyte of JSON) is published compressed and read back whole."""

import json
import uuid

from aiokafka import AIOKafkaConsumer

from q2c_shared.app import create_producer
from q2c_shared.events.topics import ensure_topics
from q2c_shared.settings import ServiceSettings


async def test_an_event_over_a_megabyte_is_published_and_read_back(
    kafka_broker, topic_prefix: str
) -> None:
    topic = topic_prefix + "q2c.orders"
    await ensure_topics(kafka_broker.bootstrap_servers, [topic], partitions=1)
    lines = [
        {"id": str(uuid.uuid4()), "sku": f"SKU-{i:04d}", "description": "x" * 1_000}
        for i in range(1_000)
    ]
    value = json.dumps({"type": "OrderActivated", "data": {"order_products": lines}}).encode()
    assert len(value) > 1_048_576  # more than Kafka's default message.max.bytes
    producer = create_producer(
        ServiceSettings(kafka_bootstrap_servers=kafka_broker.bootstrap_servers)
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=b"account-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker.bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=f"{topic_prefix}reader",
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert message.value == value
