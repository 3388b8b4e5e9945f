"""The HTTP edge of a service app: the key is checked before the body is read, bodies have a
size limit, HEAD answers on every GET route, and a 405 lists every method of its path.

Whether the body was read is seen from the server's side: these tests call the app as a server
does (ASGI), counting the body messages the app takes."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel

from q2c_shared.app import ServiceSpec, create_service_app
from q2c_shared.auth import Principal, require_api_key
from q2c_shared.edge import DRAIN_FACTOR
from q2c_shared.problems import PROBLEM_MEDIA_TYPE
from q2c_shared.settings import ServiceSettings

KEY = "edge-key-0123456789"
LIMIT = 1_000


class NoteIn(BaseModel):
    text: str


def protected_router() -> APIRouter:
    router = APIRouter()

    @router.get("/notes")
    async def list_notes() -> dict[str, list[str]]:
        return {"items": ["a", "b"]}

    @router.post("/notes")
    async def create_note(note: NoteIn) -> dict[str, str]:
        return {"text": note.text}

    @router.get("/notes/{note_id}")
    async def get_note(note_id: int) -> dict[str, int]:
        return {"id": note_id}

    @router.post("/notes/search")  # a literal path the template above matches too
    async def search_notes() -> dict[str, list[str]]:
        return {"items": []}

    @router.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @router.get("/whoami")
    async def whoami(principal: Annotated[Principal, Depends(require_api_key)]) -> dict[str, str]:
        return {"actor": principal.actor, "actor_kind": principal.actor_kind}

    return router


def public_router() -> APIRouter:
    router = APIRouter()

    @router.post("/webhooks/example")
    async def webhook(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return router


def edge_app(**settings: Any) -> FastAPI:
    spec = ServiceSpec(
        name="edge-test",
        title="Edge test",
        description="",
        routers=[protected_router()],
        public_routers=[public_router()],
    )
    settings = {
        "q2c_api_keys": [KEY],
        "run_background_workers": False,
        "max_request_body_bytes": LIMIT,
        **settings,
    }
    return create_service_app(spec, ServiceSettings(**settings))


@pytest.fixture
def app() -> FastAPI:
    return edge_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


AUTH = {"Authorization": f"Bearer {KEY}"}


@dataclass
class Served:
    """What a server saw of one request: the answer, and how much of the body the app took."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_messages_taken: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


async def serve(
    app: FastAPI,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    chunks: list[bytes] | None = None,
    endless_chunk: bytes | None = None,
    stall: bool = False,
) -> Served:
    """Call the app as a server does: the body in `chunks` (or `endless_chunk` over and over);
    `stall`: the client sends the chunks and then nothing more, without ending the body."""
    served = Served()
    pending = list(chunks or [])
    answered = asyncio.Event()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        if endless_chunk is not None:
            # "Endless": long enough for any limit here, short enough to end a test that fails.
            served.body_messages_taken += 1
            more = served.body_messages_taken < 1_000
            return {"type": "http.request", "body": endless_chunk, "more_body": more}
        if pending or served.body_messages_taken == 0:
            served.body_messages_taken += 1
            chunk = pending.pop(0) if pending else b""
            return {"type": "http.request", "body": chunk, "more_body": bool(pending) or stall}
        if stall:
            await asyncio.Event().wait()  # until the edge gives up on it
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            served.status = message["status"]
            served.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            served.body += message.get("body", b"")
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    return served


def assert_problem(served: Served | httpx.Response, *, status: int, code: str) -> None:
    status_code = served.status_code if isinstance(served, httpx.Response) else served.status
    assert status_code == status
    assert served.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = served.json()
    assert (body["status"], body["code"]) == (status, code)


# --- the key before the body ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code"),
    [(None, "missing_api_key"), ("Bearer wrong-key", "invalid_api_key")],
)
async def test_a_request_without_an_accepted_key_is_refused_before_its_body_is_read(
    app: FastAPI, authorization: str | None, code: str
) -> None:
    headers = {"content-type": "application/json", "content-length": "11"}
    if authorization:
        headers["authorization"] = authorization

    served = await serve(app, "POST", "/v1/notes", headers=headers, chunks=[b'{"text": 1}'])

    assert served.status == 401
    assert_problem(served, status=401, code=code)
    assert served.headers["www-authenticate"] == "Bearer"
    assert served.body_messages_taken == 0
    assert "connection" not in served.headers  # the server drains the body, the client reads


async def test_a_refused_body_too_large_to_drain_closes_the_connection(app: FastAPI) -> None:
    declared = str(DRAIN_FACTOR * LIMIT + 1)

    unauthenticated = await serve(app, "POST", "/v1/echo", headers={"content-length": declared})
    too_large = await serve(app, "POST", "/v1/echo", headers={**AUTH, "content-length": declared})

    assert_problem(unauthenticated, status=401, code="missing_api_key")
    assert_problem(too_large, status=413, code="request_too_large")
    assert unauthenticated.headers["connection"] == too_large.headers["connection"] == "close"
    assert unauthenticated.body_messages_taken == too_large.body_messages_taken == 0


async def test_malformed_json_without_a_key_is_a_401_not_a_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/notes", content=b'{"text": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "missing_api_key"


