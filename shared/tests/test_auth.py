"""Bearer API keys on every /v1 route of a service app; the probes stay open."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI

from q2c_shared.app import ServiceSpec, create_service_app
from q2c_shared.auth import require_api_key
from q2c_shared.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from q2c_shared.settings import ServiceSettings

KEYS = ["key-one-0123456789", "key-two-9876543210"]


def quotes_router() -> APIRouter:
    router = APIRouter()

    @router.get("/quotes")
    async def list_quotes() -> dict[str, list[str]]:
        return {"items": []}

    return router


def auth_spec() -> ServiceSpec:
    return ServiceSpec(
        name="auth-test", title="Auth test", description="", routers=[quotes_router()]
    )


async def client_for(*, api_keys: list[str]) -> httpx.AsyncClient:
    settings = ServiceSettings(q2c_api_keys=api_keys, run_background_workers=False)
    transport = httpx.ASGITransport(app=create_service_app(auth_spec(), settings))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(api_keys=KEYS) as client:
        yield client


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "missing_api_key"),
        ("", "missing_api_key"),
        (f"Basic {KEYS[0]}", "missing_api_key"),
        (KEYS[0], "missing_api_key"),  # a key without a scheme
        ("Bearer", "missing_api_key"),
        ("Bearer ", "missing_api_key"),
        ("Bearer wrong-key", "invalid_api_key"),
        (f"Bearer {KEYS[0][:-1]}", "invalid_api_key"),  # a prefix of a real key
        (f"Bearer {KEYS[0]}x", "invalid_api_key"),
        (f"Bearer {KEYS[0].upper()}", "invalid_api_key"),  # keys are case-sensitive
        (f"Bearer {KEYS[0]},{KEYS[1]}", "invalid_api_key"),
    ],
)
async def test_requests_without_an_accepted_key_are_401(
    client: httpx.AsyncClient, authorization: str | None, code: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = await client.get("/v1/quotes", headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == code
    assert KEYS[0] not in response.text and KEYS[1] not in response.text


@pytest.mark.parametrize(
    "authorization", [f"Bearer {KEYS[0]}", f"Bearer {KEYS[1]}", f"bearer {KEYS[0]}"]
)
async def test_any_configured_key_is_accepted(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get("/v1/quotes", headers={"Authorization": authorization})

    assert response.status_code == 200, response.text
    assert response.json() == {"items": []}


async def test_with_no_keys_configured_every_key_is_refused() -> None:
    async with await client_for(api_keys=[]) as client:
        response = await client.get("/v1/quotes", headers={"Authorization": "Bearer "})
        guessed = await client.get("/v1/quotes", headers={"Authorization": "Bearer anything"})

    assert (response.status_code, guessed.status_code) == (401, 401)
    assert guessed.json()["code"] == "invalid_api_key"


async def test_liveness_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_unknown_v1_routes_still_answer_404_not_401(client: httpx.AsyncClient) -> None:
    # Routing happens before the router's dependencies, so probing paths reveals no keys,
    # and a caller with a typo learns about the typo.
    response = await client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_openapi_document_declares_bearer_auth_and_problem_responses() -> None:
    app = create_service_app(auth_spec(), ServiceSettings(q2c_api_keys=KEYS))

    document = app.openapi()

    operation = document["paths"]["/v1/quotes"]["get"]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert PROBLEM_MEDIA_TYPE in operation["responses"]["401"]["content"]
    assert "security" not in document["paths"]["/healthz"]["get"]


async def test_only_the_public_routers_answer_without_a_key() -> None:
    public = APIRouter()

    @public.post("/webhooks/example")
    async def webhook() -> dict[str, str]:
        return {"status": "received"}

    spec = ServiceSpec(
        name="auth-test",
        title="Auth test",
        description="",
        routers=[quotes_router()],
        public_routers=[public],
    )
    settings = ServiceSettings(q2c_api_keys=KEYS, run_background_workers=False)
    transport = httpx.ASGITransport(app=create_service_app(spec, settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        hook = await client.post("/v1/webhooks/example")
        quotes = await client.get("/v1/quotes")

    assert (hook.status_code, hook.json()) == (200, {"status": "received"})
    assert quotes.status_code == 401


async def test_the_dependency_authenticates_by_itself_where_no_edge_did() -> None:
    # A router used outside create_service_app (no edge in front of it) is not left open.
    app = FastAPI()
    app.state.settings = ServiceSettings(q2c_api_keys=KEYS)
    install_problem_handlers(app)
    app.include_router(quotes_router(), dependencies=[Depends(require_api_key)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        refused = await client.get("/quotes", headers={"Authorization": "Bearer wrong"})
        accepted = await client.get("/quotes", headers={"Authorization": f"Bearer {KEYS[1]}"})

    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_api_key"
    assert accepted.status_code == 200
