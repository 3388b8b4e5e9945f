"""Builds a q2c service's FastAPI app: problems, auth, probes, metrics, traces, the workers.

Every service's `create_app()` calls `create_service_app` with its own routers and event
handlers, so all four start, serve and stop the same way. The lifespan connects the database,
then (in the background, retrying while the broker is away) the Kafka producer, the outbox
relay, the event consumer and any job workers of the service.

Stopping (SIGTERM, `shutdown.py`): uvicorn stops accepting connections and finishes the requests
in flight; at the signal already the workers are told to stop: the consumer after the message
in hand (committing what it applied), the relay after its batch, invoice runs between batches
(back to the queue). They get `SHUTDOWN_GRACE_SECONDS` from the signal, less a few seconds kept
for closing the Kafka clients and the database pool; what is still running then is cancelled,
and its transaction rolls back, to be done again by the next process.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import ASGIApp

from q2c_shared.auth import ApiKeyAuthenticator, require_api_key
from q2c_shared.consumer import EventConsumer, EventHandler
from q2c_shared.db import Database
from q2c_shared.edge import HttpEdge, RouteTable
from q2c_shared.events.topics import all_topics, ensure_topics
from q2c_shared.logging import configure_logging
from q2c_shared.metrics import ServiceMetrics, metrics_router
from q2c_shared.middleware import RequestTelemetry
from q2c_shared.problems import PROBLEM_RESPONSES, install_problem_handlers
from q2c_shared.relay import OutboxRelay
from q2c_shared.retention import prune_retained_rows
from q2c_shared.settings import ServiceSettings
from q2c_shared.shutdown import notice_stop_signals
from q2c_shared.tracing import create_tracer_provider

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
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    tracer_provider: TracerProvider = field(
        default_factory=lambda: TracerProvider(shutdown_on_exit=False)
    )
    producer: AIOKafkaProducer | None = None
    relay: OutboxRelay | None = None
    consumer: EventConsumer | None = None
    broker_ready: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the service starts stopping; the `stop` every worker is given."""
    stopping_since: float | None = None
    """`time.monotonic()` when it started stopping: the grace period counts from here."""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def begin_stopping(self) -> None:
        """Tell the workers to finish what they hold and return (idempotent)."""
        if self.stopping.is_set():
            return
        self.stopping_since = time.monotonic()
        self.stopping.set()
        logger.info("stopping: finishing the messages, batches and runs in hand")
        if self.relay is not None:
            self.relay.stop()
        if self.consumer is not None:
            self.consumer.stop()


