"""The AR reports' arithmetic: aging buckets, customer statements, cash receipts by day.

Pure: plain rows in (the repository reads them as of a date), figures out; no session, no clock.
Amounts are already in their currency's minor units, so reporting only adds and subtracts; no
figure of one currency is ever added to another's.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class AgingBucket(StrEnum):
    """How far past its due date an open balance is, on the report's `as_of` date."""

    CURRENT = "current"
    """Not yet due: due on or after `as_of`."""
    DAYS_1_30 = "1_30"
    DAYS_31_60 = "31_60"
    DAYS_61_90 = "61_90"
    OVER_90 = "over_90"


# The last day past due of each bucket, in order; anything later is over 90.
_BUCKET_LIMITS = (
    (0, AgingBucket.CURRENT),
    (30, AgingBucket.DAYS_1_30),
    (60, AgingBucket.DAYS_31_60),
    (90, AgingBucket.DAYS_61_90),
)


def days_past_due(due_date: date, as_of: date) -> int:
    """0 on the due date itself (still current), 1 the day after; negative before it."""
    return (as_of - due_date).days


def aging_bucket(days: int) -> AgingBucket:
    """The bucket of a balance `days` past due (<= 0: current; 1-30; 31-60; 61-90; over 90)."""
    for last_day, bucket in _BUCKET_LIMITS:
        if days <= last_day:
            return bucket
    return AgingBucket.OVER_90


@dataclass(frozen=True)
class OpenBalance:
    """What one invoice still owed at the report's date."""

    account_id: str
    currency: str
    due_date: date
    balance: Decimal


@dataclass
class AgingRow:
    """Open balances of one account (or of the whole report) in one currency, by bucket."""

    currency: str
    buckets: dict[AgingBucket, Decimal]
    account_id: str | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))


@dataclass(frozen=True)
class Aging:
    as_of: date
    accounts: list[AgingRow]
    """One row per account and currency, by currency then account id."""
    totals: list[AgingRow]
    """One row per currency, the sums of its accounts' rows."""


def _empty_buckets() -> dict[AgingBucket, Decimal]:
    return dict.fromkeys(AgingBucket, Decimal(0))


def age(balances: Iterable[OpenBalance], *, as_of: date) -> Aging:
    """Sort each open balance into its bucket at `as_of`, summed per account and currency.

    Balances of zero or less owe nothing and are left out (an account appears only when it owes
    something).
    """
    accounts: dict[tuple[str, str], AgingRow] = {}
    totals: dict[str, AgingRow] = {}
    for item in balances:
        if item.balance <= 0:
            continue
        bucket = aging_bucket(days_past_due(item.due_date, as_of))
        key = (item.currency, item.account_id)
        if key not in accounts:
            accounts[key] = AgingRow(item.currency, _empty_buckets(), item.account_id)
        if item.currency not in totals:
            totals[item.currency] = AgingRow(item.currency, _empty_buckets())
        accounts[key].buckets[bucket] += item.balance
        totals[item.currency].buckets[bucket] += item.balance
    return Aging(
        as_of=as_of,
        accounts=[accounts[key] for key in sorted(accounts)],
        totals=[totals[currency] for currency in sorted(totals)],
    )


class StatementEntryType(StrEnum):
    """A statement line's kind, in the order lines of the same day are listed: `invoice` and
    `refund` raise what the customer owes, `credit_note` and `payment` lower it."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REFUND = "refund"


# What each kind does to what the customer owes: invoices and refunds raise it, credit notes and
# payments lower it.
_SIGNS = {
    StatementEntryType.INVOICE: 1,
    StatementEntryType.CREDIT_NOTE: -1,
    StatementEntryType.PAYMENT: -1,
    StatementEntryType.REFUND: 1,
}
_ORDER = {kind: position for position, kind in enumerate(StatementEntryType)}


@dataclass(frozen=True)
class StatementItem:
    """One dated document of the account's history; `amount` is positive."""

    type: StatementEntryType
    entry_date: date
    document_id: str
    number: str | None
    amount: Decimal
    due_date: date | None = None
    detail: str | None = None
    """What else identifies it (a payment's method, the invoice a credit note credits)."""

    @property
    def signed_amount(self) -> Decimal:
        """What it adds to the balance owed."""
        return self.amount * _SIGNS[self.type]


