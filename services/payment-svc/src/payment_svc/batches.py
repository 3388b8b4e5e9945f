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
whole batch is one transaction: it is recorded entirely or not at all. Its events are written
as JSON directly rather than through a model per event (`outbox.enqueue_json`), Python yields
to the event loop every `_PAYMENTS_PER_STEP` payments so that another batch's statements go on
meanwhile, and the garbage collector is kept off the process's long-lived objects while
batches go (`q2c_shared.collector`).
"""

import asyncio
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
from q2c_shared.collector import collector_spared
from q2c_shared.events import contracts
from q2c_shared.ids import new_id
from q2c_shared.money import plain_decimal, round_money, zero
from q2c_shared.outbox import JsonEvent, enqueue_json


@dataclass(slots=True)
class _OpenBalance:
    """A receivable's running state while the batch allocates."""

    receivable_id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_key: str
    """`invoice_id` as text: the allocation's key and the events' subject."""
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
    with collector_spared(_YOUNG_OBJECTS_PER_COLLECTION):
        return await _record(session, items)


async def _record(session: AsyncSession, items: Sequence[PaymentBatchItem]) -> BatchResult:
    account_ids = sorted({item.account_id for item in items})
    await repository.lock_accounts(session, account_ids)
    open_balances = await _open_balances(session, account_ids)

    result = BatchResult()
    payment_rows: list[dict[str, Any]] = []
    allocation_rows: list[dict[str, Any]] = []
    # In the order they happen, their data in the contracts' JSON form.
    events: list[JsonEvent] = []
    touched: dict[uuid.UUID, _OpenBalance] = {}
    for position, item in enumerate(items, start=1):
        if position % _PAYMENTS_PER_STEP == 0:
            await asyncio.sleep(0)  # see _PAYMENTS_PER_STEP
        currency = item.currency
        amount = round_money(item.amount, currency)
        payment_id = new_id()
        payment = str(payment_id)
        account = str(item.account_id)
        received_on = item.received_on
        events.append(
            JsonEvent(
                contracts.PaymentReceived,
                payment_received_json(payment, account, amount, item),
                account,
                payment,
            )
        )
        balances = open_balances[(item.account_id, currency)]
        allocations, unallocated = allocate_oldest_first(
            amount,
            [
                OpenInvoice(
                    invoice_id=open_balance.invoice_key,
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
            subject = receivable.invoice_key
            events.append(
                JsonEvent(
                    contracts.PaymentAllocated,
                    payment_allocated_json(
                        str(allocation_id),
                        payment,
                        account,
                        currency,
                        allocation.amount,
                        receivable,
                    ),
                    account,
                    subject,
                )
            )
            if receivable.balance == 0:
                receivable.paid_on = received_on
                del balances[allocation.invoice_id]  # settled: later payments skip it
                result.invoices_paid += 1
                events.append(
                    JsonEvent(
                        contracts.InvoicePaid,
                        invoice_paid_json(account, currency, receivable, received_on),
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
                "received_on": received_on,
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
    await enqueue_json(session, events)
    return result


_PAYMENTS_PER_STEP = 100
"""Payments allocated between two yields to the event loop: the process's other batches send
their next statement in between, so PostgreSQL writes one batch while Python works out another,
rather than wait for it."""


_YOUNG_OBJECTS_PER_COLLECTION = 100_000
"""The threshold of the collector's youngest generation while batches go (700 by default): a
batch of 1,000 payments makes some 70,000 objects and keeps them until its COPYs, so at this
threshold they are walked about once (`q2c_shared.collector`)."""


# The batch's events are written by `outbox.enqueue_json`, their data in the contracts' JSON
# form (`payment_received_json` and the others) rather than through a model per event, which
# took some 40% of a batch's CPU. tests/test_payment_batch_events.py holds the data to the
# models' output.


def payment_received_json(
    payment_id: str, account_id: str, amount: Decimal, item: PaymentBatchItem
) -> dict[str, Any]:
    """`PaymentReceived` of the batch item recorded as payment `payment_id`."""
    return {
        "payment": {
            "id": payment_id,
            "account_id": account_id,
            "amount": plain_decimal(amount),
            "currency": item.currency,
            "method": str(item.method),
            "reference": item.reference,
            "received_on": item.received_on.isoformat(),
        }
    }


def payment_allocated_json(
    allocation_id: str,
    payment_id: str,
    account_id: str,
    currency: str,
    amount: Decimal,
    receivable: _OpenBalance,
) -> dict[str, Any]:
    """`PaymentAllocated` of `amount` to the receivable, as it stands after the allocation."""
    return {
        "allocation_id": allocation_id,
        "payment_id": payment_id,
        "account_id": account_id,
        "invoice_id": receivable.invoice_key,
        "currency": currency,
        "amount": plain_decimal(amount),
        "invoice_amount_paid": plain_decimal(receivable.amount_paid),
        "invoice_balance": plain_decimal(receivable.balance),
    }


def invoice_paid_json(
    account_id: str, currency: str, receivable: _OpenBalance, paid_on: date
) -> dict[str, Any]:
    """`InvoicePaid` of the receivable, settled on `paid_on`."""
    return {
        "invoice_id": receivable.invoice_key,
        "account_id": account_id,
        "currency": currency,
        "amount_paid": plain_decimal(receivable.amount_paid),
        "paid_on": paid_on.isoformat(),
    }


async def _open_balances(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], dict[str, _OpenBalance]]:
    """The accounts' open receivables, locked, by (account, currency) and invoice id."""
    grouped: dict[tuple[uuid.UUID, str], dict[str, _OpenBalance]] = defaultdict(dict)
    for (
        receivable_id,
        invoice_id,
        account_id,
        currency,
        invoice_date,
        due_date,
        amount_paid,
        balance,
    ) in await repository.lock_open_receivables_of(session, account_ids):
        invoice_key = str(invoice_id)
        grouped[(account_id, currency)][invoice_key] = _OpenBalance(
            receivable_id=receivable_id,
            invoice_id=invoice_id,
            invoice_key=invoice_key,
            account_id=account_id,
            currency=currency,
            invoice_date=invoice_date,
            due_date=due_date,
            amount_paid=amount_paid,
            balance=balance,
        )
    return grouped
