"""The journal export's rules: what each receivable, credit note, payment, allocation and refund
means in double-entry bookkeeping, for the general ledger to import.

Pure: plain records in, balanced entries out; no session, no clock. Every entry balances by
construction (each rule splits one amount into parts that add back up to it), so every range of
entries balances too, per currency.

The chart of accounts is fixed here, one constant per ledger account; a general ledger maps
these codes onto its own chart when it imports the export:

| code | ledger account      | kind      | holds                                                   |
|------|---------------------|-----------|---------------------------------------------------------|
| 1000 | Cash                | asset     | money received, less money refunded                     |
| 1100 | Accounts Receivable | asset     | what customers owe on posted invoices                   |
| 2200 | Tax Payable         | liability | tax invoiced, less tax credited                         |
| 2300 | Unapplied Cash      | liability | money received that pays no invoice yet                 |
| 2400 | Customer Credits    | liability | credit notes' excess over their invoices' balances      |
| 4000 | Revenue             | income    | invoiced before tax, less credited before tax           |

The entries (Dr debit / Cr credit), each dated by its source:

- invoice posted (invoice date): Dr 1100 total / Cr 4000 subtotal, Cr 2200 tax total.
- credit note issued (issue date): Dr 4000 subtotal, Dr 2200 tax total / Cr 1100 what it took
  off its invoice's balance (`applied`), Cr 2400 the rest (`excess`, the account's credit).
- payment received (received on; not the `credit_note` method, which is no money): Dr 1000
  amount / Cr 1100 what it paid when it was recorded, Cr 2300 the rest.
- a later allocation (unapplied cash or a customer credit paying an invoice): Dr 2300 (2400 for
  a `credit_note` payment) / Cr 1100.
- an allocation unapplied: the reverse of its allocation, Dr 1100 / Cr 2300 (or 2400).
- a refund: Dr 2300 (or 2400) / Cr 1000.

When an allocation happened is the repository's to read (reports/repository.py): an
allocation made in the same transaction as its payment is dated the payment's `received_on`
(a payment recorded days after the money arrived still paid its invoices on arrival), a later
one the UTC day it was made, and neither before its payment arrived nor before its invoice's
date (money cannot pay an invoice that is not in the books yet); an unapplied one the UTC day it
was taken back (not before it was applied); a refund the UTC day it was made (not before its
payment arrived). The same dates make the AR aging's balances as of a date, so the journal's
Accounts Receivable of an account at the end of a day is what the aging shows it owes then.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True)
class LedgerAccount:
    code: str
    name: str


CASH = LedgerAccount("1000", "Cash")
ACCOUNTS_RECEIVABLE = LedgerAccount("1100", "Accounts Receivable")
TAX_PAYABLE = LedgerAccount("2200", "Tax Payable")
UNAPPLIED_CASH = LedgerAccount("2300", "Unapplied Cash")
CUSTOMER_CREDITS = LedgerAccount("2400", "Customer Credits")
REVENUE = LedgerAccount("4000", "Revenue")

CHART_OF_ACCOUNTS = (
    CASH,
    ACCOUNTS_RECEIVABLE,
    TAX_PAYABLE,
    UNAPPLIED_CASH,
    CUSTOMER_CREDITS,
    REVENUE,
)


class JournalSourceType(StrEnum):
    """What an entry books, in the order entries of the same day are listed."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    ALLOCATION = "allocation"
    ALLOCATION_UNAPPLIED = "allocation_unapplied"
    REFUND = "refund"


_SOURCE_ORDER = {source: position for position, source in enumerate(JournalSourceType)}


@dataclass(frozen=True)
class PostedInvoice:
    invoice_id: str
    number: str
    account_id: str
    currency: str
    invoice_date: date
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


@dataclass(frozen=True)
class IssuedCreditNote:
    credit_note_id: str
    number: str
    account_id: str
    currency: str
    issue_date: date
    subtotal: Decimal
    tax_total: Decimal
    applied: Decimal
    """Taken off its invoice's receivable."""
    excess: Decimal
    """The account's credit (a `credit_note` payment)."""


@dataclass(frozen=True)
class ReceivedPayment:
    """Money received: a payment of any method but `credit_note`."""

    payment_id: str
    reference: str | None
    method: str
    account_id: str
    currency: str
    received_on: date
    amount: Decimal


@dataclass(frozen=True)
class AppliedAllocation:
    """Part of a payment (or of a customer credit) applied to an invoice's receivable."""

    allocation_id: str
    payment_id: str
    payment_reference: str | None
    invoice_number: str
    account_id: str
    currency: str
    amount: Decimal
    from_credit: bool
    """Of a `credit_note` payment: a customer credit, not money received."""
    at_receipt: bool
    """Made with its payment and dated the payment's `received_on`: the payment's own entry
    books it, this allocation has none. Never true for a customer credit."""
    applied_on: date
    unapplied_on: date | None


