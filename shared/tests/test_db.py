"""The unit of work: a transaction commits on success and rolls back on any error; the
service's connections carry its statement, lock and idle-in-transaction timeouts."""

import uuid

import pytest
from sqlalchemy import String, func, select, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from q2c_devstack.servers import free_port
from q2c_shared.db import Database, copy_rows, get_or_404
from q2c_shared.ids import new_id
from q2c_shared.problems import NotFound, sqlstate_of
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing.waiting import eventually


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "db_test_notes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    text: Mapped[str] = mapped_column(String(100))


@pytest.fixture
async def notes(database: Database) -> Database:
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return database


async def count_notes(database: Database) -> int:
    async with database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Note))


async def test_a_transaction_commits_what_was_only_flushed(notes: Database) -> None:
    async with notes.transaction() as session:
        session.add(Note(text="kept"))
        await session.flush()

    assert await count_notes(notes) == 1


async def test_an_error_rolls_the_whole_transaction_back(notes: Database) -> None:
    with pytest.raises(RuntimeError):
        async with notes.transaction() as session:
            session.add(Note(text="first"))
            await session.flush()
            session.add(Note(text="second"))
            await session.flush()
            raise RuntimeError("the handler failed after writing")

    assert await count_notes(notes) == 0


async def test_get_or_404_finds_the_row(notes: Database) -> None:
    note = Note(id=new_id(), text="hello")
    async with notes.transaction() as session:
        session.add(note)

    async with notes.transaction() as session:
        found = await get_or_404(session, Note, note.id, label="note", for_update=True)

    assert found.text == "hello"


async def test_get_or_404_names_what_was_not_found(notes: Database) -> None:
    missing = new_id()

    with pytest.raises(NotFound) as raised:
        async with notes.transaction() as session:
            await get_or_404(session, Note, missing, label="price book")

    assert raised.value.code == "price_book_not_found"
    assert str(missing) in raised.value.detail


async def test_sessions_carry_the_event_source_for_the_outbox(database_url: str) -> None:
    database = Database(database_url, event_source="/q2c/quote-svc", pool_size=1)
    try:
        async with database.transaction() as session:
            assert session.info["event_source"] == "/q2c/quote-svc"
    finally:
        await database.dispose()


async def test_ping_raises_when_the_database_is_away() -> None:
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/x", pool_size=1)
    try:
        with pytest.raises(OSError):
            await database.ping()
    finally:
        await database.dispose()


# --- timeouts ---------------------------------------------------------------------------------


async def show(database: Database, setting: str) -> str:
    async with database.engine.connect() as connection:
        return await connection.scalar(text(f"SHOW {setting}"))


async def test_every_connection_of_a_service_gets_the_timeouts_of_its_settings(
    database_url: str,
) -> None:
    settings = ServiceSettings(
        database_url=database_url,
        database_statement_timeout_ms=1_234,
        database_lock_timeout_ms=567,
        database_idle_in_transaction_timeout_ms=8_901,
    )
    database = Database.for_service(settings, event_source="/q2c/shared-tests")
    try:
        shown = [
            await show(database, "statement_timeout"),
            await show(database, "lock_timeout"),
            await show(database, "idle_in_transaction_session_timeout"),
        ]
    finally:
        await database.dispose()

    assert shown == ["1234ms", "567ms", "8901ms"]


async def test_without_timeouts_a_database_keeps_the_servers_defaults(
    database: Database,
) -> None:
    assert await show(database, "statement_timeout") == "0"
    assert await show(database, "lock_timeout") == "0"


async def test_a_statement_over_the_statement_timeout_fails(database_url: str) -> None:
    database = Database(database_url, pool_size=1, statement_timeout_ms=200)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with database.transaction() as session:
                await session.execute(text("SELECT pg_sleep(30)"))
    finally:
        await database.dispose()

    assert sqlstate_of(raised.value) == "57014"  # query_canceled


async def test_a_lock_wait_over_the_lock_timeout_fails(notes: Database, database_url: str) -> None:
    note = Note(id=new_id(), text="contended")
    async with notes.transaction() as session:
        session.add(note)
    waiter = Database(database_url, pool_size=1, lock_timeout_ms=200)
    try:
        async with notes.transaction() as holder:
            await get_or_404(holder, Note, note.id, label="note", for_update=True)
            with pytest.raises(DBAPIError) as raised:
                async with waiter.transaction() as session:
                    await get_or_404(session, Note, note.id, label="note", for_update=True)
    finally:
        await waiter.dispose()

    assert sqlstate_of(raised.value) == "55P03"  # lock_not_available


async def test_a_transaction_left_idle_is_ended_by_the_server(
    database: Database, database_url: str
) -> None:
    idle = Database(database_url, pool_size=1, idle_in_transaction_timeout_ms=200)
    try:
        with pytest.raises(DBAPIError):
            async with idle.transaction() as session:
                pid = await session.scalar(text("SELECT pg_backend_pid()"))
                await eventually(
                    lambda: backend_gone(database, pid),
                    timeout=10,
                    message="the idle transaction's session was not ended",
                )
                await session.execute(text("SELECT 1"))
    finally:
        await idle.dispose()


async def backend_gone(database: Database, pid: int) -> bool:
    async with database.engine.connect() as connection:
        return not await connection.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    database: Database, database_url: str
) -> None:
    """Without a ping per checkout: the pool's connection was terminated by the server (as a
    restart or failover would), and the next unit of work gets a new one instead of an error."""
    pooled = Database(database_url, pool_size=1)
    try:
        async with pooled.transaction() as session:
            first_pid = await session.scalar(text("SELECT pg_backend_pid()"))
            raw = await (await session.connection()).get_raw_connection()
            first = raw.driver_connection
        async with database.transaction() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
        await eventually(first.is_closed, timeout=10, message="asyncpg never saw the close")

        async with pooled.transaction() as session:
            second_pid = await session.scalar(text("SELECT pg_backend_pid()"))
    finally:
        await pooled.dispose()

    assert second_pid != first_pid


async def test_a_few_rows_are_inserted_and_many_copied_alike(notes: Database) -> None:
    rows = [{"id": new_id(), "text": f"note {i}"} for i in range(3)]
    many = [{"id": new_id(), "text": f"bulk {i}"} for i in range(50)]

    async with notes.transaction() as session:
        await copy_rows(session, Note.__table__, rows)
        await copy_rows(session, Note.__table__, many)
    with pytest.raises(RuntimeError):
        async with notes.transaction() as session:
            await copy_rows(session, Note.__table__, [{"id": new_id(), "text": "rolled back"}])
            raise RuntimeError("after the insert")

    async with notes.transaction() as session:
        texts = set((await session.execute(select(Note.text))).scalars())
    assert texts == {row["text"] for row in rows + many}
