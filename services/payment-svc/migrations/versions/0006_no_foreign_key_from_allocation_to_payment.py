"""no foreign key from payment_allocations.payment_id to payments

Every allocation is written by `payments.recording.apply_payments`, the one writer of
allocations, in the transaction that inserts its payment just before (a new payment) or that
has read and locked it under the account's lock and adds the allocation to its `allocated` in
the same statement sequence (credit drawn by an invoice); payments are never deleted (refunds
and unapplying only update them). The key's check, one index lookup and one row lock (a
write-ahead log record) per allocation, cost about as much as writing the allocation itself:
inserting the 39,999 allocations of the 20,000-payment benchmark took 196-219 ms without
foreign keys, 456-471 ms with this one alone (ADR 0014). The key to `receivables` stays; so
does the index on `payment_id`, which reads a payment's allocations.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(
        "payment_allocations_payment_id_fkey", "payment_allocations", type_="foreignkey"
    )


def downgrade() -> None:
    op.create_foreign_key(
        "payment_allocations_payment_id_fkey",
        "payment_allocations",
        "payments",
        ["payment_id"],
        ["id"],
    )
