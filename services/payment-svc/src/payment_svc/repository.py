"""payment-svc data access: loads, locks and sums rows; no business rules.

Lock order, the same in every writer so that two of them never wait on each other in a cycle:
the account (an advisory lock), then its receivables by id, then its payments by id.
"""

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.models import CustomerAccount, Payment, PaymentAllocation, Receivable
from payment_svc.schemas import ReceivableStatus
from q2c_shared.ids import new_id


async def lock_account(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Serialise the writers of one account's money until the transaction ends.

    Row locks alone cannot do it: a payment and an `InvoicePosted` for the same account each
    insert a row the other cannot see yet, so the payment would stay credit and the invoice stay
    open. Every writer of an account's receivables or payments takes this lock first.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"payment-svc:account:{account_id}"},
    )


async def lock_open_receivables(
    session: AsyncSession, account_id: uuid.UUID, currency: str
) -> list[Receivable]:
    """The account's open receivables in `currency`, locked in id order."""
    result = await session.execute(
        select(Receivable)
        .where(
            Receivable.account_id == account_id,
            Receivable.currency == currency,
            Receivable.status == ReceivableStatus.OPEN,
        )
        .order_by(Receivable.id)
        .with_for_update()
    )
    return list(result.scalars())


async def lock_payments_with_credit(
    session: AsyncSession, account_id: uuid.UUID, currency: str
) -> list[Payment]:
    """The account's payments in `currency` with unallocated money, locked in id order."""
    result = await session.execute(
        select(Payment)
        .where(
            Payment.account_id == account_id, Payment.currency == currency, Payment.unallocated > 0
        )
        .order_by(Payment.id)
        .with_for_update()
    )
    return list(result.scalars())


async def insert_receivable(session: AsyncSession, values: dict[str, Any]) -> Receivable | None:
    """Insert the receivable of an invoice; None when the invoice already has one."""
    table = Receivable.__table__
    inserted_id = await session.scalar(
        # A core insert skips the model's Python-side default, so the UUIDv7 is made here.
        insert(table)
        .values(id=new_id(), **values)
        .on_conflict_do_nothing(index_elements=[table.c.invoice_id])
        .returning(table.c.id)
    )
    if inserted_id is None:
        return None
    return await session.get(Receivable, inserted_id)


async def allocations_of(
    session: AsyncSession, payment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentAllocation]]:
    """The allocations of each payment in the order they were made, for a whole page at once.

    Allocations made in one transaction share `created_at` and their UUIDv7 ids need not sort
    within a millisecond, so those are shown in the order oldest-first allocation uses.
    """
    by_payment: dict[uuid.UUID, list[PaymentAllocation]] = defaultdict(list)
    if not payment_ids:
        return by_payment
    result = await session.execute(
        select(PaymentAllocation)
        .join(Receivable, Receivable.id == PaymentAllocation.receivable_id)
        .where(PaymentAllocation.payment_id.in_(payment_ids))
        .order_by(
            PaymentAllocation.created_at,
            Receivable.due_date,
            Receivable.invoice_date,
            Receivable.invoice_id,
        )
    )
    for allocation in result.scalars():
        by_payment[allocation.payment_id].append(allocation)
    return by_payment


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


# --- customer accounts (read model) ---------------------------------------------------------


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
