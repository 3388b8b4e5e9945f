"""Builds a q2c service's FastAPI app: problems, auth, health, and the background workers.

Every service's `create_app()` calls `create_service_app` with its own routers and event
handlers, so all four start, serve and stop the same way. The lifespan connects the database,
then (in the background, retrying while the broker is away) the Kafka producer, the outbox
relay, the event consumer and any job workers of the service.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from q2c_shared.auth import require_api_key
from q2c_shared.consumer import EventConsumer, EventHandler
from q2c_shared.db import Database
from q2c_shared.events.topics import all_topics, ensure_topics
from q2c_shared.logging import configure_logging
from q2c_shared.problems import PROBLEM_RESPONSES, install_problem_handlers
from q2c_shared.relay import OutboxRelay
from q2c_shared.settings import ServiceSettings

logger = logging.getLogger(__name__)

Worker = Callable[["ServiceRuntime", asyncio.Event], Awaitable[None]]
"""A background job loop of a service (e.g. invoice runs); returns when the event is set."""


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    routers: list[APIRouter]
    handlers: dict[str, EventHandler] = field(default_factory=dict)
    public_routers: list[APIRouter] = field(default_factory=list)
    """Routers under /v1 without the bearer key, whose routes authenticate each request
    themselves (a payment gateway's webhook checks the gateway's signature: the gateway cannot
    send our key). They document their own problem responses."""
    consumed_topics: list[str] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    openapi_tags: list[dict[str, Any]] = field(default_factory=list)
    version: str = "0.1.0"


@dataclass
class ServiceRuntime:
    """What the lifespan starts; kept on `app.state.runtime`."""

    settings: ServiceSettings
    database: Database
    producer: AIOKafkaProducer | None = None
    relay: OutboxRelay | None = None
    consumer: EventConsumer | None = None
    broker_ready: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


async def _connect_broker(spec: ServiceSpec, runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    delay = 0.5
    while not stop.is_set():
        try:
            await ensure_topics(
                settings.kafka_bootstrap_servers, all_topics(settings.kafka_topic_prefix)
            )
            producer = AIOKafkaProducer(
                bootstrap_servers=settings.kafka_bootstrap_servers,
                acks="all",
                enable_idempotence=settings.kafka_enable_idempotence,
                linger_ms=5,
            )
            await producer.start()
            runtime.producer = producer
            break
        except Exception as error:
            logger.warning(
                "broker %s not reachable (%s); retrying in %.1fs",
                settings.kafka_bootstrap_servers,
                error,
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, 10)
    if runtime.producer is None:
        return
    runtime.relay = OutboxRelay(
        runtime.database,
        runtime.producer,
        service_name=spec.name,
        topic_prefix=settings.kafka_topic_prefix,
        batch_size=settings.outbox_batch_size,
        poll_interval=settings.outbox_poll_interval_seconds,
    )
    runtime.tasks.append(asyncio.create_task(runtime.relay.run(), name="outbox-relay"))
    if spec.handlers:
        runtime.consumer = EventConsumer(
            database=runtime.database,
            producer=runtime.producer,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            # The prefix keeps environments sharing a cluster (and tests) in their own groups.
            group_id=settings.kafka_topic_prefix + spec.name,
            consumer_name=spec.name,
            topics=[settings.topic(topic) for topic in spec.consumed_topics],
            handlers=spec.handlers,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff=settings.consumer_retry_backoff_seconds,
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        )
        await runtime.consumer.start()
        runtime.tasks.append(asyncio.create_task(runtime.consumer.run(), name="consumer"))
    runtime.broker_ready.set()
    logger.info("%s connected to broker %s", spec.name, settings.kafka_bootstrap_servers)


def create_service_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    configure_logging(spec.name, settings.log_level)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(
            settings.database_url,
            event_source=f"/q2c/{spec.name}",
            pool_size=settings.database_pool_size,
        )
        runtime = ServiceRuntime(settings=settings, database=database)
        app.state.database = database
        app.state.runtime = runtime
        stop = asyncio.Event()
        if settings.run_background_workers:
            runtime.tasks.append(
                asyncio.create_task(_connect_broker(spec, runtime, stop), name="broker")
            )
            for worker in spec.workers:
                runtime.tasks.append(asyncio.create_task(worker(runtime, stop)))
        logger.info("%s started", spec.name)
        try:
            yield
        finally:
            stop.set()
            if runtime.relay:
                runtime.relay.stop()
            if runtime.consumer:
                await runtime.consumer.stop()
            _, pending = (
                await asyncio.wait(runtime.tasks, timeout=15) if runtime.tasks else ((), ())
            )
            for task in pending:
                task.cancel()
            if runtime.consumer:
                await runtime.consumer.close()
            if runtime.producer:
                await runtime.producer.stop()
            await database.dispose()
            logger.info("%s stopped", spec.name)

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        openapi_tags=spec.openapi_tags + [{"name": "health", "description": "Probes."}],
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(_health_router())
    for router in spec.routers:
        app.include_router(
            router,
            prefix="/v1",
            dependencies=[Depends(require_api_key)],
            responses=PROBLEM_RESPONSES,
        )
    for router in spec.public_routers:
        app.include_router(router, prefix="/v1")
    return app


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness: the process is up")
    async def healthz() -> dict[str, str]:
        """Answers 200 `{"status": "ok"}` while the process serves requests, without looking at
        the database or the broker and without auth: the liveness probe."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: database and broker reachable",
        responses={503: {"description": "Database or broker unreachable."}},
    )
    async def readyz(request: Request) -> JSONResponse:
        """Answers 200 `{"status": "ready", "checks": {...}}` when the database and (where the
        process runs the background workers) the Kafka broker answer within 2 seconds, and 503
        with the failing check otherwise. No auth: the readiness probe."""
        runtime: ServiceRuntime = request.app.state.runtime
        checks = {"database": "ok", "broker": "ok"}
        try:
            await asyncio.wait_for(runtime.database.ping(), timeout=2)
        except Exception as error:
            checks["database"] = f"unreachable: {error}"
        if not runtime.settings.run_background_workers:
            checks["broker"] = "not used (background workers off)"
        elif runtime.producer is None or not runtime.broker_ready.is_set():
            checks["broker"] = "not connected"
        else:
            try:
                await asyncio.wait_for(runtime.producer.client.fetch_all_metadata(), timeout=2)
            except Exception as error:
                checks["broker"] = f"unreachable: {error}"
        ready = all(value == "ok" or value.startswith("not used") for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    return router
