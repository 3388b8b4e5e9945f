"""Payment terms: when an invoice falls due, counted in calendar days from the invoice date."""

from datetime import date, timedelta
from enum import StrEnum


class PaymentTerm(StrEnum):
    DUE_ON_RECEIPT = "due_on_receipt"
    NET_15 = "net_15"
    NET_30 = "net_30"
    NET_45 = "net_45"
    NET_60 = "net_60"
    NET_90 = "net_90"

    @property
    def days(self) -> int:
        """Calendar days from the invoice date to the due date."""
        return _DAYS_UNTIL_DUE[self]


_DAYS_UNTIL_DUE: dict[PaymentTerm, int] = {
    PaymentTerm.DUE_ON_RECEIPT: 0,
    PaymentTerm.NET_15: 15,
    PaymentTerm.NET_30: 30,
    PaymentTerm.NET_45: 45,
    PaymentTerm.NET_60: 60,
    PaymentTerm.NET_90: 90,
}


def due_date(invoice_date: date, payment_term: PaymentTerm | str) -> date:
    """The invoice date plus the term's days (`due_on_receipt`: the invoice date itself)."""
    try:
        term = PaymentTerm(payment_term)
    except ValueError:
        known = ", ".join(PaymentTerm)
        raise ValueError(f"unknown payment term {payment_term!r}: use one of {known}") from None
    return invoice_date + timedelta(days=term.days)
