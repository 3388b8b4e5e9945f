"""What every HTTP request gets: a request id, a server span, and a place in the latency metric.

The request id is the caller's `X-Request-ID` when it sent a sensible one (else a new one); it is
echoed in the response and stamped on every log line written while the request is served. The
server span continues the caller's trace (`traceparent`), so the events the request enqueues
carry the same trace id. Durations are recorded by route template (`/v1/quotes/{quote_id}`), not
by raw path, so that ids do not multiply the metric's series.

This wraps the whole app (`create_service_app` puts it outside Starlette's error middleware),
so a request that ended in an unhandled error is measured and answered with its id too.
"""

import re
import uuid
from time import perf_counter
from typing import Any

from opentelemetry import propagate
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from q2c_shared.logging import REQUEST_ID
from q2c_shared.metrics import ServiceMetrics

_REQUEST_ID_HEADER = b"x-request-id"
_SENSIBLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
"""What a caller's request id may look like to be kept (it lands in logs and headers)."""
_KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}
)
UNMATCHED_ROUTE = "unmatched"
"""The `route` label of requests no route matched (404s for whatever path was asked)."""
CLIENT_GONE_SCOPE_KEY = "q2c.client_gone"
"""Set in the scope (by the edge) when the client went away before it was answered."""
CLIENT_GONE_STATUS = 499
"""The `status` label of a request whose client went away unanswered (nginx's convention)."""


class RequestTelemetry:
    def __init__(
        self,
        app: ASGIApp,
        *,
        tracer: Tracer,
        metrics: ServiceMetrics,
        route_prefixes: dict[int, str],
    ) -> None:
        self.app = app
        self.tracer = tracer
        self.metrics = metrics
        # The prefix each route object was included under (FastAPI may report the route as
        # its router holds it, without the prefix): keyed by id, routes are not hashable.
        self.route_prefixes = route_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = _request_id(headers.get("x-request-id"))
        method = scope["method"] if scope["method"] in _KNOWN_METHODS else "_OTHER"
        status: int | None = None
        started = perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (_REQUEST_ID_HEADER, request_id.encode()),
                    ],
                }
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            with self.tracer.start_as_current_span(
                method,
                context=propagate.extract(headers),
                kind=SpanKind.SERVER,
                attributes={
                    "http.request.method": method,
                    "url.path": scope["path"],
                    "url.scheme": scope.get("scheme", "http"),
                },
            ) as span:
                try:
                    await self.app(scope, receive, send_with_id)
                    if status is None and scope.get(CLIENT_GONE_SCOPE_KEY):
                        status = CLIENT_GONE_STATUS
                except BaseException:
                    status = status or 500
                    raise
                finally:
                    route = self._route(scope)
                    if route != UNMATCHED_ROUTE:
                        span.update_name(f"{method} {route}")
                        span.set_attribute("http.route", route)
                    span.set_attribute("http.response.status_code", status or 500)
                    if (status or 500) >= 500:
                        span.set_status(StatusCode.ERROR)
                    self.metrics.http_request_duration.labels(
                        method, route, str(status or 500)
                    ).observe(perf_counter() - started)
        finally:
            REQUEST_ID.reset(token)

    def _route(self, scope: Scope) -> str:
        route: Any = scope.get("route")
        path = getattr(route, "path", None)
        if path is None:
            return UNMATCHED_ROUTE
        return self.route_prefixes.get(id(route), "") + path


def _request_id(given: str | None) -> str:
    if given is not None and _SENSIBLE_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex
