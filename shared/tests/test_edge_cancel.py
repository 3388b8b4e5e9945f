"""A request's work stops when its client goes away or its deadline passes: the handler is
cancelled, its transaction rolls back and its statement stops running in PostgreSQL. And a 500,
a 413 or a 401 leaves the connection open for the next request.

These run the app under a real uvicorn server, as in production: going away is closing the
socket."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text

from q2c_devstack.servers import free_port
from q2c_shared.app import ServiceSpec, create_service_app
from q2c_shared.db import Database, SessionDep
from q2c_shared.edge import longer_deadline
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing.waiting import eventually

KEY = "cancel-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


def work_router() -> APIRouter:
    router = APIRouter()

    @router.post("/slow")
    async def slow(marker: str, request: Request, session: SessionDep) -> dict[str, str]:
        """Writes a row, then runs a statement of 30 s in the same transaction."""
        outcomes: list[str] = request.app.state.outcomes
        await session.execute(
            text("INSERT INTO edge_test_rows (id, marker) VALUES (:id, :marker)"),
            {"id": uuid.uuid4(), "marker": marker},
        )
        try:
            # The marker in the statement's text finds it in pg_stat_activity.
            await session.execute(text(f"SELECT pg_sleep(30) /* {marker} */"))
        except asyncio.CancelledError:
            outcomes.append("cancelled")
            raise
        outcomes.append("finished")
        return {"status": "slept"}

    @router.post("/fast")
    async def fast(marker: str, session: SessionDep) -> dict[str, str]:
        await session.execute(
            text("INSERT INTO edge_test_rows (id, marker) VALUES (:id, :marker)"),
            {"id": uuid.uuid4(), "marker": marker},
        )
        return {"status": "written"}

    @router.get("/port")
    async def port(request: Request) -> dict[str, int]:
        """The client's port: the same on two requests when they share a connection."""
        assert request.client is not None
        return {"port": request.client.port}

    @router.post("/patient", openapi_extra=longer_deadline(30))
    async def patient(session: SessionDep) -> dict[str, str]:
        """A route with a deadline of its own: 2 s of work under a service deadline of 1 s."""
        await session.execute(text("SELECT pg_sleep(2)"))
        return {"status": "done"}

    @router.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    return router


def cancel_app(database_url: str, **settings: Any) -> FastAPI:
    spec = ServiceSpec(
        name="cancel-test", title="Cancel test", description="", routers=[work_router()]
    )
    app = create_service_app(
        spec,
        ServiceSettings(
            database_url=database_url,
            q2c_api_keys=[KEY],
            run_background_workers=False,
            **settings,
        ),
    )
    app.state.outcomes = []
    return app


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[tuple[str, int]]:
    """The app under uvicorn on a free port, in this event loop."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, timeout=10, message="uvicorn did not start")
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def rows_table(database: Database) -> Database:
    async with database.engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE IF NOT EXISTS edge_test_rows (id uuid PRIMARY KEY, marker text)")
        )
    return database


async def rows(database: Database, marker: str) -> int:
    async with database.engine.connect() as connection:
        return await connection.scalar(
            text("SELECT count(*) FROM edge_test_rows WHERE marker = :marker"), {"marker": marker}
        )


async def running_statements(database: Database, marker: str) -> int:
    async with database.engine.connect() as connection:
        return await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND query LIKE 'SELECT pg_sleep%' AND query LIKE :marker"
            ),
            {"marker": f"%{marker}%"},
        )


async def test_a_request_whose_client_goes_away_is_cancelled_and_rolled_back(
    rows_table: Database, database_url: str
) -> None:
    app = cancel_app(database_url, database_pool_size=1)  # the cancelled connection is reused
    marker = uuid.uuid4().hex
    async with serving(app) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            f"POST /v1/slow?marker={marker} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Length: 0\r\n\r\n".encode()
        )
        await writer.drain()
        await eventually(
            lambda: running_statements(rows_table, marker),
            timeout=10,
            message="the request's statement did not start",
        )

        writer.close()  # the client gives up
        await writer.wait_closed()
        await eventually(
            lambda: app.state.outcomes == ["cancelled"],
            timeout=10,
            message="the handler was not cancelled",
        )
        await eventually(
            lambda: _none(running_statements(rows_table, marker)),
            timeout=10,
            message="the statement still runs in PostgreSQL",
        )
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}", headers=AUTH) as client:
            after = [await client.post("/v1/fast", params={"marker": "after"}) for _ in range(3)]

    assert await rows(rows_table, marker) == 0  # the row written before the statement
    assert [response.status_code for response in after] == [200] * 3  # the pool still serves
    assert await rows(rows_table, "after") == 3
    assert reader.at_eof() or not await reader.read()  # nothing was answered


async def test_past_its_deadline_a_request_is_cancelled_rolled_back_and_answered_503(
    rows_table: Database, database_url: str
) -> None:
    app = cancel_app(database_url, request_timeout_seconds=1)
    marker = uuid.uuid4().hex
    async with (
        serving(app) as (host, port),
        httpx.AsyncClient(base_url=f"http://{host}:{port}", headers=AUTH) as client,
    ):
        response = await client.post("/v1/slow", params={"marker": marker})
        following = await client.get("/v1/port")

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "request_timeout"
    assert app.state.outcomes == ["cancelled"]
    assert await rows(rows_table, marker) == 0
    await eventually(
        lambda: _none(running_statements(rows_table, marker)),
        timeout=10,
        message="the statement still runs in PostgreSQL",
    )
    assert following.status_code == 200


async def test_a_route_with_a_longer_deadline_of_its_own_finishes_past_the_service_one(
    rows_table: Database, database_url: str
) -> None:
    app = cancel_app(database_url, request_timeout_seconds=1)
    async with (
        serving(app) as (host, port),
        httpx.AsyncClient(base_url=f"http://{host}:{port}", headers=AUTH, timeout=30) as client,
    ):
        response = await client.post("/v1/patient")
        document = (await client.get("/openapi.json")).json()

    assert response.status_code == 200, response.text
    assert document["paths"]["/v1/patient"]["post"]["x-request-timeout-seconds"] == 30


async def test_an_unhandled_error_is_a_500_that_keeps_the_connection_open(
    database: Database, database_url: str
) -> None:
    app = cancel_app(database_url)
    async with (
        serving(app) as (host, port),
        httpx.AsyncClient(base_url=f"http://{host}:{port}", headers=AUTH) as client,
    ):
        before = await client.get("/v1/port")
        crash = await client.get("/v1/crash")
        after = await client.get("/v1/port")

    assert crash.status_code == 500
    assert crash.json()["code"] == "internal_error"
    assert "close" not in crash.headers.get("connection", "")
    assert before.json()["port"] == after.json()["port"]  # the same connection


async def _none(count: Any) -> bool:
    return await count == 0


async def test_a_client_sending_a_refused_body_reads_the_answer_and_keeps_its_connection(
    database: Database, database_url: str
) -> None:
    app = cancel_app(database_url)
    async with (
        serving(app) as (host, port),
        httpx.AsyncClient(base_url=f"http://{host}:{port}") as client,
    ):
        before = await client.get("/v1/port", headers=AUTH)
        too_large = await client.post("/v1/fast?marker=x", content=b"x" * 3_000_000, headers=AUTH)
        unauthenticated = await client.post("/v1/fast?marker=x", content=b"x" * 500_000)
        after = await client.get("/v1/port", headers=AUTH)

    assert too_large.status_code == 413
    assert too_large.json()["code"] == "request_too_large"
    assert unauthenticated.status_code == 401
    assert before.json()["port"] == after.json()["port"]  # the same connection
