"""receivables' tax split

The journal export credits revenue and tax payable apart (Dr Accounts Receivable total / Cr
Revenue subtotal / Cr Tax Payable tax_total), so a receivable keeps its invoice's `subtotal`
and `tax_total` from `InvoicePosted`. Receivables recorded before this revision did not keep
them: they are filled as all revenue (subtotal = total, tax_total = 0), the only split that
adds up without the event; replay their `InvoicePosted` events into a fresh database to get
the true split.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The defaults only fill the existing rows; every new row is written with both.
    op.add_column(
        "receivables", sa.Column("subtotal", sa.Numeric(), server_default="0", nullable=False)
    )
    op.add_column(
        "receivables", sa.Column("tax_total", sa.Numeric(), server_default="0", nullable=False)
    )
    op.execute("UPDATE receivables SET subtotal = total, tax_total = 0")
    op.alter_column("receivables", "subtotal", server_default=None)
    op.alter_column("receivables", "tax_total", server_default=None)
    op.create_check_constraint(
        "ck_receivables_total_is_subtotal_plus_tax", "receivables", "subtotal + tax_total = total"
    )


def downgrade() -> None:
    op.drop_constraint("ck_receivables_total_is_subtotal_plus_tax", "receivables", type_="check")
    op.drop_column("receivables", "tax_total")
    op.drop_column("receivables", "subtotal")
