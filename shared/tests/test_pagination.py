"""Cursor pagination over a real table: newest first, opaque cursors, stable while rows arrive."""

import string
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import String, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from q2c_shared.db import Database, SessionDep
from q2c_shared.ids import new_id
from q2c_shared.pagination import Page, PageDep, decode_cursor, encode_cursor, fetch_page
from q2c_shared.problems import PROBLEM_MEDIA_TYPE, Unprocessable, install_problem_handlers


class Base(DeclarativeBase):
    pass


class Widget(Base):
    __tablename__ = "pagination_test_widgets"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    colour: Mapped[str] = mapped_column(String(20))


class WidgetOut(BaseModel):
    id: uuid.UUID
    name: str


def widget_app(database: Database) -> FastAPI:
    app = FastAPI()
    app.state.database = database
    install_problem_handlers(app)

    @app.get("/widgets")
    async def list_widgets(
        session: SessionDep, page: PageDep, colour: str | None = None
    ) -> Page[WidgetOut]:
        statement = select(Widget)
        if colour:
            statement = statement.where(Widget.colour == colour)
        rows, next_cursor = await fetch_page(session, statement, Widget.id, page)
        return Page(
            items=[WidgetOut(id=row.id, name=row.name) for row in rows], next_cursor=next_cursor
        )

    return app


@pytest.fixture
async def widgets(database: Database) -> Database:
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return database


@pytest.fixture
async def client(widgets: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=widget_app(widgets))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def add_widgets(
    database: Database, *, count: int, colour: str = "red", first: int = 1
) -> list[str]:
    """Create widgets one after another; returns their names in creation order."""
    names = [f"w{number}" for number in range(first, first + count)]
    async with database.transaction() as session:
        session.add_all(Widget(id=new_id(), name=name, colour=colour) for name in names)
    return names


async def walk(client: httpx.AsyncClient, *, limit: int, **params: str) -> list[list[str]]:
    """Every page's names, following next_cursor to the end."""
    pages, cursor = [], None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/widgets", params=query)
        assert response.status_code == 200, response.text
        pages.append([item["name"] for item in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor never ended"


@pytest.mark.parametrize(
    ("count", "limit", "page_sizes"),
    [(7, 3, [3, 3, 1]), (6, 3, [3, 3]), (3, 3, [3]), (1, 50, [1]), (0, 5, [0]), (5, 1, [1] * 5)],
)
async def test_pages_cover_every_row_once_newest_first(
    widgets: Database, client: httpx.AsyncClient, count: int, limit: int, page_sizes: list[int]
) -> None:
    names = await add_widgets(widgets, count=count)

    pages = await walk(client, limit=limit)

    assert [len(page) for page in pages] == page_sizes  # no empty page after a full last one
    assert [name for page in pages for name in page] == names[::-1]


async def test_the_filter_of_the_statement_is_kept_across_pages(
    widgets: Database, client: httpx.AsyncClient
) -> None:
    reds = await add_widgets(widgets, count=3, colour="red")
    await add_widgets(widgets, count=3, colour="blue", first=10)

    pages = await walk(client, limit=2, colour="red")

    assert pages == [reds[::-1][:2], reds[::-1][2:]]


async def test_rows_added_while_paging_do_not_shift_later_pages(
    widgets: Database, client: httpx.AsyncClient
) -> None:
    names = await add_widgets(widgets, count=4)
    first = (await client.get("/widgets", params={"limit": 2})).json()

    await add_widgets(widgets, count=3, first=100)
    second = (
        await client.get("/widgets", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()

    assert [item["name"] for item in second["items"]] == [names[1], names[0]]


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor!", "AAAA", "é", encode_cursor(uuid.uuid4()) + "AAAA", "====", "%%"],
)
async def test_a_cursor_we_did_not_give_out_is_a_422_problem(
    client: httpx.AsyncClient, cursor: str
) -> None:
    response = await client.get("/widgets", params={"cursor": cursor})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten"])
async def test_limits_outside_1_to_500_are_refused(client: httpx.AsyncClient, limit: str) -> None:
    response = await client.get("/widgets", params={"limit": limit})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


def test_cursors_round_trip_and_are_url_safe() -> None:
    for identifier in (new_id(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)):
        cursor = encode_cursor(identifier)

        assert decode_cursor(cursor) == identifier
        assert set(cursor) <= set(string.ascii_letters + string.digits + "-_")


def test_decoding_garbage_raises_the_problem_not_a_crash() -> None:
    with pytest.raises(Unprocessable):
        decode_cursor("garbage")
