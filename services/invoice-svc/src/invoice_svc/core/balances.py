"""An invoice's balance and payment status, and whether it may be posted.

Pure: totals in, the invoice's state out."""

from decimal import Decimal

from invoice_svc.statuses import PaymentStatus


def can_post(total: Decimal) -> bool:
    """Whether an invoice may be posted: not while it totals below zero.

    An amendment that removes seats bills credits (negative lines). On an invoice with charges
    they lower the total; an invoice of credits alone (or mostly) would owe the customer money,
    which is a credit note's job: invoice runs issue credit notes for such bill-tos."""
    return total >= 0


def open_balance(total: Decimal, credited_total: Decimal, amount_paid: Decimal) -> Decimal:
    """What is still owed. Never below zero: a credit note for an invoice paid already credits
    the account instead (payment-svc keeps it as the account's credit balance)."""
    return max(total - credited_total - amount_paid, Decimal(0) * total)


def payment_status(total: Decimal, settled: Decimal) -> PaymentStatus:
    """`paid` once payments and credit notes (`settled`) cover the total (a zero invoice is
    paid from the start), `partially_paid` while they cover part of it."""
    if settled >= total:
        return PaymentStatus.PAID
    if settled > 0:
        return PaymentStatus.PARTIALLY_PAID
    return PaymentStatus.UNPAID
