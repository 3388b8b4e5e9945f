"""Dunning levels: which payment reminder an overdue invoice is due for on a given day.

Pure: dates and levels in, a level out; no session, no clock. A dunning run (dunning/service.py)
asks this module about every open overdue invoice and records what it answers.

The rules (docs/adr/0012-dunning.md):
- An invoice reaches level 1, 7, 14 and 30 when it is that many days past due (the day after the
  due date is 1 day past due). Before day 1 it is reminded of nothing.
- A run reminds an invoice of the highest level it has reached, and only when that level is
  higher than every level it was reminded of already: never the same level twice, never a lower
  one after a higher one.
- A level passed over (no run happened while the invoice was at it) is not sent later: an
  invoice first seen 20 days past due gets level 14 only, and level 30 when it gets there. One
  reminder per run and invoice, the one that matches how late the invoice is now; a customer
  never receives the friendly day-1 reminder about an invoice three weeks overdue.
- Paid invoices are reminded of nothing (`notices_due` leaves out every invoice whose balance
  is zero).
"""

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

LEVELS = (1, 7, 14, 30)
"""Days past due at which each reminder is sent, in increasing order."""


def days_past_due(due_date: date, as_of: date) -> int:
    """0 on the due date itself (not yet overdue), 1 the day after; negative before it."""
    return (as_of - due_date).days


def level_reached(due_date: date, as_of: date) -> int | None:
    """The highest dunning level an invoice due on `due_date` has reached on `as_of`; None
    while it is less than a day past due."""
    days = days_past_due(due_date, as_of)
    reached = [level for level in LEVELS if days >= level]
    return reached[-1] if reached else None


def notice_due(due_date: date, as_of: date, levels_already_sent: Collection[int]) -> int | None:
    """The level to remind an open invoice of on `as_of`: the highest one it has reached, if it
    is higher than every level in `levels_already_sent` (every level recorded for the invoice,
    whether its mail went out yet or not); otherwise None."""
    reached = level_reached(due_date, as_of)
    if reached is None or any(sent >= reached for sent in levels_already_sent):
        return None
    return reached


@dataclass(frozen=True)
class DunnableInvoice:
    """What a run needs to know of one receivable."""

    invoice_id: uuid.UUID
    due_date: date
    balance: Decimal
    levels_already_sent: frozenset[int] = frozenset()


@dataclass(frozen=True)
class NoticeDue:
    invoice: DunnableInvoice
    level: int
    days_past_due: int


def notices_due(invoices: Iterable[DunnableInvoice], as_of: date) -> list[NoticeDue]:
    """The reminders a run on `as_of` records: at most one per invoice that still owes money."""
    due = []
    for invoice in invoices:
        if invoice.balance <= 0:
            continue
        level = notice_due(invoice.due_date, as_of, invoice.levels_already_sent)
        if level is not None:
            due.append(NoticeDue(invoice, level, days_past_due(invoice.due_date, as_of)))
    return due
