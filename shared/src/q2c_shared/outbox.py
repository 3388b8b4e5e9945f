"""The transactional outbox: an event row commits with the business change that caused it.

`enqueue` writes into the caller's transaction; `OutboxRelay` (relay.py) publishes later. An
event is never sent for a change that rolled back, and never lost for one that committed.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String, Text, func, insert, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from q2c_shared.db import JsonText, copy_rows
from q2c_shared.events.contracts import EventData
from q2c_shared.events.envelope import CloudEvent
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


def build_event(session: AsyncSession, data: EventData, *, subject: str | None) -> CloudEvent:
    """The event's envelope, carrying the trace context current here (the request's or the
    consumed event's span), so its consumers continue the same trace."""
    return CloudEvent.new(
        source=session.info.get(EVENT_SOURCE_KEY, "/q2c"),
        type=data.event_type,
        subject=subject,
        data=data.model_dump(mode="json"),
        trace_context=current_trace_context(),
    )


def build_json_event(
    session: AsyncSession,
    event_class: type[EventData],
    data: dict[str, Any],
    *,
    subject: str | None,
) -> CloudEvent:
    """An event whose data the caller wrote in its JSON form already (a set-based writer that
    cannot afford a model per row); the caller's tests hold it to `event_class`'s output."""
    return CloudEvent.new(
        source=session.info.get(EVENT_SOURCE_KEY, "/q2c"),
        type=event_class.event_type,
        subject=subject,
        data=data,
        trace_context=current_trace_context(),
    )


def _row(event: CloudEvent, *, topic: str, key: str) -> dict[str, Any]:
    return {
        "id": uuid.UUID(event.id),
        "topic": topic,
        "message_key": key,
        "event_type": event.type,
        "envelope": event.model_dump(mode="json"),
    }


async def enqueue(
    session: AsyncSession, data: EventData, *, key: str, subject: str | None = None
) -> CloudEvent:
    """Add one event to the outbox inside the caller's transaction.

    `key` becomes the Kafka message key: the account id, so one account's events stay in order.
    """
    event = build_event(session, data, subject=subject)
    await session.execute(insert(OutboxEvent.__table__), [_row(event, topic=data.topic, key=key)])
    return event


async def enqueue_many(
    session: AsyncSession, items: list[tuple[EventData, str, str | None]]
) -> list[CloudEvent]:
    """Add many events with one COPY (batch writers: invoice runs, allocation batches):
    `(data, key, subject)` triples, written in the order given."""
    events = [build_event(session, data, subject=subject) for data, _, subject in items]
    await enqueue_built(
        session,
        [(event, data.topic, key) for event, (data, key, _) in zip(events, items, strict=True)],
    )
    return events


async def enqueue_built(
    session: AsyncSession, events: Sequence[tuple[CloudEvent, str, str]]
) -> None:
    """Add events made beforehand with `build_event`: `(event, topic, key)` triples, written in
    the order given, with one COPY.

    For a writer that builds its events before it takes a lock, so as to hold the lock for
    writing only (invoice-svc builds `InvoicePosted` before it takes the invoices' numbers)."""
    await copy_rows(
        session,
        OutboxEvent.__table__,
        [
            {
                "id": uuid.UUID(event.id),
                "topic": topic,
                "message_key": key,
                "event_type": event.type,
                # pydantic serialises the envelope in one go: no Python objects in between.
                "envelope": JsonText(event.model_dump_json()),
            }
            for event, topic, key in events
        ],
    )
