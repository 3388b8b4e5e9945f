"""Draft invoices from grouped charges: lines, totals, due dates, payment status."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from invoice_svc.core.balances import can_post, payment_status
from invoice_svc.core.drafting import DueCharge, draft_invoices
from invoice_svc.core.grouping import group_charges
from invoice_svc.statuses import PaymentStatus

ACME = uuid.uuid4()


def _charge(amount: str, **overrides: Any) -> DueCharge:
    fields: dict[str, Any] = {
        "billing_period_id": uuid.uuid4(),
        "billing_schedule_id": uuid.uuid4(),
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 1, 31),
        "amount": Decimal(amount),
        "order_id": uuid.uuid4(),
        "order_product_id": uuid.uuid4(),
        "product_id": uuid.uuid4(),
        "description": "Seat",
        "quantity": Decimal(1),
        "account_id": ACME,
        "bill_to_account_id": ACME,
        "currency": "USD",
        "payment_term": "net_30",
        "legal_entity": "q2c Inc",
    }
    return DueCharge(**(fields | overrides))


def test_one_draft_per_group_with_totals_and_due_date() -> None:
    charges = [
        _charge("17.00"),
        _charge("31.00"),
        _charge("5.48", payment_term="net_60"),
    ]

    net_30, net_60 = draft_invoices(group_charges(charges), invoice_date=date(2026, 2, 1))

    assert [line.period.amount for line in net_30.lines] == [Decimal("17.00"), Decimal("31.00")]
    assert (net_30.subtotal, net_30.tax_total, net_30.total) == (
        Decimal("48.00"),
        Decimal("0.00"),
        Decimal("48.00"),
    )
    assert net_30.due_date == date(2026, 3, 3)
    assert (net_60.total, net_60.due_date) == (Decimal("5.48"), date(2026, 4, 2))
    assert net_30.legal_entity == "q2c Inc"


def test_zero_decimal_currencies_total_in_whole_units() -> None:
    (draft,) = draft_invoices(
        group_charges([_charge("1500", currency="JPY")]), invoice_date=date(2026, 2, 1)
    )

    assert str(draft.total) == "1500"
    assert str(draft.lines[0].tax_amount) == "0"


@pytest.mark.parametrize(
    ("total", "amount_paid", "status"),
    [
        ("100.00", "0.00", PaymentStatus.UNPAID),
        ("100.00", "0.01", PaymentStatus.PARTIALLY_PAID),
        ("100.00", "99.99", PaymentStatus.PARTIALLY_PAID),
        ("100.00", "100.00", PaymentStatus.PAID),
        ("100.00", "120.00", PaymentStatus.PAID),
        ("0.00", "0.00", PaymentStatus.PAID),
    ],
)
def test_payment_status(total: str, amount_paid: str, status: PaymentStatus) -> None:
    assert payment_status(Decimal(total), Decimal(amount_paid)) is status


@pytest.mark.parametrize(
    ("total", "postable"),
    [("48.00", True), ("0.00", True), ("-0.01", False), ("-22.00", False), ("0", True)],
)
def test_an_invoice_that_would_owe_the_customer_is_not_posted(total: str, postable: bool) -> None:
    assert can_post(Decimal(total)) is postable


def test_credits_lower_an_invoice_they_share_with_charges() -> None:
    (draft,) = draft_invoices(
        group_charges([_charge("62.00"), _charge("-31.00"), _charge("-22.00")]),
        invoice_date=date(2026, 4, 1),
    )

    assert (draft.subtotal, draft.total) == (Decimal("9.00"), Decimal("9.00"))
    assert can_post(draft.total)
