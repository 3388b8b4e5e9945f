"""Topic names, and creating them on the real broker."""

import uuid

from aiokafka import AIOKafkaConsumer

from q2c_shared.events.topics import (
    BUSINESS_TOPICS,
    all_topics,
    dead_letter_topic,
    ensure_topics,
)


def test_each_topic_has_a_dead_letter_twin() -> None:
    assert dead_letter_topic("q2c.orders") == "q2c.orders.dlq"
    assert all_topics() == [*BUSINESS_TOPICS, *(f"{topic}.dlq" for topic in BUSINESS_TOPICS)]


def test_the_prefix_applies_to_business_and_dead_letter_topics() -> None:
    names = all_topics("t1.")

    assert len(names) == 2 * len(BUSINESS_TOPICS)
    assert all(name.startswith("t1.q2c.") for name in names)
    assert "t1.q2c.payments.dlq" in names


async def partition_counts(bootstrap_servers: str, topics: list[str]) -> dict[str, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        return {topic: len(consumer.partitions_for_topic(topic) or ()) for topic in topics}
    finally:
        await consumer.stop()


async def test_ensure_topics_creates_missing_topics_and_tolerates_existing_ones(
    kafka_broker,
) -> None:
    prefix = f"t{uuid.uuid4().hex[:12]}."
    names = all_topics(prefix)

    await ensure_topics(kafka_broker.bootstrap_servers, names[:2], partitions=3)
    await ensure_topics(kafka_broker.bootstrap_servers, names, partitions=4)  # some exist now

    counts = await partition_counts(kafka_broker.bootstrap_servers, names)
    assert counts[names[0]] == 3  # left as it was
    assert counts[f"{prefix}q2c.invoices"] == 4
    assert counts[f"{prefix}q2c.invoices.dlq"] == 1  # one partition keeps the DLQ in order