@dataclass(frozen=True)
class PaymentRefund:
    refund_id: str
    payment_id: str
    payment_reference: str | None
    account_id: str
    currency: str
    amount: Decimal
    from_credit: bool
    """Of a `credit_note` payment: the customer's credit paid out."""
    refunded_on: date


@dataclass(frozen=True)
class JournalLine:
    ledger_account: LedgerAccount
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class JournalEntry:
    entry_id: str
    """`<source_type>:<source_id>`: the same in every export, so an import can skip what it
    already has."""
    entry_date: date
    source_type: JournalSourceType
    source_id: str
    source_number: str | None
    account_id: str
    """The customer account."""
    currency: str
    description: str
    lines: tuple[JournalLine, ...]

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal(0))

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal(0))


def _debit(account: LedgerAccount, amount: Decimal) -> JournalLine:
    """A debit of `amount`; a negative one is a credit (a negative subtotal, say)."""
    if amount < 0:
        return JournalLine(account, Decimal(0), -amount)
    return JournalLine(account, amount, Decimal(0))


def _credit(account: LedgerAccount, amount: Decimal) -> JournalLine:
    if amount < 0:
        return JournalLine(account, -amount, Decimal(0))
    return JournalLine(account, Decimal(0), amount)


def _entry(
    source_type: JournalSourceType,
    source_id: str,
    *,
    entry_date: date,
    source_number: str | None,
    account_id: str,
    currency: str,
    description: str,
    lines: Iterable[JournalLine],
) -> JournalEntry:
    return JournalEntry(
        entry_id=f"{source_type}:{source_id}",
        entry_date=entry_date,
        source_type=source_type,
        source_id=source_id,
        source_number=source_number,
        account_id=account_id,
        currency=currency,
        description=description,
        # A part of nothing (no tax, no excess) is no line.
        lines=tuple(line for line in lines if line.debit or line.credit),
    )


def invoice_entry(invoice: PostedInvoice) -> JournalEntry:
    return _entry(
        JournalSourceType.INVOICE,
        invoice.invoice_id,
        entry_date=invoice.invoice_date,
        source_number=invoice.number,
        account_id=invoice.account_id,
        currency=invoice.currency,
        description=f"Invoice {invoice.number}",
        lines=[
            _debit(ACCOUNTS_RECEIVABLE, invoice.total),
            _credit(REVENUE, invoice.subtotal),
            _credit(TAX_PAYABLE, invoice.tax_total),
        ],
    )


def credit_note_entry(credit_note: IssuedCreditNote) -> JournalEntry:
    return _entry(
        JournalSourceType.CREDIT_NOTE,
        credit_note.credit_note_id,
        entry_date=credit_note.issue_date,
        source_number=credit_note.number,
        account_id=credit_note.account_id,
        currency=credit_note.currency,
        description=f"Credit note {credit_note.number}",
        lines=[
            _debit(REVENUE, credit_note.subtotal),
            _debit(TAX_PAYABLE, credit_note.tax_total),
            _credit(ACCOUNTS_RECEIVABLE, credit_note.applied),
            _credit(CUSTOMER_CREDITS, credit_note.excess),
        ],
    )


def payment_entry(payment: ReceivedPayment, allocated_at_receipt: Decimal) -> JournalEntry:
    """`allocated_at_receipt`: what its at-receipt allocations paid (unapplied since or not)."""
    reference = f" {payment.reference}" if payment.reference else ""
    return _entry(
        JournalSourceType.PAYMENT,
        payment.payment_id,
        entry_date=payment.received_on,
        source_number=payment.reference,
        account_id=payment.account_id,
        currency=payment.currency,
        description=f"Payment{reference} ({payment.method})",
        lines=[
            _debit(CASH, payment.amount),
            _credit(ACCOUNTS_RECEIVABLE, allocated_at_receipt),
            _credit(UNAPPLIED_CASH, payment.amount - allocated_at_receipt),
        ],
    )


def _held_in(from_credit: bool) -> LedgerAccount:
    """Where a payment's unallocated money is booked."""
    return CUSTOMER_CREDITS if from_credit else UNAPPLIED_CASH


def _payment_label(from_credit: bool, reference: str | None) -> str:
    kind = "Credit" if from_credit else "Payment"
    return f"{kind} {reference}" if reference else kind


