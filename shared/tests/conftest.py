"""Fixtures of the shared library's own tests: one real database holding only the library's
tables (outbox, inbox, idempotency keys), emptied before each test, and fresh topic names."""

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from q2c_shared.db import Database
from q2c_shared.idempotency import IdempotencyKey
from q2c_shared.inbox import InboxEvent
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.service import truncate_all

SHARED_TABLES = [model.__table__ for model in (OutboxEvent, InboxEvent, IdempotencyKey)]


@pytest.fixture(scope="session")
async def database_url(postgres_server) -> str:
    """The test database with the shared tables only (no service's tables)."""
    postgres_server.create_database("q2c_shared_test")
    url = postgres_server.url("q2c_shared_test")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all, tables=SHARED_TABLES)
    finally:
        await engine.dispose()
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, event_source="/q2c/shared-tests", pool_size=5)
    await truncate_all(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def topic_prefix() -> str:
    """Topics of one test are apart from every other test's on the session's broker."""
    return f"t{uuid.uuid4().hex[:12]}."