@dataclass(frozen=True)
class StatementLine:
    item: StatementItem
    balance: Decimal
    """The running balance after this line."""


@dataclass(frozen=True)
class Statement:
    period_start: date
    period_end: date
    opening_balance: Decimal
    """Owed at the end of the day before `period_start`."""
    lines: list[StatementLine]
    closing_balance: Decimal
    """Owed at the end of `period_end`: the opening balance plus every line."""
    totals: dict[StatementEntryType, Decimal] = field(default_factory=dict)
    """The period's sum of each kind (positive)."""


def _statement_order(item: StatementItem) -> tuple[date, int, str, str]:
    return (item.entry_date, _ORDER[item.type], item.number or "", item.document_id)


def build_statement(
    items: Iterable[StatementItem],
    *,
    period_start: date,
    period_end: date,
) -> Statement:
    """The account's statement for the period: the balance before it, each document in it with
    the running balance, and the balance at its end.

    The balance is what the customer owes net of their unused credit: invoices - credit notes
    - payments + refunds. Items after `period_end` are ignored; the ones before `period_start`
    make the opening balance. Lines run by date, then invoices, credit notes, payments and
    refunds, then by number.
    """
    if period_start > period_end:
        raise ValueError(f"the period starts ({period_start}) after it ends ({period_end})")
    opening = Decimal(0)
    in_period = []
    for item in items:
        if item.entry_date < period_start:
            opening += item.signed_amount
        elif item.entry_date <= period_end:
            in_period.append(item)
    balance = opening
    lines = []
    totals = dict.fromkeys(StatementEntryType, Decimal(0))
    for item in sorted(in_period, key=_statement_order):
        balance += item.signed_amount
        totals[item.type] += item.amount
        lines.append(StatementLine(item=item, balance=balance))
    return Statement(
        period_start=period_start,
        period_end=period_end,
        opening_balance=opening,
        lines=lines,
        closing_balance=balance,
        totals=totals,
    )


@dataclass(frozen=True)
class ReceiptGroup:
    """Payments of one day, currency and method: how many and how much."""

    received_on: date
    currency: str
    method: str
    count: int
    amount: Decimal


@dataclass
class Receipts:
    """Payments of one day (or of the whole range, `received_on` None) in one currency."""

    received_on: date | None
    currency: str
    count: int
    amount: Decimal
    by_method: dict[str, tuple[int, Decimal]]
    """Method: (count, amount), by method name."""


@dataclass(frozen=True)
class CashReceipts:
    days: list[Receipts]
    """By day, then currency; days without receipts are left out."""
    totals: list[Receipts]
    """One per currency, the whole range."""


def cash_receipts(groups: Iterable[ReceiptGroup]) -> CashReceipts:
    """Fold (day, currency, method) groups into days and range totals, per currency."""
    days: dict[tuple[date, str], Receipts] = {}
    totals: dict[str, Receipts] = {}
    for group in groups:
        day_key = (group.received_on, group.currency)
        for receipts in (
            days.setdefault(
                day_key, Receipts(group.received_on, group.currency, 0, Decimal(0), {})
            ),
            totals.setdefault(group.currency, Receipts(None, group.currency, 0, Decimal(0), {})),
        ):
            receipts.count += group.count
            receipts.amount += group.amount
            count, amount = receipts.by_method.get(group.method, (0, Decimal(0)))
            receipts.by_method[group.method] = (count + group.count, amount + group.amount)
    for receipts in [*days.values(), *totals.values()]:
        receipts.by_method = dict(sorted(receipts.by_method.items()))
    return CashReceipts(
        days=[days[key] for key in sorted(days)],
        totals=[totals[currency] for currency in sorted(totals)],
    )
