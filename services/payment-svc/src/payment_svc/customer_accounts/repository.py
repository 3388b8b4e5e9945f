"""The accounts read model and what an account owes and holds as credit; no business rules."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import (
    CustomerAccount,
    Payment,
    Receivable,
)
from payment_svc.statuses import ReceivableStatus
from q2c_shared.read_models import upsert_newer


async def upsert_customer_account(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the account, or overwrite it with a newer version (`read_models.upsert_newer`);
    False when the row was as new or newer and stayed as it was."""
    return await upsert_newer(session, CustomerAccount.__table__, values, key="account_id")


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


async def known_accounts(session: AsyncSession, account_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `account_ids` payment-svc knows: from their account events (the read model) or
    from an invoice posted to them (a receivable). One statement, two index probes per id."""
    if not account_ids:
        return set()
    result = await session.execute(
        text(
            "SELECT a.id FROM unnest(CAST(:ids AS uuid[])) AS a(id) "
            "WHERE EXISTS (SELECT 1 FROM customer_accounts c WHERE c.account_id = a.id) "
            "OR EXISTS (SELECT 1 FROM receivables r WHERE r.account_id = a.id)"
        ),
        {"ids": sorted(set(account_ids))},
    )
    return set(result.scalars())


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
