"""no index on billing_periods.invoice_id

Nothing looks periods up by invoice (an invoice's lines name their periods, uniquely) and
invoices are never deleted, while every period an invoice run bills wrote an entry to this
index: one index insertion (and its write-ahead log record) per billed period, for nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_billing_periods_invoice_id", table_name="billing_periods")


def downgrade() -> None:
    op.create_index("ix_billing_periods_invoice_id", "billing_periods", ["invoice_id"])
