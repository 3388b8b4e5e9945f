"""The journal's rules: a known history's entries line by line, and for random histories,
every entry balances and the entries up to any day leave on each ledger account what the
receivables and payments hold that day."""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payment_svc.core import ledger
from payment_svc.core.ledger import (
    AppliedAllocation,
    IssuedCreditNote,
    PaymentRefund,
    PostedInvoice,
    ReceivedPayment,
    balances,
    journal,
    totals_by_currency,
)

D = Decimal
ACCOUNT = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"


def _lines(entry: ledger.JournalEntry) -> list[tuple[str, str, str]]:
    return [(line.ledger_account.code, str(line.debit), str(line.credit)) for line in entry.lines]


def test_a_known_history_books_exactly_these_entries():
    invoice = PostedInvoice(
        "inv-1",
        "INV-000001",
        ACCOUNT,
        "USD",
        date(2026, 1, 1),
        D("100.00"),
        D("10.00"),
        D("110.00"),
    )
    later_invoice = PostedInvoice(
        "inv-2", "INV-000002", ACCOUNT, "USD", date(2026, 3, 1), D("50.00"), D("0.00"), D("50.00")
    )
    payment = ReceivedPayment(
        "pay-1", "WIRE-1", "bank_transfer", ACCOUNT, "USD", date(2026, 2, 10), D("150.00")
    )
    at_receipt = AppliedAllocation(
        "alloc-1",
        "pay-1",
        "WIRE-1",
        "INV-000001",
        ACCOUNT,
        "USD",
        D("110.00"),
        from_credit=False,
        at_receipt=True,
        applied_on=date(2026, 2, 10),
        unapplied_on=date(2026, 4, 1),
    )
    later = AppliedAllocation(
        "alloc-2",
        "pay-1",
        "WIRE-1",
        "INV-000002",
        ACCOUNT,
        "USD",
        D("40.00"),
        from_credit=False,
        at_receipt=False,
        applied_on=date(2026, 3, 1),
        unapplied_on=None,
    )
    credit_note = IssuedCreditNote(
        "cn-1",
        "CN-000001",
        ACCOUNT,
        "USD",
        date(2026, 3, 5),
        D("20.00"),
        D("2.00"),
        applied=D("10.00"),
        excess=D("12.00"),
    )
    from_credit = AppliedAllocation(
        "alloc-3",
        "pay-cn",
        "CN-000001",
        "INV-000002",
        ACCOUNT,
        "USD",
        D("10.00"),
        from_credit=True,
        at_receipt=False,
        applied_on=date(2026, 3, 5),
        unapplied_on=None,
    )
    refund = PaymentRefund(
        "ref-1", "pay-1", "WIRE-1", ACCOUNT, "USD", D("30.00"), False, date(2026, 4, 2)
    )
    credit_refund = PaymentRefund(
        "ref-2", "pay-cn", "CN-000001", ACCOUNT, "USD", D("2.00"), True, date(2026, 4, 2)
    )

    entries = journal(
        invoices=[later_invoice, invoice],
        credit_notes=[credit_note],
        payments=[payment],
        allocations=[later, at_receipt, from_credit],
        refunds=[credit_refund, refund],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )

    assert [
        (
            entry.entry_id,
            entry.entry_date.isoformat(),
            entry.source_number,
            entry.description,
            _lines(entry),
        )
        for entry in entries
    ] == [
        (
            "invoice:inv-1",
            "2026-01-01",
            "INV-000001",
            "Invoice INV-000001",
            [("1100", "110.00", "0"), ("4000", "0", "100.00"), ("2200", "0", "10.00")],
        ),
        (
            "payment:pay-1",
            "2026-02-10",
            "WIRE-1",
            "Payment WIRE-1 (bank_transfer)",
            [("1000", "150.00", "0"), ("1100", "0", "110.00"), ("2300", "0", "40.00")],
        ),
        # No tax on this one: no tax line.
        (
            "invoice:inv-2",
            "2026-03-01",
            "INV-000002",
            "Invoice INV-000002",
            [("1100", "50.00", "0"), ("4000", "0", "50.00")],
        ),
        (
            "allocation:alloc-2",
            "2026-03-01",
            "INV-000002",
            "Payment WIRE-1 applied to INV-000002",
            [("2300", "40.00", "0"), ("1100", "0", "40.00")],
        ),
        (
            "credit_note:cn-1",
            "2026-03-05",
            "CN-000001",
            "Credit note CN-000001",
            [
                ("4000", "20.00", "0"),
                ("2200", "2.00", "0"),
                ("1100", "0", "10.00"),
                ("2400", "0", "12.00"),
            ],
        ),
        (
            "allocation:alloc-3",
            "2026-03-05",
            "INV-000002",
            "Credit CN-000001 applied to INV-000002",
            [("2400", "10.00", "0"), ("1100", "0", "10.00")],
        ),
        (
            "allocation_unapplied:alloc-1",
            "2026-04-01",
            "INV-000001",
            "Payment WIRE-1 unapplied from INV-000001",
            [("1100", "110.00", "0"), ("2300", "0", "110.00")],
        ),
        (
            "refund:ref-1",
            "2026-04-02",
            "WIRE-1",
            "Refund of payment WIRE-1",
            [("2300", "30.00", "0"), ("1000", "0", "30.00")],
        ),
        (
            "refund:ref-2",
            "2026-04-02",
            "CN-000001",
            "Refund of credit CN-000001",
            [("2400", "2.00", "0"), ("1000", "0", "2.00")],
        ),
    ]
    assert all(entry.debit == entry.credit for entry in entries)


