"""coherent invoice dates

An invoice run counts the due periods it leaves pending because they start after the date
their invoice would fall due (`periods_deferred`), and invoices keep business dates: dated in
1900..2199, due on or after their date and by 2199-12-31 (docs/adr/0022). The constraint is
added NOT VALID: it holds for every row written from now on without reading the table, and
`VALIDATE CONSTRAINT` can check the older rows later (an invoice dated in year 1 by the old
bug would fail it; correct such rows first).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "invoice_runs",
        sa.Column("periods_deferred", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "ALTER TABLE invoices ADD CONSTRAINT ck_invoices_business_dates CHECK ("
        "invoice_date >= DATE '1900-01-01' AND due_date >= invoice_date "
        "AND due_date <= DATE '2199-12-31') NOT VALID"
    )


def downgrade() -> None:
    op.drop_constraint("ck_invoices_business_dates", "invoices", type_="check")
    op.drop_column("invoice_runs", "periods_deferred")
