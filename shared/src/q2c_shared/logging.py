"""Log lines that say which service spoke, at a level set by `LOG_LEVEL`, as text or JSON.

`LOG_FORMAT=text` (the default, for `make run`) writes one readable line per record.
`LOG_FORMAT=json` (for production, where a pipeline parses the lines) writes one JSON object per
line: `time`, `level`, `service`, `logger`, `message`, the `request_id` of the HTTP request and
the `trace_id`/`span_id` of the span the record was written in (when there are), the fields
given with `extra=`, and `exception` with the traceback. uvicorn's own lines (startup, access
log) are then JSON as well.
"""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from opentelemetry import trace

REQUEST_ID: ContextVar[str | None] = ContextVar("q2c_request_id", default=None)
"""The id of the HTTP request being served (`X-Request-ID`); set by the request middleware."""

_CONTEXT_FIELDS = ("request_id", "trace_id", "span_id")
_NOT_EXTRA = {
    *vars(logging.LogRecord("", 0, "", 0, "", None, None)),
    "message",
    "asctime",
    "service",
    *_CONTEXT_FIELDS,
    "color_message",  # uvicorn's coloured copy of its message
}


class ContextFilter(logging.Filter):
    """Stamps each record with the service and the request and trace it was written in."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service_name
        record.request_id = REQUEST_ID.get()
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            record.trace_id = format(span_context.trace_id, "032x")
            record.span_id = format(span_context.span_id, "016x")
        else:
            record.trace_id = record.span_id = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record (fields in the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": getattr(record, "service", None),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        for name, value in record.__dict__.items():
            if name not in _NOT_EXTRA and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(
    service_name: str, level: str = "INFO", log_format: Literal["text", "json"] = "text"
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter(service_name))
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
        # uvicorn configured its loggers with handlers of its own before the app was built;
        # hand their records to ours, so that every line of the process is JSON.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            uvicorn_logger = logging.getLogger(name)
            uvicorn_logger.handlers.clear()
            uvicorn_logger.propagate = True
    else:
        handler.setFormatter(
            logging.Formatter(
                f"%(asctime)s %(levelname)-7s {service_name} %(name)s: %(message)s",
                datefmt="%Y-%m-%dT%H:%M:%S",
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka is chatty at INFO about every group join and metadata refresh.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