def test_a_period_keeps_only_the_entries_dated_in_it_both_days_included():
    invoices = [
        PostedInvoice(
            f"inv-{day}", f"INV-{day}", ACCOUNT, "USD", date(2026, 1, day), D("1"), D("0"), D("1")
        )
        for day in (1, 2, 3, 4)
    ]
    entries = journal(
        invoices=invoices,
        credit_notes=[],
        payments=[],
        allocations=[],
        refunds=[],
        period_start=date(2026, 1, 2),
        period_end=date(2026, 1, 3),
    )
    assert [entry.source_id for entry in entries] == ["inv-2", "inv-3"]


def test_an_invoice_of_nothing_books_nothing_and_a_negative_part_changes_sides():
    nothing = PostedInvoice(
        "inv-0", "INV-0", ACCOUNT, "USD", date(2026, 1, 1), D("0"), D("0"), D("0")
    )
    # A credit line netted into an invoice can leave its subtotal below zero with tax on top.
    odd = PostedInvoice(
        "inv-1", "INV-1", ACCOUNT, "USD", date(2026, 1, 1), D("-5.00"), D("6.00"), D("1.00")
    )
    entries = journal(
        invoices=[nothing, odd],
        credit_notes=[],
        payments=[],
        allocations=[],
        refunds=[],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 1),
    )
    assert [_lines(entry) for entry in entries] == [
        [("1100", "1.00", "0"), ("4000", "5.00", "0"), ("2200", "0", "6.00")]
    ]


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="after it ends"):
        journal(
            invoices=[],
            credit_notes=[],
            payments=[],
            allocations=[],
            refunds=[],
            period_start=date(2026, 1, 2),
            period_end=date(2026, 1, 1),
        )


# --- random histories -----------------------------------------------------------------------
# A small model of payment-svc's money: what the actions leave on receivables and payments,
# day by day, and the records the repository would read of them.

START = date(2026, 1, 1)
CURRENCY_OF = {"acct-usd": "USD", "acct-eur": "EUR"}


@dataclass
class _Payment:
    record_id: str
    account_id: str
    reference: str
    unallocated: Decimal
    from_credit: bool


