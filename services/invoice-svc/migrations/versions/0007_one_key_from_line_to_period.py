"""one foreign key from an invoice line to its period and the period's schedule

An invoice line named its period and its schedule with a foreign key each: two checks per line
an invoice run writes, and nothing held the two to each other. One composite key to the
period's (id, schedule) does both in one check, and holds the line's schedule to be its
period's.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 17:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint(
        "uq_billing_periods_id_schedule", "billing_periods", ["id", "billing_schedule_id"]
    )
    op.create_foreign_key(
        "invoice_lines_billing_period_fkey",
        "invoice_lines",
        "billing_periods",
        ["billing_period_id", "billing_schedule_id"],
        ["id", "billing_schedule_id"],
    )
    op.drop_constraint("invoice_lines_billing_period_id_fkey", "invoice_lines", type_="foreignkey")
    op.drop_constraint(
        "invoice_lines_billing_schedule_id_fkey", "invoice_lines", type_="foreignkey"
    )


def downgrade() -> None:
    op.create_foreign_key(
        "invoice_lines_billing_schedule_id_fkey",
        "invoice_lines",
        "billing_schedules",
        ["billing_schedule_id"],
        ["id"],
    )
    op.create_foreign_key(
        "invoice_lines_billing_period_id_fkey",
        "invoice_lines",
        "billing_periods",
        ["billing_period_id"],
        ["id"],
    )
    op.drop_constraint("invoice_lines_billing_period_fkey", "invoice_lines", type_="foreignkey")
    op.drop_constraint("uq_billing_periods_id_schedule", "billing_periods", type_="unique")
