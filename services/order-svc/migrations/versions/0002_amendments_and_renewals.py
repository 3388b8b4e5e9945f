"""amendments and renewals

Orders get a `type` (existing ones are `new`). Contracts keep the billing terms of the order that
created them, which their amendments and renewals bill on (the billing day above all), their
original term (renewals default to it) and the quote they came from. Existing contracts take
these from their order (until now every contract has exactly one), then the two that every
contract has become NOT NULL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:26:37.868413
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "orders", sa.Column("type", sa.String(length=20), server_default="new", nullable=False)
    )
    op.add_column("contracts", sa.Column("term_months", sa.Integer(), nullable=True))
    op.add_column("contracts", sa.Column("billing_day_of_month", sa.Integer(), nullable=True))
    op.add_column("contracts", sa.Column("payment_term", sa.String(length=20), nullable=True))
    op.add_column("contracts", sa.Column("billing_account_id", sa.UUID(), nullable=True))
    op.add_column("contracts", sa.Column("po_number", sa.String(length=100), nullable=True))
    op.add_column("contracts", sa.Column("legal_entity", sa.String(length=255), nullable=True))
    op.add_column("contracts", sa.Column("quote_id", sa.UUID(), nullable=True))
    op.execute(
        """
        UPDATE contracts AS c
        SET billing_day_of_month = COALESCE(o.billing_day_of_month,
                                            EXTRACT(DAY FROM c.start_date)::int),
            payment_term = o.payment_term,
            billing_account_id = o.billing_account_id,
            po_number = o.po_number,
            legal_entity = o.legal_entity,
            quote_id = o.quote_id
        FROM orders AS o
        WHERE o.contract_id = c.id
        """
    )
    # A contract without an order cannot exist; should one, it bills as a direct order would.
    op.execute(
        """
        UPDATE contracts
        SET billing_day_of_month = COALESCE(billing_day_of_month, EXTRACT(DAY FROM start_date)),
            payment_term = COALESCE(payment_term, 'net_30')
        WHERE billing_day_of_month IS NULL OR payment_term IS NULL
        """
    )
    # The term in whole months, as q2c_shared.billing.periods.months_covering counts it: the
    # fewest months from the start whose term (start + n months - 1 day) reaches the end.
    op.execute(
        """
        UPDATE contracts AS c
        SET term_months = GREATEST(
            1,
            m.months + CASE WHEN (c.start_date + make_interval(months => m.months))::date
                                 <= c.end_date THEN 1 ELSE 0 END)
        FROM (
            SELECT id,
                   ((EXTRACT(YEAR FROM end_date) - EXTRACT(YEAR FROM start_date)) * 12
                    + EXTRACT(MONTH FROM end_date) - EXTRACT(MONTH FROM start_date))::int AS months
            FROM contracts
            WHERE end_date IS NOT NULL
        ) AS m
        WHERE m.id = c.id
        """
    )
    op.alter_column("contracts", "billing_day_of_month", nullable=False)
    op.alter_column("contracts", "payment_term", nullable=False)


def downgrade() -> None:
    op.drop_column("contracts", "quote_id")
    op.drop_column("contracts", "legal_entity")
    op.drop_column("contracts", "po_number")
    op.drop_column("contracts", "billing_account_id")
    op.drop_column("contracts", "payment_term")
    op.drop_column("contracts", "billing_day_of_month")
    op.drop_column("contracts", "term_months")
    op.drop_column("orders", "type")