@dataclass
class _Model:
    invoices: list[PostedInvoice] = field(default_factory=list)
    credit_notes: list[IssuedCreditNote] = field(default_factory=list)
    payments: list[ReceivedPayment] = field(default_factory=list)
    allocations: dict[str, AppliedAllocation] = field(default_factory=dict)
    refunds: list[PaymentRefund] = field(default_factory=list)
    owed: dict[str, Decimal] = field(default_factory=dict)  # by invoice id
    credit_of: dict[str, _Payment] = field(default_factory=dict)  # by payment id
    cash: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    revenue: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    tax: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def expected_balances(self) -> dict[tuple[str, str, str], Decimal]:
        """Debits minus credits each ledger account should show, from the model's state."""
        expected: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
        by_id = {invoice.invoice_id: invoice for invoice in self.invoices}
        for invoice_id, owed in self.owed.items():
            invoice = by_id[invoice_id]
            expected[(invoice.currency, invoice.account_id, "1100")] += owed
        for payment in self.credit_of.values():
            code = "2400" if payment.from_credit else "2300"
            expected[(CURRENCY_OF[payment.account_id], payment.account_id, code)] -= (
                payment.unallocated
            )
        for account_id, currency in CURRENCY_OF.items():
            expected[(currency, account_id, "1000")] += self.cash[account_id]
            expected[(currency, account_id, "4000")] -= self.revenue[account_id]
            expected[(currency, account_id, "2200")] -= self.tax[account_id]
        return {key: value for key, value in expected.items() if value}

    def open_invoices(self, account_id: str) -> list[PostedInvoice]:
        return [
            invoice
            for invoice in self.invoices
            if invoice.account_id == account_id and self.owed[invoice.invoice_id] > 0
        ]

    def allocate(
        self,
        payment: _Payment,
        invoice: PostedInvoice,
        amount: Decimal,
        day: date,
        *,
        at_receipt: bool,
    ) -> None:
        allocation_id = f"alloc-{len(self.allocations)}"
        self.allocations[allocation_id] = AppliedAllocation(
            allocation_id,
            payment.record_id,
            payment.reference,
            invoice.number,
            payment.account_id,
            CURRENCY_OF[payment.account_id],
            amount,
            from_credit=payment.from_credit,
            at_receipt=at_receipt,
            applied_on=day,
            unapplied_on=None,
        )
        payment.unallocated -= amount
        self.owed[invoice.invoice_id] -= amount

    def act(self, kind: str, account_id: str, cents: int, pick: int, day: date) -> None:
        currency = CURRENCY_OF[account_id]
        amount = D(cents) / 100
        n = len(self.invoices) + len(self.payments) + len(self.credit_notes) + len(self.refunds)
        if kind == "invoice":
            tax = (amount * D(pick % 25) / 100).quantize(D("0.01"))
            invoice = PostedInvoice(
                f"inv-{n}", f"INV-{n}", account_id, currency, day, amount, tax, amount + tax
            )
            self.invoices.append(invoice)
            self.owed[invoice.invoice_id] = invoice.total
            self.revenue[account_id] += amount
            self.tax[account_id] += tax
        elif kind == "payment":
            payment = _Payment(f"pay-{n}", account_id, f"WIRE-{n}", amount, from_credit=False)
            self.payments.append(
                ReceivedPayment(
                    payment.record_id, payment.reference, "card", account_id, currency, day, amount
                )
            )
            self.credit_of[payment.record_id] = payment
            self.cash[account_id] += amount
            for invoice in self.open_invoices(account_id):  # oldest first, at receipt
                if payment.unallocated == 0:
                    break
                share = min(payment.unallocated, self.owed[invoice.invoice_id])
                self.allocate(payment, invoice, share, day, at_receipt=True)
        elif kind == "credit_note":
            invoices = [invoice for invoice in self.invoices if invoice.account_id == account_id]
            if not invoices:
                return
            invoice = invoices[pick % len(invoices)]
            total = min(amount, invoice.total)
            tax = (total * D(pick % 25) / 100).quantize(D("0.01"))
            applied = min(total, self.owed[invoice.invoice_id])
            self.owed[invoice.invoice_id] -= applied
            self.credit_notes.append(
                IssuedCreditNote(
                    f"cn-{n}",
                    f"CN-{n}",
                    account_id,
                    currency,
                    day,
                    total - tax,
                    tax,
                    applied,
                    total - applied,
                )
            )
            self.revenue[account_id] -= total - tax
            self.tax[account_id] -= tax
            if total > applied:
                self.credit_of[f"pay-cn-{n}"] = _Payment(
                    f"pay-cn-{n}", account_id, f"CN-{n}", total - applied, from_credit=True
                )
        elif kind == "apply":
            credits = [
                p
                for p in self.credit_of.values()
                if p.account_id == account_id and p.unallocated > 0
            ]
            invoices = self.open_invoices(account_id)
            if not credits or not invoices:
                return
            payment, invoice = credits[pick % len(credits)], invoices[pick % len(invoices)]
            share = min(payment.unallocated, self.owed[invoice.invoice_id], amount)
            self.allocate(payment, invoice, share, day, at_receipt=False)
        elif kind == "unapply":
            standing = [
                a
                for a in self.allocations.values()
                if a.account_id == account_id and a.unapplied_on is None
            ]
            if not standing:
                return
            allocation = standing[pick % len(standing)]
            self.allocations[allocation.allocation_id] = replace(allocation, unapplied_on=day)
            self.credit_of[allocation.payment_id].unallocated += allocation.amount
            invoice_id = next(
                i.invoice_id for i in self.invoices if i.number == allocation.invoice_number
            )
            self.owed[invoice_id] += allocation.amount
        elif kind == "refund":
            credits = [
                p
                for p in self.credit_of.values()
                if p.account_id == account_id and p.unallocated > 0
            ]
            if not credits:
                return
            payment = credits[pick % len(credits)]
            refunded = min(amount, payment.unallocated)
            payment.unallocated -= refunded
            self.refunds.append(
                PaymentRefund(
                    f"ref-{n}",
                    payment.record_id,
                    payment.reference,
                    account_id,
                    currency,
                    refunded,
                    payment.from_credit,
                    day,
                )
            )
            self.cash[account_id] -= refunded


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "payment", "credit_note", "apply", "unapply", "refund"]),
        st.sampled_from(sorted(CURRENCY_OF)),
        st.integers(min_value=1, max_value=200_000),
        st.integers(min_value=0, max_value=1_000),
    ),
    max_size=40,
)


