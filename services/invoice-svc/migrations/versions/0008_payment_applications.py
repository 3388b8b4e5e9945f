"""payment applications: an invoice's payments keyed on payment-svc's allocation id

`PaymentAllocated` and `PaymentUnapplied` changed an invoice's amount paid once per event id
(the inbox); the same allocation resent under a new event id paid the invoice twice. One row
per allocation, inserted or flipped to unapplied in the same transaction as the amount, makes
the effect happen once per allocation.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_applications",
        sa.Column("allocation_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("invoice_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("payment_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("unapplied", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_payment_applications_invoice"
        ),
    )


def downgrade() -> None:
    op.drop_table("payment_applications")
