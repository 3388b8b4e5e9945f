"""Dunning levels: the highest level reached, once, never a lower one after a higher one, none
before a day past due, none for paid invoices. Pure: no database, no clock."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payment_svc.core.dunning import (
    LEVELS,
    DunnableInvoice,
    level_reached,
    notice_due,
    notices_due,
)

DUE = date(2026, 1, 31)


def days_after_due(days: int) -> date:
    return DUE + timedelta(days=days)


@pytest.mark.parametrize(
    ("days_past_due", "expected"),
    [
        pytest.param(-10, None, id="not-yet-due"),
        pytest.param(0, None, id="the-due-date-itself"),
        pytest.param(1, 1, id="a-day-late"),
        pytest.param(6, 1, id="still-level-1"),
        pytest.param(7, 7, id="a-week-late"),
        pytest.param(13, 7, id="still-level-7"),
        pytest.param(14, 14, id="two-weeks-late"),
        pytest.param(29, 14, id="still-level-14"),
        pytest.param(30, 30, id="a-month-late"),
        pytest.param(400, 30, id="30-is-the-last-level"),
    ],
)
def test_the_level_reached_is_the_highest_whose_days_have_passed(days_past_due, expected):
    assert level_reached(DUE, days_after_due(days_past_due)) == expected


@pytest.mark.parametrize(
    ("days_past_due", "already_sent", "expected"),
    [
        pytest.param(1, set(), 1, id="first-reminder"),
        pytest.param(1, {1}, None, id="same-level-again-same-day"),
        pytest.param(5, {1}, None, id="same-level-later"),
        pytest.param(8, {1}, 7, id="next-level"),
        pytest.param(20, set(), 14, id="first-seen-late-gets-the-level-it-is-at"),
        pytest.param(20, {1}, 14, id="a-missed-level-is-skipped"),
        pytest.param(31, {14}, 30, id="then-the-next-one"),
        pytest.param(8, {14}, None, id="never-lower-after-higher"),
        pytest.param(45, {30}, None, id="nothing-after-the-last-level"),
        pytest.param(0, set(), None, id="not-overdue"),
    ],
)
def test_a_notice_is_due_for_the_highest_level_not_yet_reminded_of(
    days_past_due, already_sent, expected
):
    assert notice_due(DUE, days_after_due(days_past_due), already_sent) == expected


def dunnable(balance: str = "100.00", sent: frozenset[int] = frozenset()) -> DunnableInvoice:
    return DunnableInvoice(
        invoice_id=uuid.uuid4(), due_date=DUE, balance=Decimal(balance), levels_already_sent=sent
    )


def test_a_run_reminds_only_the_invoices_still_owing_money():
    owing, paid, reminded = dunnable(), dunnable("0.00"), dunnable(sent=frozenset({7}))

    due = notices_due([owing, paid, reminded], days_after_due(8))

    assert [(notice.invoice, notice.level, notice.days_past_due) for notice in due] == [
        (owing, 7, 8)
    ]


# --- properties: a sequence of runs on one invoice ----------------------------------------

run_days = st.lists(st.integers(min_value=-60, max_value=400), max_size=30)


def simulate(days: list[int], *, balance: str = "100.00") -> list[tuple[int, int]]:
    """Runs on those days after the due date, in that order, each recording what is due as
    the database would (a level is recorded at most once); (day, level) of each reminder."""
    recorded: set[int] = set()
    reminders = []
    for day in days:
        for notice in notices_due([dunnable(balance, frozenset(recorded))], days_after_due(day)):
            recorded.add(notice.level)
            reminders.append((day, notice.level))
    return reminders


@given(run_days)
def test_no_level_is_ever_reminded_of_twice(days):
    levels = [level for _, level in simulate(days)]
    assert len(levels) == len(set(levels))


@given(run_days)
def test_no_lower_level_ever_follows_a_higher_one(days):
    levels = [level for _, level in simulate(days)]
    assert levels == sorted(levels)


@given(run_days)
def test_nothing_before_a_day_past_due_and_only_levels_reached(days):
    for day, level in simulate(days):
        assert level in LEVELS
        assert day >= 1
        assert level <= day
        assert level == level_reached(DUE, days_after_due(day))


@given(run_days)
def test_a_paid_invoice_is_never_reminded(days):
    assert simulate(days, balance="0.00") == []


@given(st.integers(min_value=0, max_value=400))
def test_daily_runs_remind_of_every_level_once_on_its_day(last_day):
    reminders = simulate(list(range(last_day + 1)))
    assert reminders == [(level, level) for level in LEVELS if level <= last_day]


@given(run_days)
def test_a_second_run_on_the_same_day_reminds_of_nothing(days):
    doubled = [day for day in days for _ in range(2)]
    assert len(simulate(doubled)) == len(simulate(days))
