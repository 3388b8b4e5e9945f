"""The probes of a service app: /healthz says the process is up, /readyz whether the database
and the broker answer (503 when either does not, so no traffic is routed to it)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from q2c_devstack.servers import free_port
from q2c_shared.app import ServiceRuntime, ServiceSpec, create_service_app
from q2c_shared.db import Database
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing.waiting import eventually


def closed_port_url() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"


def service_app(
    *,
    database_url: str,
    kafka_bootstrap_servers: str = "127.0.0.1:1",
    workers: bool = False,
    topic_prefix: str = "",
) -> FastAPI:
    spec = ServiceSpec(name="probe-svc", title="Probe", description="", routers=[])
    settings = ServiceSettings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        kafka_topic_prefix=topic_prefix,
        run_background_workers=workers,
    )
    return create_service_app(spec, settings)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_healthz_is_ok_even_when_nothing_else_is() -> None:
    async with running(service_app(database_url=closed_port_url())) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    async with running(service_app(database_url=closed_port_url())) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"].startswith("unreachable")
    assert body["checks"]["broker"].startswith("not used")


async def test_readyz_is_ok_with_the_database_up_and_no_broker_needed(
    database: Database, database_url: str
) -> None:
    async with running(service_app(database_url=database_url)) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
    assert response.json()["checks"]["database"] == "ok"


async def test_readyz_waits_for_the_broker_when_workers_run(
    database: Database, database_url: str, kafka_broker, topic_prefix: str
) -> None:
    app = service_app(
        database_url=database_url,
        workers=True,
        topic_prefix=topic_prefix,
        kafka_bootstrap_servers=kafka_broker.bootstrap_servers,
    )
    async with running(app) as client:
        runtime: ServiceRuntime = app.state.runtime
        await eventually(
            runtime.broker_ready.is_set,
            timeout=20,
            message="the service did not connect to the broker",
        )
        response = await client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


async def test_readyz_is_503_while_the_broker_is_away(
    database: Database, database_url: str
) -> None:
    app = service_app(
        database_url=database_url, workers=True, kafka_bootstrap_servers=f"127.0.0.1:{free_port()}"
    )
    async with running(app) as client:
        response = await client.get("/readyz")
        live = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "not connected"}
    assert live.status_code == 200  # not ready is not dead: no restart for a broker outage
