"""The one write path of payment application: every payment recorded or applied goes here.

`POST /v1/payments` (a batch of one, with or without explicit allocations), payment batches, the
Stripe webhook (a batch of one paying its invoice), a credit note's excess (a `credit_note`
payment of one) and an invoice drawing on the account's credit (its credit payments applied to
it) all call `apply_payments`. Each payment applies to its account's open invoices in its
currency: to those it names (`allocations`), else oldest due date first
(`core.allocation.allocate_oldest_first`), the rest kept as the account's credit. Payments of
one account apply in the order given, each seeing the balances the one before left.

What makes it fast is how it reads and writes, not what it decides: the accounts are locked in
one statement (`locks.lock_accounts`), their open receivables are read and locked in one
query, allocation runs in memory, new payments are written in one INSERT, allocations and
outbox rows with COPY, receivables and credit payments with one `UPDATE ... FROM unnest` each.
All of it is the caller's transaction: recorded entirely or not at all. Its events come from
`events.py`, written by `outbox.enqueue_json`. Python yields to the event loop every
`_PAYMENTS_PER_STEP` payments so that another batch's statements go on meanwhile, and the
garbage collector is kept off the process's long-lived objects while it runs
(`q2c_shared.collector`).
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc import events
from payment_svc.core.allocation import (
    Allocation,
    OpenReceivable,
    allocate_oldest_first,
    check_explicit_allocations,
)
from payment_svc.errors import GatewayPaymentExists, InvalidAllocations
from payment_svc.locks import lock_accounts
from payment_svc.payments import repository
from payment_svc.statuses import PaymentMethod, ReceivableStatus
from q2c_shared.collector import collector_spared
from q2c_shared.ids import new_ids
from q2c_shared.money import round_money, zero
from q2c_shared.outbox import JsonEvent, enqueue_json


@dataclass(frozen=True, slots=True, kw_only=True)
class NewPayment:
    """Money received (or a credit note's excess, method `credit_note`) to record and apply."""

    account_id: uuid.UUID
    currency: str
    amount: Decimal
    method: PaymentMethod
    reference: str | None
    received_on: date
    """When the money arrived: also the day the invoices it settles are paid on."""
    allocations: Sequence[Allocation] | None = None
    """The invoices to pay and how much of each; None: oldest due date first."""
    gateway: str | None = None
    gateway_reference: str | None = None
    source_credit_note_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditApplication:
    """Unallocated money of a recorded payment, applied to the invoices named."""

    payment_id: uuid.UUID
    account_id: uuid.UUID
    currency: str
    allocations: Sequence[Allocation]
    applied_on: date
    """The day the invoices it settles are paid on."""


PaymentItem = NewPayment | CreditApplication


@dataclass
class AppliedPayments:
    payment_ids: list[uuid.UUID] = field(default_factory=list)
    """The new payments' ids, in the order given."""
    allocations: int = 0
    invoices_paid: int = 0


AccountCheck = Callable[[AsyncSession, list[uuid.UUID], set[uuid.UUID]], Awaitable[None]]
"""Refuses payments of unknown accounts: given the items' accounts in order and those already
known to have open receivables (`references.check_accounts`)."""


async def apply_payments(
    session: AsyncSession,
    items: Sequence[PaymentItem],
    *,
    check_accounts: AccountCheck | None = None,
) -> AppliedPayments:
    """Record and apply the payments (see the module docstring); flushes, never commits.

    Explicit allocations the account's open invoices cannot take: `InvalidAllocations` (422),
    every problem named. A gateway payment recorded already (UNIQUE (gateway,
    gateway_reference)): `GatewayPaymentExists`, raised before anything but the other new
    payments is written, so a batch of one leaves the transaction as it found it.
    `check_accounts` (payments received over the API) runs before anything is written, told
    which accounts the open receivables just read show to be known: only the others cost a
    query (an account paying its open invoices, the usual case, costs none).
    """
    with collector_spared(_YOUNG_OBJECTS_PER_COLLECTION):
        return await _apply(session, items, check_accounts)


async def _apply(
    session: AsyncSession, items: Sequence[PaymentItem], check_accounts: AccountCheck | None
) -> AppliedPayments:
    await session.flush()  # the ORM's pending changes first: read below with plain SQL
    account_ids = {item.account_id for item in items}
    await lock_accounts(session, account_ids)
    open_receivables = await _open_receivables(session, account_ids)
    if check_accounts is not None:
        owing = {account_id for account_id, _ in open_receivables}
        await check_accounts(session, [item.account_id for item in items], owing)

    ids = _ids_in_blocks()
    result = AppliedPayments()
    payment_rows: list[dict[str, Any]] = []
    allocation_rows: list[dict[str, Any]] = []
    credit_changes: list[dict[str, Any]] = []
    # In the order they happen.
    outbox: list[JsonEvent] = []
    touched: dict[uuid.UUID, OpenReceivable] = {}
    for position, item in enumerate(items, start=1):
        if position % _PAYMENTS_PER_STEP == 0:
            await asyncio.sleep(0)  # see _PAYMENTS_PER_STEP
        currency = item.currency
        account = str(item.account_id)
        balances = open_receivables[(item.account_id, currency)]
        if type(item) is NewPayment:
            payment_id = next(ids)
            amount = round_money(item.amount, currency)
            applied_on = item.received_on
            if item.method != PaymentMethod.CREDIT_NOTE:  # a credit note's excess is no money
                outbox.append(
                    events.payment_received(
                        payment_id=str(payment_id),
                        account_id=account,
                        amount=amount,
                        currency=currency,
                        method=item.method,
                        reference=item.reference,
                        received_on=item.received_on,
                    )
                )
        else:
            payment_id = item.payment_id
            amount = sum((allocation.amount for allocation in item.allocations), zero(currency))
            applied_on = item.applied_on
        payment = str(payment_id)
        if item.allocations is None:
            allocations, _ = allocate_oldest_first(
                amount, [receivable.open_invoice() for receivable in balances.values()]
            )
        else:
            allocations = list(item.allocations)
            problems = check_explicit_allocations(
                amount,
                allocations,
                {key: receivable.balance for key, receivable in balances.items()},
            )
            if problems:
                raise InvalidAllocations(
                    "The allocations cannot be applied: " + "; ".join(problems) + "."
                )
        allocated = zero(currency)
        for allocation in allocations:
            receivable = balances[allocation.invoice_id]
            settled = receivable.pay(allocation.amount, applied_on)
            allocated += allocation.amount
            touched[receivable.receivable_id] = receivable
            allocation_id = next(ids)
            allocation_rows.append(
                {
                    "id": allocation_id,
                    "payment_id": payment_id,
                    "receivable_id": receivable.receivable_id,
                    "invoice_id": receivable.invoice_id,
                    "amount": allocation.amount,
                }
            )
            outbox.append(
                events.payment_allocated(
                    allocation_id=str(allocation_id),
                    payment_id=payment,
                    account_id=account,
                    amount=allocation.amount,
                    receivable=receivable,
                )
            )
            if settled:
                del balances[allocation.invoice_id]  # settled: later payments skip it
                result.invoices_paid += 1
                outbox.append(
                    events.invoice_paid(
                        account_id=account, receivable=receivable, paid_on=applied_on
                    )
                )
        result.allocations += len(allocations)
        if type(item) is NewPayment:
            payment_rows.append(
                {
                    "id": payment_id,
                    "account_id": item.account_id,
                    "currency": currency,
                    "amount": amount,
                    "allocated": allocated,
                    "unallocated": amount - allocated,
                    "refunded": zero(currency),
                    "method": item.method,
                    "reference": item.reference,
                    "received_on": item.received_on,
                    "gateway": item.gateway,
                    "gateway_reference": item.gateway_reference,
                    "source_credit_note_id": item.source_credit_note_id,
                }
            )
            result.payment_ids.append(payment_id)
        elif allocated:
            credit_changes.append({"payment_id": payment_id, "allocated": allocated})

    if payment_rows:
        recorded = await repository.insert_payments(session, payment_rows)
        if len(recorded) < len(payment_rows):
            clash = next(row for row in payment_rows if row["id"] not in recorded)
            raise GatewayPaymentExists(
                f"The {clash['gateway']} payment {clash['gateway_reference']} is recorded."
            )
    await repository.insert_allocations(session, allocation_rows)
    await repository.add_allocated(session, credit_changes)
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
    await enqueue_json(session, outbox)
    return result


_PAYMENTS_PER_STEP = 100
"""Payments allocated between two yields to the event loop: the process's other batches send
their next statement in between, so PostgreSQL writes one batch while Python works out another,
rather than wait for it."""


def _ids_in_blocks() -> Iterator[uuid.UUID]:
    """New ids for the payments and allocations, in the order they are made, drawn
    `_IDS_PER_BLOCK` at a time: one `new_ids` call per block instead of one per row (a batch of
    1,000 payments makes some 3,000 ids). An id drawn and not used is never seen."""
    while True:
        yield from new_ids(_IDS_PER_BLOCK)


_IDS_PER_BLOCK = 512


_YOUNG_OBJECTS_PER_COLLECTION = 100_000
"""The threshold of the collector's youngest generation while payments apply (700 by
default): a batch of 1,000 payments makes some 70,000 objects and keeps them until its COPYs,
so at this threshold they are walked about once (`q2c_shared.collector`)."""


async def _open_receivables(
    session: AsyncSession, account_ids: Iterable[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], dict[str, OpenReceivable]]:
    """The accounts' open receivables, locked, by (account, currency) and invoice id."""
    grouped: dict[tuple[uuid.UUID, str], dict[str, OpenReceivable]] = defaultdict(dict)
    for (
        receivable_id,
        invoice_id,
        account_id,
        currency,
        invoice_date,
        due_date,
        amount_paid,
        balance,
    ) in await repository.lock_open_receivables_of(session, sorted(account_ids)):
        invoice_key = str(invoice_id)
        # Positional, in the fields' order: built for every open receivable of the accounts.
        grouped[(account_id, currency)][invoice_key] = OpenReceivable(
            receivable_id,
            invoice_id,
            invoice_key,
            account_id,
            currency,
            invoice_date,
            due_date,
            amount_paid,
            balance,
        )
    return grouped
