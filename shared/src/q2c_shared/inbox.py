"""The idempotent consumer's memory: one row per (consumer, event id) already applied.

The row is written in the same transaction as the event's effect, so an event is applied once
even when Kafka delivers it again (at-least-once delivery, rebalances, restarts).
"""

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel


class InboxEvent(SQLModel, table=True):
    __tablename__ = "inbox_events"
    __table_args__ = (
        Index("ix_inbox_events_processed_brin", "processed_at", postgresql_using="brin"),
    )

    consumer: str = Field(sa_column=Column(String(100), primary_key=True))
    event_id: str = Field(sa_column=Column(String(100), primary_key=True))
    event_type: str = Field(sa_column=Column(String(100), nullable=False))
    processed_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


async def claim(session: AsyncSession, *, consumer: str, event_id: str, event_type: str) -> bool:
    """Record the event as applied by `consumer`; False when it already was.

    A concurrent claim of the same event waits on the primary key until the first transaction
    ends, so two deliveries racing each other still apply the event once.
    """
    statement = (
        insert(InboxEvent.__table__)
        .values(consumer=consumer, event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(InboxEvent.__table__.c.event_id)
    )
    return (await session.execute(statement)).first() is not None
