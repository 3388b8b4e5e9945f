"""Async database access (SQLAlchemy on asyncpg): the request or the message owns the transaction.

Service and repository functions only `flush`; the one place that commits is the unit of work
around them: `session_dependency` for an HTTP request, `Database.transaction()` for a consumed
message or a background job. A failure anywhere rolls the whole unit back.
"""

import functools
import json
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from operator import itemgetter
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import JSON, Table, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from q2c_shared.problems import NotFound
from q2c_shared.settings import ServiceSettings

ModelT = TypeVar("ModelT")


class Database:
    """One engine and session factory per service process.

    The timeouts (milliseconds; 0: none; None: the server's default) are set on every
    connection of the pool as it opens (`server_settings`), so that no statement, lock wait or
    forgotten transaction of the service outlives them, whatever opened it."""

    def __init__(
        self,
        url: str,
        *,
        event_source: str = "/q2c",
        pool_size: int = 10,
        statement_timeout_ms: int | None = None,
        lock_timeout_ms: int | None = None,
        idle_in_transaction_timeout_ms: int | None = None,
    ) -> None:
        server_settings = {
            name: str(value)
            for name, value in {
                "statement_timeout": statement_timeout_ms,
                "lock_timeout": lock_timeout_ms,
                "idle_in_transaction_session_timeout": idle_in_transaction_timeout_ms,
            }.items()
            if value is not None
        }
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"server_settings": server_settings} if server_settings else {},
        )
        # Instead of `pool_pre_ping`, which costs every checkout three round trips (BEGIN, a
        # ping, ROLLBACK): a connection the server has closed (a restart, a failover, an
        # idle-in-transaction timeout) is known to asyncpg as closed once the event loop has
        # read the end of its socket, and is replaced at checkout without a word on the wire.
        event.listen(self.engine.sync_engine, "checkout", _refuse_closed_connection)
        self.sessionmaker = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            expire_on_commit=False,
            autoflush=False,
            # The outbox reads the CloudEvents `source` from here, so services need not pass it.
            info={"event_source": event_source},
        )

        # Reads of a GET: each statement in its own snapshot, without BEGIN and COMMIT around
        # it (two round trips of three for a read of one row), as Django runs by default.
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            class_=AsyncSession,
            expire_on_commit=False,
            autoflush=False,
            info={"event_source": event_source},
        )

    @classmethod
    def for_service(cls, settings: ServiceSettings, *, event_source: str) -> "Database":
        """The database of a service, with the pool size and timeouts of its settings."""
        return cls(
            settings.database_url,
            event_source=event_source,
            pool_size=settings.database_pool_size,
            statement_timeout_ms=settings.database_statement_timeout_ms,
            lock_timeout_ms=settings.database_lock_timeout_ms,
            idle_in_transaction_timeout_ms=settings.database_idle_in_transaction_timeout_ms,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")  # the pool reconnects


_READ_METHODS = frozenset({"GET", "HEAD"})


async def session_dependency(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work. Used with `scope="function"` so that the commit happens
    before the response is sent: a failed commit is a 500, never a 201 for lost data.

    A GET (or HEAD) only reads: it gets a session in autocommit, whose statements each see the
    latest committed data without a transaction around them (no BEGIN, no COMMIT). What a GET
    reads in two statements (an invoice, then its lines) may straddle a write committed between
    them; every write is still one transaction."""
    database: Database = request.app.state.database
    if request.method in _READ_METHODS:
        async with database.read_sessionmaker() as session:
            yield session
        return
    async with database.transaction() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(session_dependency, scope="function")]
"""Inject the request's transactional session into an endpoint."""


async def get_or_404(
    session: AsyncSession,
    model: type[ModelT],
    entity_id: uuid.UUID,
    *,
    label: str,
    for_update: bool = False,
) -> ModelT:
    """Load a row by primary key or raise a 404 problem naming what was not found."""
    row = await session.get(model, entity_id, with_for_update=for_update)
    if row is None:
        raise NotFound(
            f"No {label} with id {entity_id}.", code=f"{label.replace(' ', '_')}_not_found"
        )
    return row


class JsonText(str):
    """A JSON document already serialised (say by pydantic's `model_dump_json`): `copy_rows`
    writes it to its JSON column as it is."""


async def copy_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk-insert `rows` with PostgreSQL's binary COPY, inside the session's transaction.

    For the set-based writers (invoice runs, the outbox): one round trip for any number of rows,
    where an executemany binds and executes each row. Constraints, defaults and triggers apply
    as for INSERT. Every row has the same keys, column names; a column left out gets its server
    default. Values go to asyncpg's codecs as they are (`uuid.UUID`, `Decimal`, `date`, `str`);
    JSON columns are serialised here as SQLAlchemy would for an INSERT, unless they hold
    `JsonText`.
    """
    if not rows:
        return
    columns = list(rows[0])
    pick = itemgetter(*columns)  # the values as a tuple (of one name: the value alone)
    records = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
    json_columns = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    if json_columns:
        records = [_with_json(record, json_columns) for record in records]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    if not raw.driver_connection.is_in_transaction():
        # SQLAlchemy sends BEGIN lazily, with the first statement it runs itself: a COPY sent
        # first, straight to the driver's connection, would run (and commit) outside the
        # transaction and survive its rollback.
        await connection.exec_driver_sql("SELECT 1")
    if len(records) <= _INSERT_AT_MOST:
        # A COPY first asks the server for the table's column types (a round trip of its
        # own); a handful of rows (one event of a request) go faster as one prepared INSERT,
        # the same statement each time, which asyncpg prepares once per connection.
        await raw.driver_connection.executemany(_insert_statement(table, tuple(columns)), records)
        return
    await raw.driver_connection.copy_records_to_table(
        table.name, schema_name=table.schema, columns=columns, records=records
    )


_INSERT_AT_MOST = 8
"""Up to this many rows `copy_rows` writes with an INSERT rather than a COPY."""


@functools.cache
def _insert_statement(table: Table, columns: tuple[str, ...]) -> str:
    quote = '"{}"'.format
    name = f"{quote(table.schema)}.{quote(table.name)}" if table.schema else quote(table.name)
    placeholders = ", ".join(f"${position}" for position in range(1, len(columns) + 1))
    return f"INSERT INTO {name} ({', '.join(map(quote, columns))}) VALUES ({placeholders})"


def _with_json(record: tuple[Any, ...], json_columns: list[int]) -> tuple[Any, ...]:
    values = list(record)
    for i in json_columns:
        value = values[i]
        values[i] = value if isinstance(value, JsonText) else json.dumps(value)
    return tuple(values)
