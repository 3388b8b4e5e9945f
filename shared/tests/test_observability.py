"""What a service app tells operators: Prometheus metrics at /metrics (no auth), a request id
on every response and log line, JSON logs, and one trace from an HTTP request through the
outbox, the broker and the consumer that applies its event."""

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.app import ServiceSpec, create_service_app
from q2c_shared.db import Database, SessionDep
from q2c_shared.events import topics
from q2c_shared.events.contracts import AccountSnapshot, AccountUpdated
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.logging import REQUEST_ID
from q2c_shared.outbox import OutboxEvent, enqueue
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing.kafka import read_all
from q2c_shared.testing.metrics import sample, scrape
from q2c_shared.testing.service import TEST_API_KEY, running_service
from q2c_shared.testing.waiting import eventually

logger = logging.getLogger("probe_svc.endpoints")

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"


# --- a small service to observe ---------------------------------------------------------------

things = APIRouter(prefix="/things")


@things.get("/{thing_id}")
async def read_thing(thing_id: str) -> dict[str, str]:
    logger.info("thing looked up", extra={"thing_id": thing_id})
    return {"id": thing_id}


@things.post("/{account_id}/rename", status_code=202)
async def rename_account(account_id: str, session: SessionDep) -> dict[str, str]:
    data = AccountUpdated(
        account=AccountSnapshot(
            id=account_id, name="Renamed", currency="USD", payment_term="net_30"
        )
    )
    event = await enqueue(session, data, key=account_id, subject=account_id)
    return {"event_id": event.id}


@things.get("/{thing_id}/crash")
async def crash(thing_id: str) -> None:
    raise RuntimeError("the handler broke")


class Applied:
    """The consumer side: what each applied event ran under."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        span_context = trace.get_current_span().get_span_context()
        self.seen.append(
            {
                "event_id": event.id,
                "trace_id": format(span_context.trace_id, "032x"),
                "request_id": REQUEST_ID.get(),
            }
        )


def probe_app(
    database_url: str,
    *,
    workers: bool = False,
    bootstrap_servers: str = "127.0.0.1:1",
    topic_prefix: str = "",
    log_format: str = "text",
    handler: Applied | None = None,
) -> FastAPI:
    spec = ServiceSpec(
        name="probe-svc",
        title="Probe",
        description="",
        routers=[things],
        handlers={"AccountUpdated": handler} if handler else {},
        consumed_topics=[topics.ACCOUNTS],
    )
    settings = ServiceSettings(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap_servers,
        kafka_topic_prefix=topic_prefix,
        run_background_workers=workers,
        q2c_api_keys=[TEST_API_KEY],
        log_format=log_format,
        kafka_session_timeout_ms=2_000,
        kafka_heartbeat_interval_ms=300,
    )
    return create_service_app(spec, settings)


@asynccontextmanager
async def anonymous_client(
    app: FastAPI, *, with_key: bool = False
) -> AsyncIterator[httpx.AsyncClient]:
    """A client without the bearer key (as Prometheus scrapes) unless `with_key`, that gets
    the 500 of an unhandled error as a server would send it."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {TEST_API_KEY}"} if with_key else None,
    ) as client:
        yield client


def captured_log(app: FastAPI) -> io.StringIO:
    """What the app's log handler writes from now on."""
    del app  # the handler is the root logger's, installed when the app was built
    stream = io.StringIO()
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    return stream


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def span_recorder(app: FastAPI) -> InMemorySpanExporter:
    spans = InMemorySpanExporter()
    app.state.tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    return spans


# --- metrics ----------------------------------------------------------------------------------


async def test_metrics_need_no_key_and_time_requests_by_route_template(
    database: Database, database_url: str
) -> None:
    app = probe_app(database_url)
    async with (
        running_service(app) as service,
        anonymous_client(app) as anonymous,
        anonymous_client(app, with_key=True) as keyed,
    ):
        for thing_id in ("a", "b"):
            assert (await service.client.get(f"/v1/things/{thing_id}")).status_code == 200
        refused = await anonymous.get("/v1/things/c")
        missing = await service.client.get(f"/v1/nothing/{uuid.uuid4()}")
        crashed = await keyed.get("/v1/things/d/crash")
        response = await anonymous.get("/metrics")

    assert (refused.status_code, missing.status_code, crashed.status_code) == (401, 404, 500)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    metrics = response.text
    count = "http_server_request_duration_seconds_count"
    route = "/v1/things/{thing_id}"
    assert sample(metrics, count, method="GET", route=route, status="200") == 2
    assert sample(metrics, count, method="GET", route=route, status="401") == 1
    assert sample(metrics, count, method="GET", route="unmatched", status="404") == 1
    assert sample(metrics, count, method="GET", route=route + "/crash", status="500") == 1
    assert 'route="/v1/things/a"' not in metrics  # no raw paths: one series per template
    assert sample(metrics, "process_cpu_seconds_total") is not None  # the standard ones too
    assert sample(metrics, "python_gc_objects_collected_total") is not None


async def test_each_app_counts_in_a_registry_of_its_own(
    database: Database, database_url: str
) -> None:
    busy, idle = probe_app(database_url), probe_app(database_url)
    async with running_service(busy) as busy_service, running_service(idle) as idle_service:
        await busy_service.client.get("/v1/things/a")
        busy_metrics = await scrape(busy_service.client)
        idle_metrics = await scrape(idle_service.client)

    count = "http_server_request_duration_seconds_count"
    assert sample(busy_metrics, count, route="/v1/things/{thing_id}") == 1
    assert sample(idle_metrics, count, route="/v1/things/{thing_id}") is None


