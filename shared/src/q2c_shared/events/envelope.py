"""The CloudEvents 1.0 envelope (structured mode, JSON) every q2c event travels in."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from q2c_shared.ids import new_id


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 structured-mode event. `data` holds one of the contracts' models."""

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="Unique per event; consumers deduplicate on it.")
    source: str = Field(examples=["/q2c/quote-svc"])
    type: str = Field(examples=["QuoteAccepted"])
    time: datetime
    subject: str | None = Field(None, description="The id of the entity the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    # The CloudEvents distributed tracing extension: the W3C trace context of the request (or
    # the consumed event) that produced this event. Left out of the JSON when there is none.
    traceparent: str | None = Field(
        None,
        description="W3C `traceparent` of the span that produced the event.",
        exclude_if=lambda value: value is None,
    )
    tracestate: str | None = Field(
        None,
        description="W3C `tracestate` going with `traceparent`.",
        exclude_if=lambda value: value is None,
    )

    @classmethod
    def new(
        cls,
        *,
        source: str,
        type: str,
        subject: str | None,
        data: dict[str, Any],
        trace_context: Mapping[str, str] | None = None,
    ) -> "CloudEvent":
        """A new event; `trace_context` gives its `traceparent`/`tracestate`, if any."""
        trace_context = trace_context or {}
        return cls(
            id=str(new_id()),
            source=source,
            type=type,
            time=datetime.now(UTC),
            subject=subject,
            data=data,
            traceparent=trace_context.get("traceparent"),
            tracestate=trace_context.get("tracestate"),
        )
