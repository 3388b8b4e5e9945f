"""Alembic plumbing shared by every service's `migrations/env.py`.

The URL comes from `DATABASE_URL` (the same variable the service reads), so operators run
`alembic upgrade head` with the environment they already give the service.
"""

import asyncio
import os

import sqlalchemy as sa
from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("Set DATABASE_URL to the service's PostgreSQL database.")
    return url


def _run(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData) -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run, metadata)
    await engine.dispose()


def run_migrations(metadata: MetaData) -> None:
    """Entry point for env.py: offline emits SQL, online applies it."""
    if context.is_offline_mode():
        context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_online(metadata))


# --- the library's own tables, created by every service's first migration ----------------------
# Frozen definitions (version 1): a later change to these tables gets a new helper and a new
# migration in every service, never an edit here, so old migrations keep meaning what they did.


def create_messaging_tables_v1() -> None:
    """`idempotency_keys`, `inbox_events` and `outbox_events` with the relay's indexes."""
    from alembic import op

    now = sa.text("now()")
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "inbox_events",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=now, nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    unpublished = sa.text("published_at IS NULL")
    op.create_index(
        "ix_outbox_events_unpublished",
        "outbox_events",
        ["created_at"],
        postgresql_where=unpublished,
    )
    op.create_index(
        "ix_outbox_events_unpublished_by_key",
        "outbox_events",
        ["message_key", "created_at"],
        postgresql_where=unpublished,
    )


def drop_messaging_tables_v1() -> None:
    from alembic import op

    op.drop_table("outbox_events")  # its indexes go with it
    op.drop_table("inbox_events")
    op.drop_table("idempotency_keys")


# Version 2: the retention job's indexes. BRIN, since each table is written in time order: an
# index a few pages small that costs the writers almost nothing, and lets the job find the old
# rows without reading the whole table.
RETENTION_INDEXES_V2 = (
    ("ix_outbox_events_created_brin", "outbox_events", "created_at"),
    ("ix_inbox_events_processed_brin", "inbox_events", "processed_at"),
    ("ix_idempotency_keys_created_brin", "idempotency_keys", "created_at"),
)


def create_retention_indexes_v2() -> None:
    from alembic import op

    for name, table, column in RETENTION_INDEXES_V2:
        op.create_index(name, table, [column], postgresql_using="brin")


def drop_retention_indexes_v2() -> None:
    from alembic import op

    for name, table, _ in RETENTION_INDEXES_V2:
        op.drop_index(name, table_name=table)
