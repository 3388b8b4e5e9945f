"""pending periods by schedule

An invoice run reaches the due periods of a batch of bill-to accounts schedule by schedule. With
only the (schedule, sequence) key to go by, it read every period of each schedule (a year's
worth) to keep the one due; this partial index goes to the pending ones due by the target date.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_billing_periods_pending_by_schedule",
        "billing_periods",
        ["billing_schedule_id", "billable_date"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_billing_periods_pending_by_schedule",
        table_name="billing_periods",
        postgresql_where=sa.text("status = 'pending'"),
    )
