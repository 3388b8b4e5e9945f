"""Payment allocation: which open invoices a payment settles, and how much of each.

Pure: amounts and balances in, allocations out; the caller locks the invoices (in a fixed order)
and writes the result. Amounts are already in the currency's minor units, so allocating is only
subtraction and never needs rounding.

Without explicit allocations a payment goes to the oldest debt first (CONTRACT.md: "oldest due
date first"); ties break on the invoice date and then the invoice id, so that the same payment
against the same invoices always allocates the same way, whatever order the database returned.
What is left over stays unallocated: the account's credit balance. That credit pays the
account's next invoice, oldest payment first (`credit_draws`).

A receivable's balance moves only through `OpenReceivable.pay`, which also decides when it is
settled: the one place a receivable's state changes while payments are applied.
"""

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: str
    due_date: date
    invoice_date: date
    balance: Decimal
    """What is still owed on the invoice."""


@dataclass(frozen=True)
class Allocation:
    invoice_id: str
    amount: Decimal


@dataclass(slots=True)
class OpenReceivable:
    """A receivable's running state while payments are applied to it."""

    receivable_id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_key: str
    """`invoice_id` as text: the allocations' key and the events' subject."""
    account_id: uuid.UUID
    currency: str
    invoice_date: date
    due_date: date
    amount_paid: Decimal
    balance: Decimal
    paid_on: date | None = None

    def open_invoice(self) -> OpenInvoice:
        return OpenInvoice(
            invoice_id=self.invoice_key,
            due_date=self.due_date,
            invoice_date=self.invoice_date,
            balance=self.balance,
        )

    def pay(self, amount: Decimal, on: date) -> bool:
        """Take `amount` off what is owed; True when that settles the receivable, paid `on`."""
        self.amount_paid += amount
        self.balance -= amount
        if self.balance == 0:
            self.paid_on = on
            return True
        return False

    def unpay(self, amount: Decimal) -> None:
        """Give back `amount` of what payments covered: it is owed again, and the receivable is
        open (not paid on any day) whatever it was."""
        self.amount_paid -= amount
        self.balance += amount
        self.paid_on = None


@dataclass(frozen=True)
class Credit:
    """A payment's unallocated money: what it can still pay."""

    payment_id: uuid.UUID
    received_on: date
    unallocated: Decimal


def credit_draws(balance: Decimal, credits: Iterable[Credit]) -> list[tuple[Credit, Decimal]]:
    """How a new balance is paid from the account's credit: oldest payment first (ties on the
    payment id), each giving at most its unallocated money, until the balance is covered."""
    draws: list[tuple[Credit, Decimal]] = []
    remaining = balance
    for credit in sorted(credits, key=lambda credit: (credit.received_on, credit.payment_id)):
        if remaining <= 0:
            break
        if credit.unallocated <= 0:
            continue
        amount = min(credit.unallocated, remaining)
        draws.append((credit, amount))
        remaining -= amount
    return draws


_oldest_first = attrgetter("due_date", "invoice_date", "invoice_id")
"""The order debt is paid in: due date, then invoice date, then invoice id (the same order
whatever order the invoices came in)."""


def allocate_oldest_first(
    amount: Decimal, open_invoices: Iterable[OpenInvoice]
) -> tuple[list[Allocation], Decimal]:
    """Spread `amount` over the invoices, oldest due date first; returns (allocations, unallocated).

    Each invoice gets at most its balance, so only the last allocation can be partial. Invoices
    with nothing owed (zero, or a negative balance after a credit note) are skipped rather than
    allocated zero. Sum of the allocations + unallocated == amount, always.
    """
    if amount < 0:
        raise ValueError(f"a payment amount cannot be negative, got {amount}")
    invoices = sorted(open_invoices, key=_oldest_first)
    if len({invoice.invoice_id for invoice in invoices}) < len(invoices):
        # One invoice listed twice would be paid twice over; the caller's query is wrong.
        duplicated = _repeated(invoice.invoice_id for invoice in invoices)
        raise ValueError(f"invoices listed more than once: {', '.join(duplicated)}")

    allocations: list[Allocation] = []
    remaining = amount
    for invoice in invoices:
        if remaining <= 0:
            break
        if invoice.balance <= 0:
            continue
        applied = min(remaining, invoice.balance)
        allocations.append(Allocation(invoice_id=invoice.invoice_id, amount=applied))
        remaining -= applied
    return allocations, remaining


def check_explicit_allocations(
    amount: Decimal, requested: list[Allocation], balances: dict[str, Decimal]
) -> list[str]:
    """The problems with allocations a payer asked for, in words a payer can act on; [] when fine.

    `balances` holds what is still owed per invoice the payment may go to (the account's open
    invoices, same currency); an invoice missing from it is unknown. All problems are reported at
    once, so a client fixes the request in one go rather than one error per attempt.
    """
    problems: list[str] = []
    for invoice_id in _repeated(allocation.invoice_id for allocation in requested):
        problems.append(f"invoice {invoice_id} is allocated more than once; combine the amounts")
    for allocation in requested:
        invoice_id = allocation.invoice_id
        if allocation.amount <= 0:
            problems.append(
                f"the allocation to invoice {invoice_id} must be positive, got {allocation.amount}"
            )
        if invoice_id not in balances:
            problems.append(f"invoice {invoice_id} is not an open invoice of this account")
        elif allocation.amount > balances[invoice_id]:
            problems.append(
                f"the allocation to invoice {invoice_id} ({allocation.amount}) is more than its "
                f"balance ({balances[invoice_id]})"
            )
    allocated = sum((allocation.amount for allocation in requested), Decimal(0))
    if allocated > amount:
        problems.append(f"the allocations add up to {allocated}, more than the payment ({amount})")
    return problems


def _repeated(invoice_ids: Iterable[str]) -> list[str]:
    """Invoice ids that occur more than once, each named once, in order of first appearance."""
    return [invoice_id for invoice_id, count in Counter(invoice_ids).items() if count > 1]
