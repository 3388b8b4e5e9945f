"""Run one service in-process against the session's real PostgreSQL and broker.

`migrated_database` creates the service's test database and applies its Alembic migrations
once per session; `running_service` empties its tables, starts the app's lifespan (consumers,
relay, workers) on a fresh topic prefix, and gives an authenticated httpx client.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from q2c_shared.app import ServiceRuntime
from q2c_shared.db import Database
from q2c_shared.testing.waiting import eventually

TEST_API_KEY = "test-key-0123456789"

if TYPE_CHECKING:
    from q2c_devstack.servers import EmbeddedPostgres


def migrate(service_dir: Path, database_url: str) -> None:
    """Apply the service's migrations exactly as an operator would (alembic upgrade head)."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(service_dir / "alembic.ini"), "upgrade", "head"],
        check=True, env={**os.environ, "DATABASE_URL": database_url}, capture_output=True,
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
        tables = (await session.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        ))).scalars().all()
        if tables:
            await session.execute(text(
                "TRUNCATE " + ", ".join(f'"{table}"' for table in tables) + " CASCADE"))


@asynccontextmanager
async def running_service(app: FastAPI, *, wait_for_broker: bool = True
                          ) -> AsyncIterator[RunningService]:
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime = app.state.runtime
        await truncate_all(runtime.database)
        if wait_for_broker and runtime.settings.run_background_workers:
            await eventually(runtime.broker_ready.is_set, timeout=30,
                             message="service did not connect to the broker")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver",
            headers={"Authorization": f"Bearer {TEST_API_KEY}"},
        ) as client:
            yield RunningService(app=app, client=client, database=runtime.database,
                                 runtime=runtime)