def allocation_entry(allocation: AppliedAllocation) -> JournalEntry:
    """A later allocation (not `at_receipt`): held money pays the invoice."""
    label = _payment_label(allocation.from_credit, allocation.payment_reference)
    return _entry(
        JournalSourceType.ALLOCATION,
        allocation.allocation_id,
        entry_date=allocation.applied_on,
        source_number=allocation.invoice_number,
        account_id=allocation.account_id,
        currency=allocation.currency,
        description=f"{label} applied to {allocation.invoice_number}",
        lines=[
            _debit(_held_in(allocation.from_credit), allocation.amount),
            _credit(ACCOUNTS_RECEIVABLE, allocation.amount),
        ],
    )


def unapplied_entry(allocation: AppliedAllocation) -> JournalEntry:
    """The allocation taken back: the invoice is owed again, the money held again."""
    assert allocation.unapplied_on is not None
    label = _payment_label(allocation.from_credit, allocation.payment_reference)
    return _entry(
        JournalSourceType.ALLOCATION_UNAPPLIED,
        allocation.allocation_id,
        entry_date=allocation.unapplied_on,
        source_number=allocation.invoice_number,
        account_id=allocation.account_id,
        currency=allocation.currency,
        description=f"{label} unapplied from {allocation.invoice_number}",
        lines=[
            _debit(ACCOUNTS_RECEIVABLE, allocation.amount),
            _credit(_held_in(allocation.from_credit), allocation.amount),
        ],
    )


def refund_entry(refund: PaymentRefund) -> JournalEntry:
    label = _payment_label(refund.from_credit, refund.payment_reference)
    return _entry(
        JournalSourceType.REFUND,
        refund.refund_id,
        entry_date=refund.refunded_on,
        source_number=refund.payment_reference,
        account_id=refund.account_id,
        currency=refund.currency,
        description=f"Refund of {label[0].lower()}{label[1:]}",
        lines=[
            _debit(_held_in(refund.from_credit), refund.amount),
            _credit(CASH, refund.amount),
        ],
    )


def journal(
    *,
    invoices: Iterable[PostedInvoice],
    credit_notes: Iterable[IssuedCreditNote],
    payments: Iterable[ReceivedPayment],
    allocations: Iterable[AppliedAllocation],
    refunds: Iterable[PaymentRefund],
    period_start: date,
    period_end: date,
) -> list[JournalEntry]:
    """The entries dated in the period (both days included), by date, then source type (as
    `JournalSourceType` lists them), then entry id.

    Records dated outside the period are ignored, so a caller may pass more than it has to;
    `allocations` must hold at least every allocation applied or unapplied in the period (the
    at-receipt ones tell each payment's entry what it paid on arrival). An entry with nothing
    to book (an invoice of zero) is left out.
    """
    if period_start > period_end:
        raise ValueError(f"the period starts ({period_start}) after it ends ({period_end})")
    allocations = list(allocations)
    allocated_at_receipt: dict[str, Decimal] = {}
    for allocation in allocations:
        if allocation.at_receipt:
            allocated_at_receipt[allocation.payment_id] = (
                allocated_at_receipt.get(allocation.payment_id, Decimal(0)) + allocation.amount
            )
    entries = [
        *(invoice_entry(invoice) for invoice in invoices),
        *(credit_note_entry(credit_note) for credit_note in credit_notes),
        *(
            payment_entry(payment, allocated_at_receipt.get(payment.payment_id, Decimal(0)))
            for payment in payments
        ),
        *(allocation_entry(allocation) for allocation in allocations if not allocation.at_receipt),
        *(
            unapplied_entry(allocation)
            for allocation in allocations
            if allocation.unapplied_on is not None
        ),
        *(refund_entry(refund) for refund in refunds),
    ]
    return sorted(
        (
            entry
            for entry in entries
            if entry.lines and period_start <= entry.entry_date <= period_end
        ),
        key=lambda entry: (entry.entry_date, _SOURCE_ORDER[entry.source_type], entry.entry_id),
    )


def totals_by_currency(entries: Iterable[JournalEntry]) -> dict[str, tuple[Decimal, Decimal]]:
    """(debits, credits) of the entries, per currency, by currency."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for entry in entries:
        debit, credit = totals.get(entry.currency, (Decimal(0), Decimal(0)))
        totals[entry.currency] = (debit + entry.debit, credit + entry.credit)
    return dict(sorted(totals.items()))


def balances(entries: Iterable[JournalEntry]) -> dict[tuple[str, str, str], Decimal]:
    """Debits minus credits per (currency, customer account id, ledger account code): what the
    entries leave on each ledger account, customer by customer."""
    result: dict[tuple[str, str, str], Decimal] = {}
    for entry in entries:
        for line in entry.lines:
            key = (entry.currency, entry.account_id, line.ledger_account.code)
            result[key] = result.get(key, Decimal(0)) + line.debit - line.credit
    return result
