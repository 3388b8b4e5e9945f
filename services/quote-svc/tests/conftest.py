from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from q2c_shared.testing.service import (
    TEST_API_KEY,
    RunningService,
    migrated_database,
    running_service,
    unique_topic_prefix,
)
from quote_svc.app import create_app
from quote_svc.settings import QuoteSettings

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def database_url(postgres_server) -> str:
    return migrated_database(postgres_server, SERVICE_DIR, "quote_test")


@pytest.fixture
def settings(database_url, kafka_broker) -> QuoteSettings:
    return QuoteSettings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka_broker.bootstrap_servers,
        kafka_topic_prefix=unique_topic_prefix(),
        q2c_api_keys=[TEST_API_KEY],
    )


@pytest.fixture
async def service(settings) -> AsyncIterator[RunningService]:
    async with running_service(create_app(settings)) as running:
        yield running
