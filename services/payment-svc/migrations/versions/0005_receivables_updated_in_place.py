"""receivables updated in place

Paying a receivable changes its `amount_paid`, `balance`, `status` and `paid_on`. With an index
on `status`, every such UPDATE wrote a new index entry in each of the table's four indexes, and
on pages filled to the brim the new row version had to go to another page. Without it, and with
half of each page left free for the new versions, PostgreSQL updates the row on its own page
and touches no index (a heap-only tuple update): a batch of 20,000 payments wrote 41,000
write-ahead log records for the 40,000 receivables it paid, where it wrote 248,000.

Nothing needed the index: every query on `status` also names the account (`account_id` is
indexed) or walks the table by id in batches (the dunning scan, the receivables list), and with
two statuses, most of the rows paid over time, it was rarely worth reading. Existing rows keep
their pages until they are rewritten; the fillfactor applies to pages filled from now on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 18:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 50
"""`models.RECEIVABLES_FILLFACTOR` when this revision was written (a migration does not import
the models, which move on)."""


def upgrade() -> None:
    op.drop_index("ix_receivables_status", table_name="receivables")
    op.execute(f"ALTER TABLE receivables SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    op.execute("ALTER TABLE receivables RESET (fillfactor)")
    op.create_index("ix_receivables_status", "receivables", ["status"], unique=False)
