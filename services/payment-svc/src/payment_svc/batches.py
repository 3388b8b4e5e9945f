"""Payment batches: many payments at once (a bank statement, a lockbox file), set-based.

Each payment of a batch applies exactly as `POST /v1/payments` without allocations does: to its
account's open invoices in its currency, oldest due date first (`allocation.allocate_oldest_first`),
the rest kept as the account's credit; the same events go out (`PaymentReceived`, one
`PaymentAllocated` per allocation, `InvoicePaid` when an invoice is settled). Payments of one
account apply in the batch's order, each seeing the balances the one before left.

What makes it fast is how it reads and writes, not what it decides: the batch's accounts are
locked in one statement (in id order, the same advisory locks every writer of an account takes
first, so a batch and a single payment never interleave on one account), their open receivables
are read and locked in one query, allocation runs in memory, and payments, allocations and
outbox rows are written with COPY, the receivables with one `UPDATE ... FROM unnest`. The
whole batch is one transaction: it is recorded entirely or not at all.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc import repository
from payment_svc.allocation import OpenInvoice, allocate_oldest_first
from payment_svc.schemas import PaymentBatchItem, ReceivableStatus
from q2c_shared.events import contracts
from q2c_shared.ids import new_id
from q2c_shared.money import round_money, zero
from q2c_shared.outbox import build_event, enqueue_built


@dataclass
class _OpenBalance:
    """A receivable's running state while the batch allocates."""

    receivable_id: uuid.UUID
    invoice_id: uuid.UUID
    account_id: uuid.UUID
    currency: str
    invoice_date: date
    due_date: date
    amount_paid: Decimal
    balance: Decimal
    paid_on: date | None = None


@dataclass
class BatchResult:
    payment_ids: list[uuid.UUID] = field(default_factory=list)
    allocations: int = 0
    invoices_paid: int = 0


async def record_payment_batch(
    session: AsyncSession, items: Sequence[PaymentBatchItem]
) -> BatchResult:
    """Record and allocate the batch's payments (see the module docstring); flushes, never
    commits."""
    account_ids = sorted({item.account_id for item in items})
    await repository.lock_accounts(session, account_ids)
    open_balances = await _open_balances(session, account_ids)

    result = BatchResult()
    payment_rows: list[dict[str, Any]] = []
    allocation_rows: list[dict[str, Any]] = []
    events: list[tuple[contracts.EventData, str, str]] = []
    touched: dict[uuid.UUID, _OpenBalance] = {}
    for item in items:
        currency = item.currency
        amount = round_money(item.amount, currency)
        payment_id = new_id()
        account = str(item.account_id)
        events.append(
            (
                contracts.PaymentReceived(
                    payment=contracts.PaymentSnapshot(
                        id=str(payment_id),
                        account_id=account,
                        amount=amount,
                        currency=currency,
                        method=item.method,
                        reference=item.reference,
                        received_on=item.received_on,
                    )
                ),
                account,
                str(payment_id),
            )
        )
        balances = open_balances[(item.account_id, currency)]
        allocations, unallocated = allocate_oldest_first(
            amount,
            [
                OpenInvoice(
                    invoice_id=str(open_balance.invoice_id),
                    due_date=open_balance.due_date,
                    invoice_date=open_balance.invoice_date,
                    balance=open_balance.balance,
                )
                for open_balance in balances.values()
            ],
        )
        for allocation in allocations:
            receivable = balances[allocation.invoice_id]
            receivable.amount_paid += allocation.amount
            receivable.balance -= allocation.amount
            touched[receivable.receivable_id] = receivable
            allocation_id = new_id()
            allocation_rows.append(
                {
                    "id": allocation_id,
                    "payment_id": payment_id,
                    "receivable_id": receivable.receivable_id,
                    "invoice_id": receivable.invoice_id,
                    "amount": allocation.amount,
                }
            )
            subject = str(receivable.invoice_id)
            events.append(
                (
                    contracts.PaymentAllocated(
                        allocation_id=str(allocation_id),
                        payment_id=str(payment_id),
                        account_id=account,
                        invoice_id=subject,
                        currency=currency,
                        amount=allocation.amount,
                        invoice_amount_paid=receivable.amount_paid,
                        invoice_balance=receivable.balance,
                    ),
                    account,
                    subject,
                )
            )
            if receivable.balance == 0:
                receivable.paid_on = item.received_on
                del balances[allocation.invoice_id]  # settled: later payments skip it
                result.invoices_paid += 1
                events.append(
                    (
                        contracts.InvoicePaid(
                            invoice_id=subject,
                            account_id=account,
                            currency=currency,
                            amount_paid=receivable.amount_paid,
                            paid_on=item.received_on,
                        ),
                        account,
                        subject,
                    )
                )
        allocated = amount - unallocated
        payment_rows.append(
            {
                "id": payment_id,
                "account_id": item.account_id,
                "currency": currency,
                "amount": amount,
                "allocated": allocated,
                "unallocated": unallocated,
                "refunded": zero(currency),
                "method": item.method,
                "reference": item.reference,
                "received_on": item.received_on,
            }
        )
        result.payment_ids.append(payment_id)
        result.allocations += len(allocations)

    await repository.insert_payments(session, payment_rows, allocation_rows)
    await repository.set_receivable_payments(
        session,
        [
            {
                "receivable_id": receivable.receivable_id,
                "amount_paid": receivable.amount_paid,
                "balance": receivable.balance,
                "status": ReceivableStatus.PAID
                if receivable.balance == 0
                else ReceivableStatus.OPEN,
                "paid_on": receivable.paid_on,
            }
            for receivable in touched.values()
        ],
    )
    await enqueue_built(
        session,
        [
            (build_event(session, data, subject=subject), data.topic, key)
            for data, key, subject in events
        ],
    )
    return result


async def _open_balances(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], dict[str, _OpenBalance]]:
    """The accounts' open receivables, locked, by (account, currency) and invoice id."""
    grouped: dict[tuple[uuid.UUID, str], dict[str, _OpenBalance]] = defaultdict(dict)
    for row in await repository.lock_open_receivables_of(session, account_ids):
        grouped[(row.account_id, row.currency)][str(row.invoice_id)] = _OpenBalance(
            receivable_id=row.id,
            invoice_id=row.invoice_id,
            account_id=row.account_id,
            currency=row.currency,
            invoice_date=row.invoice_date,
            due_date=row.due_date,
            amount_paid=row.amount_paid,
            balance=row.balance,
        )
    return grouped
