"""The AR reports' pure arithmetic: aging buckets at their boundaries, statements' running
balances, cash receipts folded by day and method."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payment_svc.core.reports import (
    AgingBucket,
    OpenBalance,
    ReceiptGroup,
    StatementEntryType,
    StatementItem,
    age,
    aging_bucket,
    build_statement,
    cash_receipts,
    days_past_due,
)

D = Decimal
AS_OF = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-45, AgingBucket.CURRENT),
        (-1, AgingBucket.CURRENT),
        (0, AgingBucket.CURRENT),
        (1, AgingBucket.DAYS_1_30),
        (30, AgingBucket.DAYS_1_30),
        (31, AgingBucket.DAYS_31_60),
        (60, AgingBucket.DAYS_31_60),
        (61, AgingBucket.DAYS_61_90),
        (90, AgingBucket.DAYS_61_90),
        (91, AgingBucket.OVER_90),
        (4000, AgingBucket.OVER_90),
    ],
)
def test_a_balance_falls_in_the_bucket_of_its_days_past_due(days, bucket):
    assert aging_bucket(days) == bucket
    assert aging_bucket(days_past_due(AS_OF - timedelta(days=days), AS_OF)) == bucket


def test_the_due_date_itself_is_not_past_due():
    assert days_past_due(date(2026, 6, 30), AS_OF) == 0
    assert days_past_due(date(2026, 6, 29), AS_OF) == 1
    assert days_past_due(date(2026, 7, 1), AS_OF) == -1


def _due(days_past_due: int) -> date:
    return AS_OF - timedelta(days=days_past_due)


def test_aging_sums_per_account_and_currency_and_never_across_currencies():
    balances = [
        OpenBalance("acct-b", "USD", _due(0), D("10.00")),
        OpenBalance("acct-b", "USD", _due(1), D("20.00")),
        OpenBalance("acct-b", "USD", _due(30), D("5.00")),
        OpenBalance("acct-a", "USD", _due(31), D("30.00")),
        OpenBalance("acct-a", "USD", _due(91), D("40.00")),
        OpenBalance("acct-a", "EUR", _due(61), D("7.00")),
        OpenBalance("acct-c", "USD", _due(200), D("0.00")),  # owes nothing: left out
    ]

    aging = age(balances, as_of=AS_OF)

    rows = [(row.currency, row.account_id, row.buckets, row.total) for row in aging.accounts]
    assert rows == [
        ("EUR", "acct-a", _buckets(d61_90="7.00"), D("7.00")),
        ("USD", "acct-a", _buckets(d31_60="30.00", over_90="40.00"), D("70.00")),
        ("USD", "acct-b", _buckets(current="10.00", d1_30="25.00"), D("35.00")),
    ]
    totals = [(row.currency, row.buckets, row.total) for row in aging.totals]
    assert totals == [
        ("EUR", _buckets(d61_90="7.00"), D("7.00")),
        (
            "USD",
            _buckets(current="10.00", d1_30="25.00", d31_60="30.00", over_90="40.00"),
            D("105.00"),
        ),
    ]


def _buckets(**amounts: str) -> dict[AgingBucket, Decimal]:
    names = {
        "current": AgingBucket.CURRENT,
        "d1_30": AgingBucket.DAYS_1_30,
        "d31_60": AgingBucket.DAYS_31_60,
        "d61_90": AgingBucket.DAYS_61_90,
        "over_90": AgingBucket.OVER_90,
    }
    buckets = dict.fromkeys(AgingBucket, D(0))
    for name, amount in amounts.items():
        buckets[names[name]] = D(amount)
    return buckets


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.integers(min_value=-30, max_value=400),
            st.integers(min_value=-500, max_value=100_000),
        ),
        max_size=30,
    )
)
def test_every_positive_balance_is_aged_once(items):
    balances = [
        OpenBalance(account, "USD", _due(days), D(cents) / 100) for account, days, cents in items
    ]
    aging = age(balances, as_of=AS_OF)
    owed = sum((item.balance for item in balances if item.balance > 0), D(0))
    assert sum((row.total for row in aging.accounts), D(0)) == owed
    assert sum((row.total for row in aging.totals), D(0)) == owed


# --- statements -----------------------------------------------------------------------------


def _item(kind: StatementEntryType, day: str, amount: str, number: str) -> StatementItem:
    return StatementItem(
        type=kind,
        entry_date=date.fromisoformat(day),
        document_id=number.lower(),
        number=number,
        amount=D(amount),
    )


def test_a_statement_carries_the_opening_balance_and_runs_the_balance():
    items = [
        _item(StatementEntryType.INVOICE, "2026-01-05", "100.00", "INV-1"),
        _item(StatementEntryType.PAYMENT, "2026-01-20", "60.00", "WIRE-1"),
        # On one day: invoices, credit notes, payments, refunds, whatever the input order.
        _item(StatementEntryType.REFUND, "2026-02-10", "5.00", "WIRE-1"),
        _item(StatementEntryType.PAYMENT, "2026-02-10", "50.00", "WIRE-2"),
        _item(StatementEntryType.CREDIT_NOTE, "2026-02-10", "10.00", "CN-1"),
        _item(StatementEntryType.INVOICE, "2026-02-10", "80.00", "INV-2"),
        _item(StatementEntryType.INVOICE, "2026-03-01", "999.00", "INV-3"),  # after the period
    ]

    statement = build_statement(items, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28))

    assert statement.opening_balance == D("40.00")
    assert [(line.item.number, line.balance) for line in statement.lines] == [
        ("INV-2", D("120.00")),
        ("CN-1", D("110.00")),
        ("WIRE-2", D("60.00")),
        ("WIRE-1", D("65.00")),
    ]
    assert statement.closing_balance == D("65.00")
    assert statement.totals == {
        StatementEntryType.INVOICE: D("80.00"),
        StatementEntryType.CREDIT_NOTE: D("10.00"),
        StatementEntryType.PAYMENT: D("50.00"),
        StatementEntryType.REFUND: D("5.00"),
    }


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="after it ends"):
        build_statement([], period_start=date(2026, 2, 2), period_end=date(2026, 2, 1))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(StatementEntryType)),
            st.integers(min_value=0, max_value=60),
            st.integers(min_value=1, max_value=100_000),
        ),
        max_size=25,
    ),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=60),
)
def test_consecutive_statements_chain(raw_items, first_cut, second_cut):
    """The closing balance of one period is the opening balance of the next, and the running
    balance ends at the closing balance."""
    start = date(2026, 1, 1)
    items = [
        StatementItem(kind, start + timedelta(days=day), f"doc-{n}", f"N-{n}", D(cents) / 100)
        for n, (kind, day, cents) in enumerate(raw_items)
    ]
    first_end = start + timedelta(days=min(first_cut, second_cut))
    second_end = start + timedelta(days=max(first_cut, second_cut) + 1)
    first = build_statement(items, period_start=start, period_end=first_end)
    second = build_statement(
        items, period_start=first_end + timedelta(days=1), period_end=second_end
    )
    assert second.opening_balance == first.closing_balance
    for statement in (first, second):
        running = statement.lines[-1].balance if statement.lines else statement.opening_balance
        assert running == statement.closing_balance


# --- cash receipts --------------------------------------------------------------------------


def test_receipts_fold_into_days_and_currencies_with_their_methods():
    groups = [
        ReceiptGroup(date(2026, 2, 11), "USD", "card", 1, D("20.00")),
        ReceiptGroup(date(2026, 2, 10), "USD", "card", 2, D("30.00")),
        ReceiptGroup(date(2026, 2, 10), "USD", "bank_transfer", 1, D("100.00")),
        ReceiptGroup(date(2026, 2, 10), "EUR", "check", 1, D("7.00")),
    ]

    receipts = cash_receipts(groups)

    assert [
        (day.received_on, day.currency, day.count, day.amount, day.by_method)
        for day in receipts.days
    ] == [
        (date(2026, 2, 10), "EUR", 1, D("7.00"), {"check": (1, D("7.00"))}),
        (
            date(2026, 2, 10),
            "USD",
            3,
            D("130.00"),
            {"bank_transfer": (1, D("100.00")), "card": (2, D("30.00"))},
        ),
        (date(2026, 2, 11), "USD", 1, D("20.00"), {"card": (1, D("20.00"))}),
    ]
    assert [(t.currency, t.count, t.amount, t.by_method) for t in receipts.totals] == [
        ("EUR", 1, D("7.00"), {"check": (1, D("7.00"))}),
        ("USD", 4, D("150.00"), {"bank_transfer": (1, D("100.00")), "card": (3, D("50.00"))}),
    ]
