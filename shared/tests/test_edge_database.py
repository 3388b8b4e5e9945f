"""Database errors that bad input or contention can still cause are problems, never 500s: a
data exception (SQLSTATE class 22) is a 422 `invalid_data` naming the kind, a statement or lock
timeout and a serialisation failure or deadlock a 503, logged as warnings, not as crashes."""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from q2c_shared.app import ServiceSpec, create_service_app
from q2c_shared.db import Database, SessionDep
from q2c_shared.problems import PROBLEM_MEDIA_TYPE
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing.service import running_service

KEY = "db-errors-key-0123456789"
LOCK_KEY = 424242

CASES: dict[str, tuple[str, dict[str, object]]] = {
    "numeric_overflow": ("SELECT CAST(:value AS numeric(5, 2))", {"value": "123456789"}),
    "nul_in_text": ("SELECT CAST(:value AS text)", {"value": "a\x00b"}),
    "date_overflow": ("SELECT make_date(5874897, 12, 31) + 1", {}),  # PostgreSQL's last day
    "not_an_integer": ("SELECT CAST(CAST(:value AS text) AS integer)", {"value": "twelve"}),
    "wrong_parameter": ("SELECT :value + 1", {"value": "twelve"}),  # refused by the driver
    "serialization": (
        "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$",
        {},
    ),
    "deadlock": ("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$", {}),
    "bug": ("SELECT * FROM no_such_table", {}),
    "sleep": ("SELECT pg_sleep(30)", {}),
    "locked": (f"SELECT pg_advisory_xact_lock({LOCK_KEY})", {}),
}


def sql_router() -> APIRouter:
    router = APIRouter()

    @router.post("/sql/{case}")
    async def run(case: str, session: SessionDep) -> dict[str, str]:
        statement, parameters = CASES[case]
        await session.execute(text(statement), parameters)
        return {"status": "ran"}

    @router.post("/driver")
    async def driver(session: SessionDep) -> dict[str, str]:
        """Straight to asyncpg, as COPY and the bulk writers do."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute("SELECT 1 / 0")
        return {"status": "ran"}

    return router


@pytest.fixture
async def client(database: Database, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    spec = ServiceSpec(name="db-errors", title="DB errors", description="", routers=[sql_router()])
    settings = ServiceSettings(
        database_url=database_url,
        q2c_api_keys=[KEY],
        run_background_workers=False,
        database_statement_timeout_ms=1_000,
        database_lock_timeout_ms=100,
    )
    app: FastAPI = create_service_app(spec, settings)
    async with running_service(app, empty_tables=False) as service:
        service.client.headers["Authorization"] = f"Bearer {KEY}"
        yield service.client


def assert_problem(response: httpx.Response, *, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.mark.parametrize(
    ("case", "kind"),
    [
        ("numeric_overflow", "22003"),
        ("nul_in_text", "22021"),
        ("date_overflow", "22008"),
        ("not_an_integer", "22P02"),
        ("wrong_parameter", "22000"),
    ],
)
async def test_a_data_exception_is_a_422_naming_the_kind(
    client: httpx.AsyncClient, case: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.post(f"/v1/sql/{case}")

    body = assert_problem(response, status=422, code="invalid_data")
    assert kind in body["detail"]
    assert "SELECT" not in body["detail"]  # the statement stays in the log
    records = [record for record in caplog.records if "invalid_data" in record.getMessage()]
    assert [record.levelno for record in records] == [logging.WARNING]
    assert not any(record.levelno >= logging.ERROR for record in caplog.records)


async def test_a_data_exception_raised_by_the_driver_itself_is_a_422(
    client: httpx.AsyncClient,
) -> None:
    body = assert_problem(await client.post("/v1/driver"), status=422, code="invalid_data")

    assert "22012" in body["detail"]


@pytest.mark.parametrize("case", ["serialization", "deadlock"])
async def test_a_serialisation_failure_or_deadlock_is_a_503_to_retry(
    client: httpx.AsyncClient, case: str
) -> None:
    response = await client.post(f"/v1/sql/{case}")

    assert_problem(response, status=503, code="retry")
    assert response.headers["retry-after"] == "1"


async def test_a_statement_over_the_timeout_is_a_503(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/sql/sleep")

    assert_problem(response, status=503, code="statement_timeout")


async def test_a_lock_wait_over_the_timeout_is_a_503_with_retry_after(
    client: httpx.AsyncClient, database: Database
) -> None:
    async with database.engine.connect() as holder:
        await holder.execute(text(f"SELECT pg_advisory_lock({LOCK_KEY})"))
        try:
            response = await client.post("/v1/sql/locked")
        finally:
            await holder.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))

    assert_problem(response, status=503, code="lock_timeout")
    assert response.headers["retry-after"] == "1"


async def test_a_database_error_of_ours_is_still_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/sql/bug")

    body = assert_problem(response, status=500, code="internal_error")
    assert "no_such_table" not in body["detail"]
