"""Prometheus metrics of a service, served at `GET /metrics` without auth (like the probes).

Each app has a registry of its own (`app.state.metrics.registry`) rather than the process-wide
default: tests build several apps in one process, and each must count only its own requests
and events. A service process has one app, so in production this is the process's registry,
with the standard `process_*` and `python_*` collectors in it.

The outbox gauges are computed when Prometheus scrapes, by one query on the partial index of
unpublished rows: the cost follows the scrape interval, not the relay's poll interval, and an
API-only replica (`RUN_BACKGROUND_WORKERS=false`) reports them too. They describe the service's
database, so every replica reports the same numbers: aggregate them with `max`, not `sum`.
"""

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import text

from q2c_shared.db import Database

logger = logging.getLogger(__name__)

T = TypeVar("T")

# OpenTelemetry's advice for http.server.request.duration, in seconds.
HTTP_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)

_OUTBOX_BACKLOG = text(
    """
    SELECT count(*) AS backlog,
           EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)) AS oldest_age
    FROM outbox_events
    WHERE published_at IS NULL
    """
)
_SCRAPE_QUERY_TIMEOUT = 2.0


class ServiceMetrics:
    """The metrics every service has; `group` adds a service's own to the same registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        registry = self.registry
        self.http_request_duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP requests, by method, route template and response status.",
            ["method", "route", "status"],
            buckets=HTTP_DURATION_BUCKETS,
            registry=registry,
        )
        self.outbox_backlog = Gauge(
            "q2c_outbox_backlog",
            "Outbox events not yet published (at scrape time).",
            registry=registry,
        )
        self.outbox_oldest_age = Gauge(
            "q2c_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox event; 0 when none waits (at scrape time).",
            registry=registry,
        )
        self.events_published = Counter(
            "q2c_events_published_total",
            "Outbox events the relay published (acknowledged by the broker).",
            ["topic", "event_type"],
            registry=registry,
        )
        self.events_publish_failed = Counter(
            "q2c_events_publish_failed_total",
            "Outbox events the broker did not take; each is retried with backoff.",
            ["topic", "event_type"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "q2c_consumer_lag",
            "Messages of a partition this consumer has yet to process (highwater - position).",
            ["topic", "partition"],
            registry=registry,
        )
        self.consumer_processed = Counter(
            "q2c_consumer_messages_processed_total",
            "Events a handler applied (committed with their inbox row).",
            ["topic", "event_type"],
            registry=registry,
        )
        self.consumer_duplicates = Counter(
            "q2c_consumer_messages_duplicate_total",
            "Events delivered again and skipped: the inbox had them already.",
            ["topic", "event_type"],
            registry=registry,
        )
        self.consumer_failed = Counter(
            "q2c_consumer_messages_failed_total",
            "Tries of a handler that raised (retried up to CONSUMER_MAX_ATTEMPTS).",
            ["topic", "event_type"],
            registry=registry,
        )
        self.consumer_dead_lettered = Counter(
            "q2c_consumer_messages_dead_lettered_total",
            "Messages sent to <topic>.dlq: not a CloudEvent, or failed every try.",
            ["topic"],
            registry=registry,
        )
        self.retention_pruned = Counter(
            "q2c_retention_pruned_total",
            "Rows the retention job deleted: published outbox events, inbox rows and "
            "idempotency keys older than their windows.",
            ["table"],
            registry=registry,
        )
        self._groups: dict[Callable[[CollectorRegistry], Any], Any] = {}

    @classmethod
    def with_process_metrics(cls) -> "ServiceMetrics":
        """Metrics with the standard process, platform and garbage-collector collectors."""
        metrics = cls()
        ProcessCollector(registry=metrics.registry)
        PlatformCollector(registry=metrics.registry)
        GCCollector(registry=metrics.registry)
        return metrics

    def group(self, factory: Callable[[CollectorRegistry], T]) -> T:
        """A service's own metrics, made by `factory(registry)` once per registry (a lifespan
        entered twice, as a restart test does, gets the same ones back)."""
        if factory not in self._groups:
            self._groups[factory] = factory(self.registry)
        return self._groups[factory]

    async def refresh_outbox(self, database: Database) -> None:
        """Set the outbox gauges from the database; NaN when it does not answer in time."""
        try:
            async with asyncio.timeout(_SCRAPE_QUERY_TIMEOUT):
                async with database.transaction() as session:
                    row = (await session.execute(_OUTBOX_BACKLOG)).one()
        except Exception as error:  # noqa: BLE001 - the scrape goes on with the other metrics
            logger.warning("outbox metrics not available: %s", error)
            self.outbox_backlog.set(math.nan)
            self.outbox_oldest_age.set(math.nan)
            return
        self.outbox_backlog.set(row.backlog)
        self.outbox_oldest_age.set(float(row.oldest_age or 0))


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "The metrics."}},
    )
    async def metrics(request: Request) -> Response:
        """The service's metrics in Prometheus' text format, without auth (scrape it like the
        probes): request durations, outbox backlog, events published, consumer lag and
        outcomes, the service's own (invoice runs), and the process's."""
        service_metrics: ServiceMetrics = request.app.state.metrics
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is not None:
            await service_metrics.refresh_outbox(runtime.database)
        return Response(generate_latest(service_metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