def create_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """The service's producer (the relay's and the consumer's dead letters). Batches are
    compressed: an event of a 1,000-line order is over a megabyte of JSON, more than a broker
    takes uncompressed by default (Kafka's `message.max.bytes`), and a tenth of it gzipped."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        linger_ms=5,
        compression_type=None
        if settings.kafka_compression_type == "none"
        else settings.kafka_compression_type,
        max_request_size=settings.kafka_max_request_bytes,
    )


async def _connect_broker(spec: ServiceSpec, runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    stop = runtime.stopping
    delay = 0.5
    while not stop.is_set():
        try:
            await ensure_topics(
                settings.kafka_bootstrap_servers, all_topics(settings.kafka_topic_prefix)
            )
            producer = create_producer(settings)
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
    if runtime.producer is None or stop.is_set():
        return
    runtime.relay = OutboxRelay(
        runtime.database,
        runtime.producer,
        service_name=spec.name,
        topic_prefix=settings.kafka_topic_prefix,
        batch_size=settings.outbox_batch_size,
        poll_interval=settings.outbox_poll_interval_seconds,
        metrics=runtime.metrics,
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
            max_concurrent_partitions=settings.consumer_max_concurrent_partitions,
            retry_backoff=settings.consumer_retry_backoff_seconds,
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            metrics=runtime.metrics,
            tracer=runtime.tracer_provider.get_tracer("q2c_shared.consumer"),
        )
        await runtime.consumer.start()
        if stop.is_set():  # stopped while it joined its group: it must not start consuming
            return
        runtime.tasks.append(asyncio.create_task(runtime.consumer.run(), name="consumer"))
    runtime.broker_ready.set()
    logger.info("%s connected to broker %s", spec.name, settings.kafka_bootstrap_servers)


class _ServiceApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Both outside Starlette's error middleware: the telemetry, so that the 500 of an
        # unhandled error is measured and carries the request id as well; the edge, so that
        # its refusals (401, 413, 503) are too, and no request reaches the app unchecked.
        settings: ServiceSettings = self.state.settings
        edge = HttpEdge(
            super().build_middleware_stack(),
            routes=RouteTable.of(self.routes, protected=self.state.protected_routes),
            authenticator=self.state.authenticator,
            max_body_bytes=settings.max_request_body_bytes,
            timeout_seconds=settings.request_timeout_seconds,
        )
        return RequestTelemetry(
            edge,
            tracer=self.state.tracer_provider.get_tracer("q2c_shared.http"),
            metrics=self.state.metrics,
            route_prefixes=self.state.route_prefixes,
        )


def create_service_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    configure_logging(spec.name, settings.log_level, settings.log_format)
    metrics = ServiceMetrics.with_process_metrics()
    tracer_provider = create_tracer_provider(
        settings.otel_service_name or spec.name, settings.otel_traces_exporter
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database.for_service(settings, event_source=f"/q2c/{spec.name}")
        runtime = ServiceRuntime(
            settings=settings,
            database=database,
            metrics=metrics,
            tracer_provider=tracer_provider,
        )
        app.state.database = database
        app.state.runtime = runtime
        if settings.run_background_workers:
            runtime.tasks.append(asyncio.create_task(_connect_broker(spec, runtime), name="broker"))
            for worker in [*spec.workers, prune_retained_rows]:
                runtime.tasks.append(
                    asyncio.create_task(
                        worker(runtime, runtime.stopping),
                        name=getattr(worker, "__name__", "worker"),
                    )
                )
        logger.info("%s started", spec.name)
        try:
            with notice_stop_signals(runtime.begin_stopping):
                yield
        finally:
            runtime.begin_stopping()
            await _stop_runtime(runtime)
            tracer_provider.force_flush(timeout_millis=1_000)
            logger.info("%s stopped", spec.name)

    app = _ServiceApp(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        openapi_tags=spec.openapi_tags
        + [{"name": "health", "description": "Probes and Prometheus metrics."}],
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.tracer_provider = tracer_provider
    app.state.route_prefixes = {
        id(route.original_route): "/v1"
        for router in [*spec.routers, *spec.public_routers]
        for route in iter_route_contexts(router.routes)
    }
    app.state.protected_routes = {
        id(route.original_route)
        for router in spec.routers
        for route in iter_route_contexts(router.routes)
    }
    app.state.authenticator = ApiKeyAuthenticator(settings.q2c_api_keys)
    install_problem_handlers(app)
    app.include_router(_health_router())
    app.include_router(metrics_router())
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


_CLOSING_SECONDS = 3.0
"""Of the grace period, what is kept for closing the Kafka clients and the database pool."""


async def _stop_runtime(runtime: ServiceRuntime) -> None:
    """Wait for the workers until the grace period (less the closing time) is over, cancel
    what is left, then close the clients. Call `begin_stopping` first."""
    assert runtime.stopping_since is not None
    grace = runtime.settings.shutdown_grace_seconds
    closing = min(_CLOSING_SECONDS, grace / 5)
    deadline = runtime.stopping_since + grace - closing
    if runtime.tasks:
        done, pending = await asyncio.wait(
            runtime.tasks, timeout=max(0.0, deadline - time.monotonic())
        )
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                logger.error(
                    "background task %s had failed", task.get_name(), exc_info=task.exception()
                )
        if pending:
            logger.warning(
                "cancelling %s: still running after the grace period of %.0f s",
                ", ".join(task.get_name() for task in pending),
                grace,
            )
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=closing / 2)
    # The consumer before the producer: it dead-letters through the producer. Each is given
    # the closing time at most: a broker gone away must not keep the process from exiting.
    closers = [
        ("consumer", runtime.consumer.close if runtime.consumer else None),
        ("producer", runtime.producer.stop if runtime.producer else None),
        ("database pool", runtime.database.dispose),
    ]
    for name, close in closers:
        if close is None:
            continue
        try:
            await asyncio.wait_for(close(), timeout=closing)
        except Exception as error:  # noqa: BLE001 - the others are closed all the same
            logger.warning("could not close the %s: %r", name, error)


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
        with the failing check otherwise, or once the service is stopping. No auth: the
        readiness probe."""
        runtime: ServiceRuntime = request.app.state.runtime
        if runtime.stopping.is_set():
            return JSONResponse(
                {"status": "not ready", "checks": {"shutdown": "stopping"}}, status_code=503
            )
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
