"""Every error a service returns is RFC 9457 problem+json with a stable code."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from q2c_shared.money import Amount
from q2c_shared.problems import (
    PROBLEM_MEDIA_TYPE,
    Conflict,
    NotFound,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    install_problem_handlers,
)


class QuoteNotApproved(Conflict):
    code, title = "quote_not_approved", "Quote is not approved"


class LineIn(BaseModel):
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)


class QuoteIn(BaseModel):
    account_id: str
    amount: Amount
    lines: list[LineIn]


RAISED: dict[str, Problem] = {
    "not-found": NotFound("No quote with id 42.", code="quote_not_found"),
    "conflict": Conflict("The quote is already accepted."),
    "domain": QuoteNotApproved("Quote 42 is draft; submit and approve it first."),
    "unprocessable": Unprocessable("The term must be whole months."),
    "unauthorized": Unauthorized("No key."),
    "unavailable": ServiceUnavailable("The tax engine is away."),
    "titled": Problem("Odd request.", code="odd_request", title="That is odd"),
    "itemised": Unprocessable(
        "Two lines are wrong.",
        code="lines_invalid",
        errors=[
            {"loc": ["body", "lines", 0, "quantity"], "msg": "must be positive"},
            {"loc": ["body", "lines", 2], "msg": "duplicates line 1"},
        ],
    ),
}


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/raise/{name}")
    async def raise_problem(name: str) -> None:
        raise RAISED[name]

    @app.post("/quotes")
    async def create_quote(quote: QuoteIn) -> dict[str, str]:
        return {"account_id": quote.account_id}

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: Starlette re-raises a crash after answering it (for the server
    # to log); the client should see what a real HTTP client sees, the answer.
    transport = httpx.ASGITransport(app=problem_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def assert_problem(response: httpx.Response, *, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "https://q2c.dev/problems/" + code.replace("_", "-")
    assert body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("name", "status", "code", "title"),
    [
        ("not-found", 404, "quote_not_found", "Not found"),
        ("conflict", 409, "conflict", "Conflict"),
        ("domain", 409, "quote_not_approved", "Quote is not approved"),
        ("unprocessable", 422, "unprocessable", "Unprocessable request"),
        ("unauthorized", 401, "unauthorized", "Unauthorized"),
        ("unavailable", 503, "service_unavailable", "Service unavailable"),
        ("titled", 400, "odd_request", "That is odd"),
    ],
)
async def test_problems_render_with_their_status_code_and_title(
    client: httpx.AsyncClient, name: str, status: int, code: str, title: str
) -> None:
    body = assert_problem(await client.get(f"/raise/{name}"), status=status, code=code)

    assert body["title"] == title
    assert body["detail"] == RAISED[name].detail
    assert "errors" not in body


async def test_a_problem_may_itemise_its_errors_like_a_validation_error(
    client: httpx.AsyncClient,
) -> None:
    body = assert_problem(await client.get("/raise/itemised"), status=422, code="lines_invalid")

    assert body["errors"] == RAISED["itemised"].errors


async def test_only_a_401_asks_for_a_bearer_key(client: httpx.AsyncClient) -> None:
    unauthorized = await client.get("/raise/unauthorized")
    conflict = await client.get("/raise/conflict")

    assert unauthorized.headers["www-authenticate"] == "Bearer"
    assert "www-authenticate" not in conflict.headers


def test_overriding_the_code_of_one_problem_leaves_the_class_alone() -> None:
    NotFound("x", code="invoice_not_found")

    assert NotFound("y").code == "not_found"


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"amount": "1.00", "lines": []}, [(["body", "account_id"], "Field required")]),
        (
            {"account_id": "a", "amount": "1.00", "lines": [{"sku": "seat", "quantity": 0}]},
            [(["body", "lines", 0, "quantity"], "greater than or equal to 1")],
        ),
        (
            {"account_id": "a", "amount": 1.5, "lines": [{"sku": "", "quantity": 1}]},
            [(["body", "amount"], "decimal string"), (["body", "lines", 0, "sku"], "at least 1")],
        ),
    ],
)
async def test_validation_errors_list_where_and_what(
    client: httpx.AsyncClient, payload: dict, errors: list[tuple[list, str]]
) -> None:
    body = assert_problem(
        await client.post("/quotes", json=payload), status=422, code="validation_failed"
    )

    assert [item["loc"] for item in body["errors"]] == [loc for loc, _ in errors]
    for item, (_, message) in zip(body["errors"], errors, strict=True):
        assert set(item) == {"loc", "msg"}
        assert message in item["msg"]
    assert ".".join(str(part) for part in errors[0][0]) in body["detail"]


@pytest.mark.parametrize("raw", [b'{"account_id": "a",', b"not json at all", b'{"a": 1}}'])
async def test_malformed_json_is_a_422_saying_so(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(
        "/quotes", content=raw, headers={"content-type": "application/json"}
    )

    body = assert_problem(response, status=422, code="validation_failed")
    assert "not valid JSON" in body["errors"][0]["msg"]
    assert body["errors"][0]["loc"][0] == "body"


@pytest.mark.parametrize("raw", [b"c\xa0\xff", b"\x80\x81"])
async def test_a_body_that_is_not_text_is_a_422_too(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(
        "/quotes", content=raw, headers={"content-type": "application/json"}
    )

    body = assert_problem(response, status=422, code="malformed_body")
    assert "JSON" in body["detail"]


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/no/such/route"), status=404, code="not_found")


async def test_a_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/quotes")

    assert_problem(response, status=405, code="method_not_allowed")
    assert response.headers["allow"] == "POST"


async def test_a_crash_is_a_500_problem_that_leaks_nothing(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/crash")

    body = assert_problem(response, status=500, code="internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert "Try again" in body["detail"]
    # ... but the operator's log has it all.
    logged = [str(record.exc_info[1]) for record in caplog.records if record.exc_info]
    assert any("hunter2" in text for text in logged)
