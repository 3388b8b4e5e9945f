"""The unit of work: a transaction commits on success and rolls back on any error."""

import uuid

import pytest
from sqlalchemy import String, func, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from q2c_devstack.servers import free_port
from q2c_shared.db import Database, get_or_404
from q2c_shared.ids import new_id
from q2c_shared.problems import NotFound


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
