"""Traces: a tracer provider per service app, and W3C trace context carried through events.

An HTTP request runs in a server span (`middleware.py`) whose parent is the caller's
`traceparent` header, if it sent one. `outbox.enqueue` stores the context current at that point
in the event's CloudEvents envelope, as the `traceparent` and `tracestate` extension attributes
(the CloudEvents distributed tracing extension): the outbox row carries it, no column needed.
The relay copies both into Kafka headers of the same names, and the consumer applies the event
in a span that is a child of that context. So one trace id follows a change from the request
through every service its events reach, and the log lines written on the way carry it.

The provider belongs to the app (`app.state.tracer_provider`), not to the process: tests build
several apps in one process. It is not installed as OpenTelemetry's global provider either, so
FastAPI's own telemetry (which switches itself on when a global provider exists) does not add
a second server span per request. Spans are exported only when `OTEL_TRACES_EXPORTER` says
where; propagation works without an exporter.
"""

import logging
from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

logger = logging.getLogger(__name__)

TRACE_HEADERS = ("traceparent", "tracestate")
"""The W3C trace context fields, by the same names in HTTP headers, CloudEvents extension
attributes and Kafka headers."""

_W3C = TraceContextTextMapPropagator()


def create_tracer_provider(service_name: str, exporter: str = "none") -> TracerProvider:
    """A provider naming the service; with a batch exporter when `exporter` is not `none`.
    The sampler is the SDK's, from `OTEL_TRACES_SAMPLER` (default: always, or as the parent)."""
    span_exporter = _exporter(exporter)
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        # Only a provider with an exporter holds anything to flush at exit.
        shutdown_on_exit=span_exporter is not None,
    )
    if span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    return provider


def _exporter(name: str) -> SpanExporter | None:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
                OTLPSpanExporter,
            )
        except ImportError:
            logger.warning(
                "OTEL_TRACES_EXPORTER=otlp, but opentelemetry-exporter-otlp-proto-http is not "
                "installed: spans are not exported (trace context is still propagated)"
            )
            return None
        return OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself
    return None


def current_trace_context() -> dict[str, str]:
    """`traceparent` (and `tracestate`, when there is one) of the current span; empty outside
    any span."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str]) -> otel_context.Context:
    """The context a `traceparent`/`tracestate` pair names; an empty one when it names none
    (missing or malformed), so that a span started in it is a new trace's root."""
    return _W3C.extract(carrier, context=otel_context.Context())
