"""Idempotency-Key on creates, against real PostgreSQL: one create per key, replays answer
from the store, a reused key with another request is a 409, and a failed create can be retried."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, func, select, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from q2c_shared.db import Database, SessionDep
from q2c_shared.idempotency import REPLAY_HEADER, IdempotencyDep, IdempotencyKey
from q2c_shared.ids import new_id
from q2c_shared.problems import Unprocessable, install_problem_handlers
from q2c_shared.testing.waiting import eventually


class Base(DeclarativeBase):
    pass


class Widget(Base):
    __tablename__ = "idempotency_test_widgets"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    colour: Mapped[str] = mapped_column(String(20))


class WidgetIn(BaseModel):
    name: str
    colour: str = "red"


class WidgetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    colour: str


async def requests_waiting_on_a_lock(database: Database) -> int:
    async with database.engine.connect() as connection:
        return await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


def widget_app(database: Database) -> FastAPI:
    app = FastAPI()
    app.state.database = database
    app.state.failures_left = 0  # how many creates fail (after writing) before one succeeds
    app.state.hold_until_contended = False  # create waits until another request blocks on us
    install_problem_handlers(app)

    async def create_widget(
        widget: WidgetIn, session: SessionDep, idempotent: IdempotencyDep
    ) -> WidgetOut:
        async def create() -> WidgetOut:
            row = Widget(id=new_id(), name=widget.name, colour=widget.colour)
            session.add(row)
            await session.flush()
            if app.state.failures_left:
                app.state.failures_left -= 1
                raise Unprocessable("The widget press jammed.", code="press_jammed")
            if app.state.hold_until_contended:
                await eventually(
                    lambda: requests_waiting_on_a_lock(database),
                    timeout=10,
                    message="the concurrent request never blocked on the key",
                )
            return WidgetOut.model_validate(row)

        return await idempotent.respond(session, create)

    app.post("/widgets", status_code=201)(create_widget)
    app.post("/gadgets", status_code=201)(create_widget)
    return app


@pytest.fixture
async def widgets(database: Database) -> Database:
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return database


@pytest.fixture
def app(widgets: Database) -> FastAPI:
    return widget_app(widgets)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def count(database: Database, model: type) -> int:
    async with database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


def post(
    client: httpx.AsyncClient,
    *,
    key: str | None,
    body: dict | str | None = None,
    path: str = "/widgets",
):
    body = {"name": "gear", "colour": "red"} if body is None else body
    headers = {"content-type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    content = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, content=content, headers=headers)


async def test_a_retry_with_the_same_key_replays_the_first_answer(
    widgets: Database, client: httpx.AsyncClient
) -> None:
    first = await post(client, key="key-1")
    retry = await post(client, key="key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert REPLAY_HEADER.lower() not in first.headers
    assert retry.headers[REPLAY_HEADER] == "true"
    assert await count(widgets, Widget) == 1


async def test_key_order_and_white_space_do_not_make_a_different_request(
    widgets: Database, client: httpx.AsyncClient
) -> None:
    first = await post(client, key="key-1", body='{"name": "gear", "colour": "blue"}')
    retry = await post(client, key="key-1", body='{ "colour":"blue",\n  "name":"gear" }')

    assert retry.headers.get(REPLAY_HEADER) == "true"
    assert retry.json() == first.json()
    assert await count(widgets, Widget) == 1


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"name": "sprocket", "colour": "red"}, "/widgets"),  # another body
        ({"name": "gear", "colour": "red"}, "/gadgets"),
    ],  # the same body to another endpoint
)
async def test_the_same_key_for_another_request_is_a_409(
    widgets: Database, client: httpx.AsyncClient, body: dict, path: str
) -> None:
    await post(client, key="key-1")

    response = await post(client, key="key-1", body=body, path=path)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert await count(widgets, Widget) == 1


async def test_different_keys_and_no_key_each_create(
    widgets: Database, client: httpx.AsyncClient
) -> None:
    responses = [await post(client, key=key) for key in ("key-1", "key-2", None, None)]

    assert [response.status_code for response in responses] == [201] * 4
    assert len({response.json()["id"] for response in responses}) == 4
    assert await count(widgets, Widget) == 4
    assert await count(widgets, IdempotencyKey) == 2


async def test_a_failed_create_leaves_no_key_so_a_retry_creates(
    app: FastAPI, widgets: Database, client: httpx.AsyncClient
) -> None:
    app.state.failures_left = 1

    failed = await post(client, key="key-1")
    keys_after_failure = await count(widgets, IdempotencyKey)
    retry = await post(client, key="key-1")

    assert failed.status_code == 422 and failed.json()["code"] == "press_jammed"
    assert keys_after_failure == 0
    assert retry.status_code == 201
    assert REPLAY_HEADER.lower() not in retry.headers  # a real create, not a replay
    assert await count(widgets, Widget) == 1


async def test_concurrent_requests_with_one_key_create_once(
    app: FastAPI, widgets: Database, client: httpx.AsyncClient
) -> None:
    # The first create holds its transaction open until the second request is blocked on the
    # key, so the two really overlap instead of merely following each other quickly.
    app.state.hold_until_contended = True

    responses = await asyncio.gather(post(client, key="key-1"), post(client, key="key-1"))

    assert [response.status_code for response in responses] == [201, 201]
    assert sorted(response.headers.get(REPLAY_HEADER, "no") for response in responses) == [
        "no",
        "true",
    ]
    assert responses[0].json() == responses[1].json()
    assert await count(widgets, Widget) == 1


@pytest.mark.parametrize(
    ("key", "status"), [("", 422), ("k" * 256, 422), ("k" * 255, 201), ("k", 201)]
)
async def test_keys_must_be_1_to_255_characters(
    client: httpx.AsyncClient, key: str, status: int
) -> None:
    response = await post(client, key=key)

    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["code"] == "invalid_idempotency_key"


@pytest.mark.parametrize("key", ["key\x00one", "key\x01", "tab\there", "key\x7f", "line\nbreak"])
async def test_keys_with_control_characters_are_refused(
    widgets: Database, client: httpx.AsyncClient, key: str
) -> None:
    response = await post(client, key=key)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_idempotency_key"
    assert await count(widgets, Widget) == 0


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's parser goes
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\xff\xfe\x00garbage\x80",  # not text at all
    ],
)
@pytest.mark.parametrize("key", ["key-1", None])
async def test_any_body_is_fingerprinted_without_crashing(
    widgets: Database, client: httpx.AsyncClient, content: bytes, key: str | None
) -> None:
    headers = {"content-type": "text/plain"}
    if key is not None:
        headers["Idempotency-Key"] = key

    response = await client.post("/widgets", content=content, headers=headers)

    assert response.status_code == 422, response.text  # not a widget, but no crash either
    assert response.json()["code"] == "validation_failed"
    assert await count(widgets, IdempotencyKey) == 0