async def test_the_outbox_backlog_and_its_age_are_read_at_scrape_time(
    database: Database, database_url: str
) -> None:
    app = probe_app(database_url)  # no relay runs: the events wait
    async with running_service(app) as service:
        empty = await scrape(service.client)
        for account_id in ("a-1", "a-2", "a-3"):
            await service.client.post(f"/v1/things/{account_id}/rename")
        async with service.database.transaction() as session:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.message_key == "a-1")
                .values(created_at=OutboxEvent.created_at - timedelta(hours=1))
            )
        waiting = await scrape(service.client)

    assert sample(empty, "q2c_outbox_backlog") == 0
    assert sample(empty, "q2c_outbox_oldest_unpublished_age_seconds") == 0
    assert sample(waiting, "q2c_outbox_backlog") == 3
    assert 3600 <= sample(waiting, "q2c_outbox_oldest_unpublished_age_seconds") < 3700


# --- request ids and logs ---------------------------------------------------------------------


async def test_the_request_id_is_the_callers_or_a_new_one_and_is_echoed(
    database: Database, database_url: str
) -> None:
    app = probe_app(database_url)
    async with (
        running_service(app) as service,
        anonymous_client(app) as anonymous,
        anonymous_client(app, with_key=True) as keyed,
    ):
        given = await service.client.get("/v1/things/a", headers={"X-Request-ID": "req-42"})
        made = await service.client.get("/v1/things/a")
        odd = await service.client.get("/v1/things/a", headers={"X-Request-ID": "a b\tc"})
        refused = await anonymous.get("/v1/things/a", headers={"X-Request-ID": "req-43"})
        crashed = await keyed.get("/v1/things/a/crash", headers={"X-Request-ID": "req-44"})

    assert given.headers["x-request-id"] == "req-42"
    assert len(made.headers["x-request-id"]) == 32
    assert odd.headers["x-request-id"] not in ("a b\tc", made.headers["x-request-id"])
    assert refused.headers["x-request-id"] == "req-43"  # problem responses carry it too
    assert crashed.headers["x-request-id"] == "req-44"  # and the 500 of an unhandled error


async def test_json_log_lines_carry_service_request_trace_and_extra_fields(
    database: Database, database_url: str
) -> None:
    app = probe_app(database_url, log_format="json")
    log = captured_log(app)
    async with running_service(app) as service:
        await service.client.get(
            "/v1/things/t-1", headers={"X-Request-ID": "req-7", "traceparent": TRACEPARENT}
        )

    (line,) = [entry for entry in json_lines(log) if entry["message"] == "thing looked up"]
    assert line["level"] == "INFO"
    assert line["service"] == "probe-svc"
    assert line["logger"] == "probe_svc.endpoints"
    assert line["request_id"] == "req-7"
    assert line["trace_id"] == TRACE_ID
    assert len(line["span_id"]) == 16 and line["span_id"] != CALLER_SPAN_ID  # the server span
    assert line["thing_id"] == "t-1"
    assert line["time"].endswith("+00:00")
    started = [entry for entry in json_lines(log) if entry["message"] == "probe-svc started"]
    assert started and "request_id" not in started[0] and "trace_id" not in started[0]


async def test_text_log_lines_stay_one_readable_line(database: Database, database_url: str) -> None:
    app = probe_app(database_url)
    log = captured_log(app)
    async with running_service(app) as service:
        await service.client.get("/v1/things/t-1")

    (line,) = [entry for entry in log.getvalue().splitlines() if "thing looked up" in entry]
    assert line.endswith("INFO    probe-svc probe_svc.endpoints: thing looked up")


# --- one trace from the request to the consumer ---------------------------------------------


async def test_a_trace_follows_a_request_through_the_outbox_and_the_broker_to_the_consumer(
    database: Database, database_url: str, kafka_broker, topic_prefix: str
) -> None:
    applied = Applied()
    app = probe_app(
        database_url,
        workers=True,
        bootstrap_servers=kafka_broker.bootstrap_servers,
        topic_prefix=topic_prefix,
        log_format="json",
        handler=applied,
    )
    spans = span_recorder(app)
    log = captured_log(app)
    async with running_service(app) as service:
        response = await service.client.post(
            "/v1/things/acct-1/rename",
            headers={"traceparent": TRACEPARENT, "X-Request-ID": "req-9"},
        )
        await eventually(lambda: applied.seen, message="the event was not applied")

    event_id = response.json()["event_id"]
    assert applied.seen == [{"event_id": event_id, "trace_id": TRACE_ID, "request_id": None}]
    finished = {span.name: span for span in spans.get_finished_spans()}
    server = finished["POST /v1/things/{account_id}/rename"]
    consumer = finished["process AccountUpdated"]
    assert (server.kind, consumer.kind) == (SpanKind.SERVER, SpanKind.CONSUMER)
    assert server.parent is not None and server.parent.span_id == int(CALLER_SPAN_ID, 16)
    assert server.attributes["http.route"] == "/v1/things/{account_id}/rename"
    assert server.attributes["http.response.status_code"] == 202
    assert consumer.context.trace_id == int(TRACE_ID, 16)
    assert consumer.parent is not None and consumer.parent.span_id == server.context.span_id
    [message] = await read_all(
        kafka_broker.bootstrap_servers, topic_prefix + topics.ACCOUNTS, expect=1
    )
    traceparent = f"00-{TRACE_ID}-{server.context.span_id:016x}"
    assert message["headers"]["traceparent"].decode().startswith(traceparent)
    assert message["value"]["traceparent"].startswith(traceparent)
    (line,) = [entry for entry in json_lines(log) if entry.get("event_id") == event_id]
    assert line["message"] == f"AccountUpdated {event_id} applied"
    assert line["trace_id"] == TRACE_ID
    assert line["topic"] == topic_prefix + topics.ACCOUNTS
