"""The transactional outbox: an event row commits with the business change that caused it.

`enqueue` (one event), `enqueue_many` (events as contract models) and `enqueue_json` (events
whose data is JSON already, and the one writer of envelopes the other two go through) write into
the caller's transaction; `OutboxRelay` (relay.py) publishes later. An
event is never sent for a change that rolled back, and never lost for one that committed.
"""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic_core import to_json
from sqlalchemy import Column, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from q2c_shared.db import JsonText, copy_rows
from q2c_shared.events.contracts import EventData
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.ids import new_ids
from q2c_shared.tracing import current_trace_context

EVENT_SOURCE_KEY = "event_source"
"""`session.info` key holding the CloudEvents `source` of the service (set by `Database`)."""


class OutboxEvent(SQLModel, table=True):
    """An event waiting to be published, or published (kept for audit until pruned)."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index(
            "ix_outbox_events_unpublished",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
        # The relay's "an earlier event of this key is waiting" check.
        Index(
            "ix_outbox_events_unpublished_by_key",
            "message_key",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
        # The retention job's: which published rows are old enough to prune.
        Index("ix_outbox_events_created_brin", "created_at", postgresql_using="brin"),
    )

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    topic: str = Field(sa_column=Column(String(200), nullable=False))
    message_key: str = Field(sa_column=Column(String(200), nullable=False))
    event_type: str = Field(sa_column=Column(String(100), nullable=False))
    envelope: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    # clock_timestamp(), not now(): the time the row was written, not when its transaction
    # began, so a writer that waited on an account's lock orders after the one it waited for.
    created_at: datetime = Field(
        sa_column=Column(
            DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()
        )
    )
    published_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    next_attempt_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


async def enqueue(
    session: AsyncSession, data: EventData, *, key: str, subject: str | None = None
) -> CloudEvent:
    """Add one event to the outbox inside the caller's transaction; the envelope written.

    `key` becomes the Kafka message key: the account id, so one account's events stay in order.
    """
    (envelope,) = await enqueue_json(
        session, [JsonEvent(type(data), data.model_dump(mode="json"), key, subject)]
    )
    return CloudEvent.model_validate(envelope)


async def enqueue_many(
    session: AsyncSession, items: Sequence[tuple[EventData, str, str | None]]
) -> None:
    """Add many events with one COPY: `(data, key, subject)` triples, written in the order
    given."""
    await enqueue_json(
        session,
        [
            JsonEvent(type(data), data.model_dump(mode="json"), key, subject)
            for data, key, subject in items
        ],
    )


class JsonEvent(NamedTuple):
    """An event whose data is in the contract's JSON form already: a model's
    `model_dump(mode="json")` (`enqueue`), or JSON a set-based writer (invoice runs, payment
    batches) made directly because it cannot afford a model per event; that writer's contract
    test holds its data to `event_class`."""

    event_class: type[EventData]
    data: dict[str, Any]
    key: str
    """The Kafka message key: the account id, so one account's events stay in order."""
    subject: str | None


async def enqueue_json(session: AsyncSession, events: Sequence[JsonEvent]) -> list[dict[str, Any]]:
    """Add events with one COPY, in the order given; the envelopes written. The one writer of
    envelopes: the source, the trace context current here (the request's or the consumed
    event's span, so consumers continue the same trace), a new UUIDv7 id and the time, without
    a `CloudEvent` model built, validated and dumped per event, which took a tenth of an
    invoice run's CPU and 40% of a payment batch's. The attributes the events share are worked
    out once; each envelope is serialised by pydantic's serialiser in one go, as
    `CloudEvent.model_dump_json` would. Yields to the event loop every `_EVENTS_PER_STEP`
    events, so that other batches' statements go on meanwhile."""
    if not events:
        return []
    shared = CloudEvent.new(
        source=session.info.get(EVENT_SOURCE_KEY, "/q2c"),
        type="",
        subject=None,
        data={},
        trace_context=current_trace_context(),
    ).model_dump(mode="json", exclude=_PER_EVENT_ATTRIBUTES)
    rows: list[dict[str, Any]] = []
    envelopes: list[dict[str, Any]] = []
    for position, (event_id, (event_class, data, key, subject)) in enumerate(
        zip(new_ids(len(events)), events, strict=True), start=1
    ):
        envelope = {
            **shared,
            "id": str(event_id),
            "type": event_class.event_type,
            "time": datetime.now(UTC),  # written as pydantic writes CloudEvent.time
            "subject": subject,
            "data": data,
        }
        envelopes.append(envelope)
        rows.append(
            {
                "id": event_id,
                "topic": event_class.topic,
                "message_key": key,
                "event_type": event_class.event_type,
                "envelope": JsonText(to_json(envelope).decode()),
            }
        )
        if position % _EVENTS_PER_STEP == 0:
            await asyncio.sleep(0)
    await copy_rows(session, OutboxEvent.__table__, rows)
    return envelopes


_PER_EVENT_ATTRIBUTES = {"id", "type", "time", "subject", "data"}
_EVENTS_PER_STEP = 1_000
