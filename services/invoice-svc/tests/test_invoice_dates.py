"""core.invoice_dates, pure: when a run's invoices may be dated and which periods they bill
(docs/adr/0022)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from invoice_svc.core.drafting import DueCharge
from invoice_svc.core.invoice_dates import (
    InvoiceDateRefused,
    billable_now,
    check_run_dates,
    falls_due_in_range,
)


@pytest.mark.parametrize(
    ("target_date", "invoice_date", "dated"),
    [
        (date(2026, 2, 1), None, date(2026, 2, 1)),
        (date(2026, 2, 1), date(2027, 2, 2), date(2027, 2, 2)),
        (date(2026, 2, 1), date(2025, 1, 31), date(2025, 1, 31)),
        (date(2199, 10, 2), None, date(2199, 10, 2)),
        (date(1900, 1, 1), None, date(1900, 1, 1)),
    ],
)
def test_run_dates_within_the_rules_give_the_invoice_date(target_date, invoice_date, dated):
    assert check_run_dates(target_date=target_date, invoice_date=invoice_date) == dated


@pytest.mark.parametrize(
    ("target_date", "invoice_date", "code", "field"),
    [
        (date(2199, 10, 3), None, "date_out_of_range", "target_date"),
        (date(2199, 10, 1), date(2199, 10, 3), "date_out_of_range", "invoice_date"),
        (date(2026, 2, 1), date(2027, 2, 3), "invoice_date_far_from_target_date", "invoice_date"),
        (date(2026, 2, 1), date(2025, 1, 30), "invoice_date_far_from_target_date", "invoice_date"),
        (date(2026, 2, 1), date(1900, 1, 1), "invoice_date_far_from_target_date", "invoice_date"),
    ],
)
def test_run_dates_against_the_rules_are_refused(target_date, invoice_date, code, field):
    with pytest.raises(InvoiceDateRefused) as refused:
        check_run_dates(target_date=target_date, invoice_date=invoice_date)
    assert (refused.value.code, refused.value.field) == (code, field)


def _period(start: date, payment_term: str) -> DueCharge:
    ids = [uuid.uuid4() for _ in range(7)]
    return DueCharge(
        billing_period_id=ids[0],
        billing_schedule_id=ids[1],
        period_start=start,
        period_end=start,
        amount=Decimal("1.00"),
        order_id=ids[2],
        order_product_id=ids[3],
        product_id=ids[4],
        description="Seat",
        quantity=Decimal(1),
        account_id=ids[5],
        bill_to_account_id=ids[6],
        currency="USD",
        payment_term=payment_term,
    )


def test_a_period_is_billed_only_when_its_invoice_falls_due_on_or_after_its_start():
    periods = [
        _period(date(2026, 1, 1), "due_on_receipt"),
        _period(date(2026, 1, 20), "due_on_receipt"),  # invoice due 01-20: the same day
        _period(date(2026, 1, 21), "due_on_receipt"),  # a day after the invoice falls due
        _period(date(2026, 2, 19), "net_30"),  # due 02-19
        _period(date(2026, 2, 20), "net_30"),
        _period(date(2026, 4, 20), "net_90"),  # due 04-20
    ]

    billable, deferred = billable_now(periods, invoice_date=date(2026, 1, 20))

    assert billable == [periods[0], periods[1], periods[3], periods[5]]
    assert deferred == 2


@pytest.mark.parametrize(
    ("invoice_date", "payment_term", "in_range"),
    [
        (date(2026, 2, 1), "net_30", True),
        (date(2199, 12, 1), "net_30", True),
        (date(2199, 12, 2), "net_30", False),
        (date(2199, 12, 31), "due_on_receipt", True),
        (date(9999, 12, 31), "net_30", False),
        (date(1, 1, 1), "net_30", False),
        (date(1899, 12, 31), "due_on_receipt", False),
    ],
)
def test_a_draft_posts_only_when_dated_and_due_within_the_business_dates(
    invoice_date, payment_term, in_range
):
    assert falls_due_in_range(invoice_date, payment_term) is in_range