async def test_with_the_key_the_body_is_read_and_validated(client: httpx.AsyncClient) -> None:
    malformed = await client.post(
        "/v1/notes", content=b'{"text": ', headers={**AUTH, "content-type": "application/json"}
    )
    created = await client.post("/v1/notes", json={"text": "hello"}, headers=AUTH)

    assert malformed.status_code == 422
    assert (created.status_code, created.json()) == (200, {"text": "hello"})


async def test_the_route_gets_the_principal_the_edge_authenticated(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/whoami", headers=AUTH)

    assert response.status_code == 200
    body = response.json()
    assert body["actor_kind"] == "api_key"
    assert body["actor"].startswith("api_key:") and KEY not in body["actor"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/metrics", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/docs", 200),
        ("GET", "/v1/nothing-here", 404),
        ("DELETE", "/v1/notes", 405),
    ],
)
async def test_probes_docs_metrics_and_unknown_routes_need_no_key(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)

    assert response.status_code == status


async def test_a_public_route_reads_its_body_without_a_key(app: FastAPI) -> None:
    served = await serve(
        app, "POST", "/v1/webhooks/example", headers={"content-length": "5"}, chunks=[b"hello"]
    )

    assert (served.status, served.json()) == (200, {"size": 5})


async def test_a_path_parameter_that_does_not_convert_still_needs_the_key_first(
    client: httpx.AsyncClient,
) -> None:
    # /v1/notes/{note_id} takes any segment; the int is validated after the key.
    response = await client.get("/v1/notes/not-a-number")

    assert response.status_code == 401


# --- the body limit ---------------------------------------------------------------------------


async def test_a_declared_length_over_the_limit_is_a_413_without_reading(app: FastAPI) -> None:
    served = await serve(
        app,
        "POST",
        "/v1/echo",
        headers={**AUTH, "content-length": str(LIMIT + 1)},
        chunks=[b"x" * (LIMIT + 1)],
    )

    assert_problem(served, status=413, code="request_too_large")
    assert served.body_messages_taken == 0
    assert "connection" not in served.headers  # drained by the server: the client reads the 413


@pytest.mark.parametrize("path", ["/v1/echo", "/v1/webhooks/example"])
async def test_a_chunked_body_is_cut_off_the_moment_it_passes_the_limit(
    app: FastAPI, path: str
) -> None:
    served = await serve(
        app,
        "POST",
        path,
        headers={**AUTH, "transfer-encoding": "chunked"},
        endless_chunk=b"x" * 300,
    )

    assert_problem(served, status=413, code="request_too_large")
    assert served.body_messages_taken == 4  # 1,200 bytes: the first chunk past 1,000
    assert served.headers["connection"] == "close"  # the rest is never read


async def test_a_body_of_exactly_the_limit_is_accepted_however_it_is_chunked(
    app: FastAPI,
) -> None:
    served = await serve(
        app,
        "POST",
        "/v1/echo",
        headers={**AUTH, "transfer-encoding": "chunked"},
        chunks=[b"x" * 400, b"", b"x" * 600],
    )

    assert (served.status, served.json()) == (200, {"size": LIMIT})


async def test_the_default_limit_is_one_mebibyte() -> None:
    default = ServiceSettings().max_request_body_bytes
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=edge_app(max_request_body_bytes=default)),
        base_url="http://testserver",
    ) as default_client:
        fits = await default_client.post("/v1/echo", content=b"x" * 1_048_576, headers=AUTH)
        over = await default_client.post("/v1/echo", content=b"x" * 1_048_577, headers=AUTH)

    assert default == 1_048_576
    assert (fits.status_code, fits.json()) == (200, {"size": 1_048_576})
    assert_problem(over, status=413, code="request_too_large")


# --- HEAD and 405 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/healthz", {}), ("/v1/notes", AUTH), ("/v1/notes/7", AUTH), ("/openapi.json", {})],
)
async def test_head_answers_like_get_without_the_body(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    get = await client.get(path, headers=headers)
    head = await client.head(path, headers=headers)

    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] != "0"
    assert head.headers["content-type"] == get.headers["content-type"]


async def test_head_on_a_protected_route_needs_the_key(client: httpx.AsyncClient) -> None:
    response = await client.head("/v1/notes")

    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/notes", "GET, HEAD, POST"),  # two routes share the path
        ("PUT", "/v1/notes/7", "GET, HEAD"),
        ("DELETE", "/v1/notes/search", "POST"),  # its own template's methods, not /notes/{id}'s
        ("GET", "/v1/notes/search", "POST"),  # not the note "search" of GET /notes/{note_id}
        ("GET", "/v1/echo", "POST"),
        ("HEAD", "/v1/echo", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
    ],
)
async def test_a_405_lists_every_method_of_the_path(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, headers=AUTH)

    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if method != "HEAD":
        assert response.json()["code"] == "method_not_allowed"


async def test_the_openapi_document_lists_no_head_operations(app: FastAPI) -> None:
    document = app.openapi()

    assert all("head" not in operations for operations in document["paths"].values())
    assert document["paths"]["/v1/notes"]["post"]["security"] == [{"HTTPBearer": []}]


async def test_a_body_that_never_ends_is_answered_503_at_the_deadline() -> None:
    app = edge_app(request_timeout_seconds=0.5)

    served = await serve(
        app,
        "POST",
        "/v1/echo",
        headers={**AUTH, "transfer-encoding": "chunked"},
        chunks=[b"x" * 10],
        stall=True,
    )

    assert_problem(served, status=503, code="request_timeout")
