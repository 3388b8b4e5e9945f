"""Run one service in-process against the session's real PostgreSQL and broker.

`migrated_database` creates the service's test database and applies its Alembic migrations
once per session; `running_service` empties its tables, starts the app's lifespan (consumers,
relay, workers) on a fresh topic prefix, and gives an authenticated httpx client.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from q2c_shared.app import ServiceRuntime
from q2c_shared.db import Database
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing.waiting import eventually

TEST_API_KEY = "test-key-0123456789"

if TYPE_CHECKING:
    from q2c_devstack.servers import EmbeddedPostgres, TansuBroker


def migrate(service_dir: Path, database_url: str) -> None:
    """Apply the service's migrations exactly as an operator would (alembic upgrade head)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(service_dir / "alembic.ini"),
            "upgrade",
            "head",
        ],
        check=True,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
    )


def migrated_database(postgres_server: "EmbeddedPostgres", service_dir: Path, name: str) -> str:
    postgres_server.create_database(name)
    url = postgres_server.url(name)
    migrate(service_dir, url)
    return url


def unique_topic_prefix() -> str:
    """Topics of one test are apart from every other test's on the shared broker."""
    return f"t{uuid.uuid4().hex[:10]}."


@dataclass
class RunningService:
    app: FastAPI
    client: httpx.AsyncClient
    database: Database
    runtime: ServiceRuntime


async def truncate_all(database: Database) -> None:
    async with database.transaction() as session:
        tables = (
            (
                await session.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            )
            .scalars()
            .all()
        )
        if tables:
            await session.execute(
                text("TRUNCATE " + ", ".join(f'"{table}"' for table in tables) + " CASCADE")
            )


@asynccontextmanager
async def running_service(
    app: FastAPI, *, empty_tables: bool = True, wait_for_broker: bool = True
) -> AsyncIterator[RunningService]:
    """Run the app's lifespan; `empty_tables=False` keeps the data, as a restart would.

    Tables are emptied before the lifespan starts, so no relay or consumer of this app ever
    sees a previous test's rows (a left-over outbox row would be published under this test's
    topic prefix)."""
    if empty_tables:
        database = Database(app.state.settings.database_url, pool_size=1)
        try:
            await truncate_all(database)
        finally:
            await database.dispose()
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime = app.state.runtime
        if wait_for_broker and runtime.settings.run_background_workers:
            await eventually(
                runtime.broker_ready.is_set,
                timeout=30,
                message="service did not connect to the broker",
            )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {TEST_API_KEY}"},
        ) as client:
            yield RunningService(app=app, client=client, database=runtime.database, runtime=runtime)


def define_service_fixtures(
    *,
    create_app: Callable[[Any], FastAPI],
    settings_class: type[ServiceSettings],
    service_dir: Path,
    database_name: str,
) -> tuple[Any, Any, Any]:
    """The fixtures every service's tests use, for its conftest.py:

    `database_url` (session: created and migrated once), `settings` (per test: fresh topic
    prefix, the test API key) and `service` (per test: empty tables, lifespan running, client).
    """

    @pytest.fixture(scope="session", name="database_url")
    def database_url_fixture(postgres_server: "EmbeddedPostgres") -> str:
        return migrated_database(postgres_server, service_dir, database_name)

    @pytest.fixture(name="settings")
    def settings_fixture(database_url: str, kafka_broker: "TansuBroker") -> ServiceSettings:
        return settings_class(
            database_url=database_url,
            kafka_bootstrap_servers=kafka_broker.bootstrap_servers,
            kafka_topic_prefix=unique_topic_prefix(),
            q2c_api_keys=[TEST_API_KEY],
            # Short group timeouts: a consumer joins in about a second instead of five.
            kafka_session_timeout_ms=2_000,
            kafka_heartbeat_interval_ms=300,
        )

    @pytest.fixture(name="service")
    async def service_fixture(settings: ServiceSettings) -> AsyncIterator[RunningService]:
        async with running_service(create_app(settings)) as running:
            yield running

    return database_url_fixture, settings_fixture, service_fixture
