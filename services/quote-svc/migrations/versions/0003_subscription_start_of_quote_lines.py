"""subscription start of quote lines

An amendment's line changes a subscription from mid-term; its order product will be billed on
that subscription's own period grid, which starts on the subscription's start date. The line
keeps that date so its co-terminated total is cut on the same grid (a quarterly decrease from
05-16 of a subscription started 02-01 is worth the rest of May-July, then whole quarters).
Nullable: new-business lines and added products start a grid of their own.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("quote_lines", sa.Column("subscription_start_date", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("quote_lines", "subscription_start_date")
