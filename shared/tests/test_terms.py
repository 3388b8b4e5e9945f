from datetime import date

import pytest

from q2c_shared.billing.terms import PaymentTerm, due_date


@pytest.mark.parametrize(
    ("payment_term", "days"),
    [
        (PaymentTerm.DUE_ON_RECEIPT, 0),
        (PaymentTerm.NET_15, 15),
        (PaymentTerm.NET_30, 30),
        (PaymentTerm.NET_45, 45),
        (PaymentTerm.NET_60, 60),
        (PaymentTerm.NET_90, 90),
    ],
)
def test_payment_term_days(payment_term: PaymentTerm, days: int) -> None:
    assert payment_term.days == days


@pytest.mark.parametrize(
    ("invoice_date", "payment_term", "due"),
    [
        (date(2026, 3, 10), PaymentTerm.DUE_ON_RECEIPT, date(2026, 3, 10)),
        (date(2026, 3, 10), PaymentTerm.NET_15, date(2026, 3, 25)),
        (date(2026, 1, 31), PaymentTerm.NET_30, date(2026, 3, 2)),  # calendar days, not months
        (date(2028, 1, 31), PaymentTerm.NET_30, date(2028, 3, 1)),  # leap year
        (date(2026, 12, 15), PaymentTerm.NET_45, date(2027, 1, 29)),
        (date(2026, 11, 1), PaymentTerm.NET_60, date(2026, 12, 31)),
        (date(2026, 10, 15), PaymentTerm.NET_90, date(2027, 1, 13)),
        (date(2026, 3, 10), "net_30", date(2026, 4, 9)),  # as stored on an order
    ],
)
def test_due_date(invoice_date: date, payment_term: PaymentTerm | str, due: date) -> None:
    assert due_date(invoice_date, payment_term) == due


def test_due_date_refuses_unknown_term() -> None:
    with pytest.raises(ValueError, match="unknown payment term 'net_31'"):
        due_date(date(2026, 3, 10), "net_31")