def _journal(model: _Model, period_start: date, period_end: date) -> list[ledger.JournalEntry]:
    return journal(
        invoices=model.invoices,
        credit_notes=model.credit_notes,
        payments=model.payments,
        allocations=model.allocations.values(),
        refunds=model.refunds,
        period_start=period_start,
        period_end=period_end,
    )


@settings(max_examples=300, deadline=None)
@given(ACTIONS, st.data())
def test_every_range_balances_and_the_journal_to_a_day_matches_the_books_that_day(actions, data):
    model = _Model()
    expected_by_day = {}
    for position, (kind, account_id, cents, pick) in enumerate(actions):
        day = START + timedelta(days=position // 3)  # a few actions a day
        model.act(kind, account_id, cents, pick, day)
        expected_by_day[day] = model.expected_balances()

    last_day = START + timedelta(days=max(len(actions) // 3, 1))
    everything = _journal(model, START, last_day)
    assert all(entry.debit == entry.credit and entry.lines for entry in everything)

    first = data.draw(st.integers(min_value=0, max_value=(last_day - START).days))
    second = data.draw(st.integers(min_value=0, max_value=(last_day - START).days))
    period = _journal(
        model,
        START + timedelta(days=min(first, second)),
        START + timedelta(days=max(first, second)),
    )
    for debit, credit in totals_by_currency(period).values():
        assert debit == credit

    for day, expected in expected_by_day.items():
        booked = {
            key: value for key, value in balances(_journal(model, START, day)).items() if value
        }
        assert booked == expected, day
