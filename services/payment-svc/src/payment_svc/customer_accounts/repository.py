"""The accounts read model and what an account owes and holds as credit; no business rules."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    CustomerAccount,
    Payment,
    Receivable,
)
from payment_svc.statuses import ReceivableStatus


async def upsert_customer_account(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the account, or overwrite it when `values` come from a newer event than the row's
    (`source_event_time`); False when the row was newer or as new and stayed as it was.

    The comparison is in the statement, not in Python: two deliveries racing each other, or an
    old event redelivered after a newer one, can never put an older version back.
    """
    table = CustomerAccount.__table__
    statement = insert(table).values(**values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.account_id],
        set_={
            **{name: excluded[name] for name in values if name != "account_id"},
            "updated_at": func.now(),
        },
        where=table.c.source_event_time < excluded.source_event_time,
    ).returning(table.c.account_id)
    return (await session.execute(statement)).first() is not None


async def customer_accounts(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CustomerAccount]:
    """The known accounts among `account_ids` (the read model of quote-svc's accounts)."""
    if not account_ids:
        return {}
    result = await session.execute(
        select(CustomerAccount).where(CustomerAccount.account_id.in_(list(account_ids)))
    )
    return {account.account_id: account for account in result.scalars()}


async def open_total(session: AsyncSession, account_id: uuid.UUID, currency: str) -> Decimal:
    """What the account still owes in `currency`: the balances of its open receivables."""
    total = await session.scalar(
        select(func.sum(Receivable.balance)).where(
            Receivable.account_id == account_id,
            Receivable.currency == currency,
            Receivable.status == ReceivableStatus.OPEN,
        )
    )
    return total or Decimal(0)


async def credit_balance(session: AsyncSession, account_id: uuid.UUID, currency: str) -> Decimal:
    """The account's payment money in `currency` that is neither allocated nor refunded."""
    total = await session.scalar(
        select(func.sum(Payment.unallocated)).where(
            Payment.account_id == account_id, Payment.currency == currency
        )
    )
    return total or Decimal(0)


async def account_currencies(session: AsyncSession, account_id: uuid.UUID) -> set[str]:
    """Every currency the account has been invoiced or has paid in."""
    invoiced = select(Receivable.currency).where(Receivable.account_id == account_id)
    paid = select(Payment.currency).where(Payment.account_id == account_id)
    result = await session.execute(invoiced.union(paid))
    return set(result.scalars())
