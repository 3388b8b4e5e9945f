"""Kafka topics: one per writing service, each with a dead-letter twin (`<topic>.dlq`)."""

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

logger = logging.getLogger(__name__)

ACCOUNTS = "q2c.accounts"
QUOTES = "q2c.quotes"
ORDERS = "q2c.orders"
INVOICES = "q2c.invoices"
PAYMENTS = "q2c.payments"

BUSINESS_TOPICS: tuple[str, ...] = (ACCOUNTS, QUOTES, ORDERS, INVOICES, PAYMENTS)
DEFAULT_PARTITIONS = 6


def dead_letter_topic(topic: str) -> str:
    """Where a message goes after it failed every retry: `<topic>.dlq`."""
    return f"{topic}.dlq"


def all_topics(prefix: str = "") -> list[str]:
    """Every business topic and its dead-letter topic, with an optional name prefix."""
    names = [prefix + topic for topic in BUSINESS_TOPICS]
    return names + [dead_letter_topic(name) for name in names]


async def ensure_topics(
    bootstrap_servers: str,
    topics: list[str],
    *,
    partitions: int = DEFAULT_PARTITIONS,
    replication_factor: int = 1,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in topics if name not in existing]
        if not missing:
            return
        new_topics = [
            NewTopic(name, 1 if name.endswith(".dlq") else partitions, replication_factor)
            for name in missing
        ]
        try:
            await admin.create_topics(new_topics)
        except TopicAlreadyExistsError:
            pass  # another process created them between our list and our create
        logger.info("created topics %s", ", ".join(missing))
    finally:
        await admin.close()
