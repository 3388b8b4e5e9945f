"""retention indexes

The retention job deletes published outbox events, inbox rows and idempotency keys older than
their windows, a small batch at a time; these BRIN indexes on the time each row was written
let it find them without reading the whole table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 20:45:00.000000
"""

from collections.abc import Sequence

from q2c_shared.migrations import create_retention_indexes_v2, drop_retention_indexes_v2

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_retention_indexes_v2()


def downgrade() -> None:
    drop_retention_indexes_v2()
