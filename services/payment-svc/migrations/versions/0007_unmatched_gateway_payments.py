"""unmatched gateway payments

Money a payment gateway reported that payment-svc could not credit to an account it knows (an
unknown invoice and account, another currency than the invoice's, an amount out of range):
kept, one row per gateway event, for finance to review (`GET /v1/unmatched-payments`), never
credited to nobody (docs/adr/0021-unmatched-gateway-payments.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unmatched_gateway_payments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("gateway_event_id", sa.UUID(), nullable=False),
        sa.Column("gateway", sa.String(length=30), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("gateway_reference", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=True),
        sa.Column("stated_amount", sa.String(length=60), nullable=False),
        sa.Column("invoice_reference", sa.String(length=200), nullable=True),
        sa.Column("account_reference", sa.String(length=200), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["gateway_event_id"], ["gateway_events.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("gateway_event_id"),
    )


def downgrade() -> None:
    op.drop_table("unmatched_gateway_payments")
