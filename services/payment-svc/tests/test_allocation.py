"""Payment allocation: oldest debt first, never more than is owed; explicit requests checked."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payment_svc.core.allocation import (
    Allocation,
    Credit,
    OpenInvoice,
    OpenReceivable,
    allocate_oldest_first,
    check_explicit_allocations,
    credit_draws,
)

D = Decimal


def invoice(
    invoice_id: str, due: str, balance: str, *, invoiced: str = "2026-01-01"
) -> OpenInvoice:
    return OpenInvoice(
        invoice_id=invoice_id,
        due_date=date.fromisoformat(due),
        invoice_date=date.fromisoformat(invoiced),
        balance=D(balance),
    )


def pairs(allocations: list[Allocation]) -> list[tuple[str, str]]:
    return [(allocation.invoice_id, str(allocation.amount)) for allocation in allocations]


JAN = invoice("inv-jan", "2026-01-31", "100.00")
FEB = invoice("inv-feb", "2026-02-28", "50.00")
MAR = invoice("inv-mar", "2026-03-31", "75.00")


@pytest.mark.parametrize(
    ("amount", "invoices", "expected", "unallocated"),
    [
        pytest.param("0.00", [JAN, FEB], [], "0.00", id="nothing-paid"),
        pytest.param("60.00", [], [], "60.00", id="no-open-invoices-all-credit"),
        pytest.param("60.00", [FEB, JAN], [("inv-jan", "60.00")], "0.00", id="partial-oldest"),
        pytest.param(
            "100.00",
            [MAR, JAN, FEB],
            [("inv-jan", "100.00")],
            "0.00",
            id="exactly-the-oldest",
        ),
        pytest.param(
            "120.00",
            [MAR, FEB, JAN],
            [("inv-jan", "100.00"), ("inv-feb", "20.00")],
            "0.00",
            id="spills-into-the-next",
        ),
        pytest.param(
            "225.00",
            [FEB, MAR, JAN],
            [("inv-jan", "100.00"), ("inv-feb", "50.00"), ("inv-mar", "75.00")],
            "0.00",
            id="settles-everything",
        ),
        pytest.param(
            "300.00",
            [JAN, FEB, MAR],
            [("inv-jan", "100.00"), ("inv-feb", "50.00"), ("inv-mar", "75.00")],
            "75.00",
            id="overpayment-is-credit",
        ),
        pytest.param(
            "80.00",
            [
                invoice("paid", "2026-01-01", "0.00"),
                invoice("credited", "2026-01-02", "-5.00"),
                FEB,
            ],
            [("inv-feb", "50.00")],
            "30.00",
            id="skips-nothing-owed",
        ),
        pytest.param(
            "30.00",
            [
                invoice("later-invoice", "2026-01-31", "20.00", invoiced="2026-01-10"),
                invoice("earlier-invoice", "2026-01-31", "20.00", invoiced="2026-01-05"),
            ],
            [("earlier-invoice", "20.00"), ("later-invoice", "10.00")],
            "0.00",
            id="same-due-date-earlier-invoice-date-first",
        ),
        pytest.param(
            "30.00",
            [invoice("inv-b", "2026-01-31", "20.00"), invoice("inv-a", "2026-01-31", "20.00")],
            [("inv-a", "20.00"), ("inv-b", "10.00")],
            "0.00",
            id="full-tie-by-invoice-id",
        ),
        pytest.param(
            "1500",
            [invoice("yen", "2026-01-31", "1000")],
            [("yen", "1000")],
            "500",
            id="jpy-whole-units",
        ),
    ],
)
def test_allocate_oldest_first(
    amount: str, invoices: list[OpenInvoice], expected: list[tuple[str, str]], unallocated: str
) -> None:
    allocations, remainder = allocate_oldest_first(D(amount), invoices)
    assert pairs(allocations) == expected
    assert str(remainder) == unallocated


def test_allocate_accepts_any_iterable() -> None:
    allocations, remainder = allocate_oldest_first(D("10.00"), iter([FEB]))
    assert pairs(allocations) == [("inv-feb", "10.00")] and remainder == 0


@pytest.mark.parametrize(
    ("amount", "invoices", "message"),
    [
        pytest.param("-0.01", [JAN], "negative", id="negative-payment"),
        pytest.param("10.00", [JAN, FEB, JAN], "inv-jan", id="invoice-listed-twice"),
    ],
)
def test_allocate_refuses(amount: str, invoices: list[OpenInvoice], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate_oldest_first(D(amount), invoices)


BALANCES = {"inv-jan": D("100.00"), "inv-feb": D("50.00"), "inv-paid": D("0.00")}


def allocation(invoice_id: str, amount: str) -> Allocation:
    return Allocation(invoice_id=invoice_id, amount=D(amount))


@pytest.mark.parametrize(
    ("amount", "requested", "expected_problems"),
    [
        pytest.param("150.00", [], [], id="nothing-requested"),
        pytest.param(
            "150.00",
            [allocation("inv-jan", "100.00"), allocation("inv-feb", "50.00")],
            [],
            id="settles-both-exactly",
        ),
        pytest.param(
            "200.00",
            [allocation("inv-feb", "10.00")],
            [],
            id="leftover-becomes-credit",
        ),
        pytest.param(
            "10.00",
            [allocation("inv-nope", "10.00")],
            ["invoice inv-nope is not an open invoice of this account"],
            id="unknown-invoice",
        ),
        pytest.param(
            "10.00",
            [allocation("inv-jan", "0.00")],
            ["the allocation to invoice inv-jan must be positive, got 0.00"],
            id="zero",
        ),
        pytest.param(
            "10.00",
            [allocation("inv-jan", "-5.00")],
            ["the allocation to invoice inv-jan must be positive, got -5.00"],
            id="negative",
        ),
        pytest.param(
            "100.00",
            [allocation("inv-feb", "50.01")],
            ["the allocation to invoice inv-feb (50.01) is more than its balance (50.00)"],
            id="over-balance",
        ),
        pytest.param(
            "10.00",
            [allocation("inv-paid", "1.00")],
            ["the allocation to invoice inv-paid (1.00) is more than its balance (0.00)"],
            id="already-paid-invoice",
        ),
        pytest.param(
            "120.00",
            [allocation("inv-jan", "100.00"), allocation("inv-feb", "30.00")],
            ["the allocations add up to 130.00, more than the payment (120.00)"],
            id="over-the-payment",
        ),
        pytest.param(
            "100.00",
            [allocation("inv-jan", "10.00"), allocation("inv-jan", "20.00")],
            ["invoice inv-jan is allocated more than once; combine the amounts"],
            id="same-invoice-twice",
        ),
        pytest.param(
            "10.00",
            [
                allocation("inv-nope", "-1.00"),
                allocation("inv-feb", "60.00"),
                allocation("inv-feb", "1.00"),
            ],
            [
                "invoice inv-feb is allocated more than once; combine the amounts",
                "the allocation to invoice inv-nope must be positive, got -1.00",
                "invoice inv-nope is not an open invoice of this account",
                "the allocation to invoice inv-feb (60.00) is more than its balance (50.00)",
                "the allocations add up to 60.00, more than the payment (10.00)",
            ],
            id="every-problem-at-once",
        ),
    ],
)
def test_check_explicit_allocations(
    amount: str, requested: list[Allocation], expected_problems: list[str]
) -> None:
    assert check_explicit_allocations(D(amount), requested, BALANCES) == expected_problems


# --- properties -------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=100_000, places=2)
balances = st.decimals(min_value=-100, max_value=10_000, places=2)


@st.composite
def open_invoice_lists(draw: st.DrawFn) -> list[OpenInvoice]:
    ids = draw(st.lists(st.text("abc123", min_size=1, max_size=4), unique=True, max_size=12))
    epoch = date(2026, 1, 1)
    days = st.integers(min_value=0, max_value=90).map(lambda n: epoch + timedelta(days=n))
    return [
        OpenInvoice(
            invoice_id=invoice_id,
            due_date=draw(days),
            invoice_date=draw(days),
            balance=draw(balances),
        )
        for invoice_id in ids
    ]


def oldest_first(invoice: OpenInvoice) -> tuple[date, date, str]:
    return invoice.due_date, invoice.invoice_date, invoice.invoice_id


@given(amount=money, invoices=open_invoice_lists())
def test_allocation_conserves_the_payment(amount: Decimal, invoices: list[OpenInvoice]) -> None:
    allocations, unallocated = allocate_oldest_first(amount, invoices)
    assert sum((a.amount for a in allocations), D(0)) + unallocated == amount
    assert unallocated >= 0


@given(amount=money, invoices=open_invoice_lists())
def test_allocation_never_exceeds_a_balance(amount: Decimal, invoices: list[OpenInvoice]) -> None:
    by_id = {invoice.invoice_id: invoice for invoice in invoices}
    allocations, _ = allocate_oldest_first(amount, invoices)
    assert len({a.invoice_id for a in allocations}) == len(allocations)
    for allocated in allocations:
        assert 0 < allocated.amount <= by_id[allocated.invoice_id].balance


@given(amount=money, invoices=open_invoice_lists())
def test_allocation_is_oldest_first_and_only_the_last_is_partial(
    amount: Decimal, invoices: list[OpenInvoice]
) -> None:
    by_id = {invoice.invoice_id: invoice for invoice in invoices}
    allocations, unallocated = allocate_oldest_first(amount, invoices)
    allocated = [by_id[a.invoice_id] for a in allocations]
    assert allocated == sorted(allocated, key=oldest_first)
    assert all(a.amount == by_id[a.invoice_id].balance for a in allocations[:-1])
    owing = sorted((i for i in invoices if i.balance > 0), key=oldest_first)
    # Nothing older was skipped: the allocations are a prefix of what is owed, oldest first...
    assert allocated == owing[: len(allocated)]
    # ...and money is left over only once every invoice is settled.
    if unallocated > 0:
        assert len(allocated) == len(owing)


@given(amount=money, invoices=open_invoice_lists())
def test_oldest_first_allocations_pass_the_explicit_checks(
    amount: Decimal, invoices: list[OpenInvoice]
) -> None:
    allocations, _ = allocate_oldest_first(amount, invoices)
    balances_by_id = {invoice.invoice_id: invoice.balance for invoice in invoices}
    assert check_explicit_allocations(amount, allocations, balances_by_id) == []


def _receivable(amount_paid: str, balance: str) -> OpenReceivable:
    invoice_id = uuid.uuid4()
    return OpenReceivable(
        receivable_id=uuid.uuid4(),
        invoice_id=invoice_id,
        invoice_key=str(invoice_id),
        account_id=uuid.uuid4(),
        currency="USD",
        invoice_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        amount_paid=D(amount_paid),
        balance=D(balance),
    )


@pytest.mark.parametrize(
    ("amount", "after", "settled"),
    [
        ("40.00", ("40.00", "60.00", None), False),
        ("100.00", ("100.00", "0.00", date(2026, 2, 10)), True),
    ],
)
def test_paying_a_receivable_settles_it_only_at_zero(amount, after, settled) -> None:
    receivable = _receivable("0.00", "100.00")
    assert receivable.pay(D(amount), date(2026, 2, 10)) is settled
    assert (receivable.amount_paid, receivable.balance, receivable.paid_on) == (
        D(after[0]),
        D(after[1]),
        after[2],
    )


def test_unpaying_a_settled_receivable_opens_it_again() -> None:
    receivable = _receivable("0.00", "100.00")
    receivable.pay(D("100.00"), date(2026, 2, 10))
    receivable.unpay(D("30.00"))
    assert (receivable.amount_paid, receivable.balance, receivable.paid_on) == (
        D("70.00"),
        D("30.00"),
        None,
    )


def _credit(received_on: str, unallocated: str, payment_id: int) -> Credit:
    return Credit(
        payment_id=uuid.UUID(int=payment_id),
        received_on=date.fromisoformat(received_on),
        unallocated=D(unallocated),
    )


@pytest.mark.parametrize(
    ("balance", "credits", "drawn"),
    [
        # Oldest payment first, each up to its credit, until the balance is covered.
        (
            "70.00",
            [("2026-02-01", "50.00", 2), ("2026-01-15", "30.00", 1)],
            [(1, "30.00"), (2, "40.00")],
        ),
        # The same day: the lower payment id first.
        ("10.00", [("2026-02-01", "50.00", 9), ("2026-02-01", "50.00", 3)], [(3, "10.00")]),
        # Not enough credit: all of it, the rest stays owed.
        ("90.00", [("2026-02-01", "50.00", 1)], [(1, "50.00")]),
        ("10.00", [], []),
    ],
)
def test_a_new_balance_draws_on_credit_oldest_payment_first(balance, credits, drawn) -> None:
    draws = credit_draws(D(balance), [_credit(*credit) for credit in credits])
    assert [(credit.payment_id.int, amount) for credit, amount in draws] == [
        (payment_id, D(amount)) for payment_id, amount in drawn
    ]
