"""From grouped charges to draft invoices: lines, totals, due date, payment status.

Pure: the invoice run (runs.py) reads and locks the due periods, `grouping.group_charges` splits
them, and this module says what each invoice holds; the run then writes it all in bulk.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoice_svc.grouping import BillableCharge, InvoiceKey
from invoice_svc.schemas import PaymentStatus
from q2c_shared.billing.terms import due_date
from q2c_shared.money import round_money, zero


@dataclass(frozen=True, kw_only=True)
class DuePeriod:
    """A pending billing period a run bills, with what its invoice line will show.

    Travels through grouping as `BillableCharge.ref`."""

    billing_period_id: uuid.UUID
    billing_schedule_id: uuid.UUID
    order_id: uuid.UUID
    order_product_id: uuid.UUID
    product_id: uuid.UUID
    description: str
    period_start: date
    period_end: date
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class DraftLine:
    period: DuePeriod
    tax_amount: Decimal


@dataclass(frozen=True, kw_only=True)
class InvoiceDraft:
    key: InvoiceKey
    legal_entity: str | None
    invoice_date: date
    due_date: date
    lines: tuple[DraftLine, ...]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def draft_invoices(
    groups: dict[InvoiceKey, list[BillableCharge]], *, invoice_date: date
) -> list[InvoiceDraft]:
    """One draft per group, in the groups' order, lines in the charges' order."""
    return [
        draft_invoice(key, charges, invoice_date=invoice_date) for key, charges in groups.items()
    ]


def draft_invoice(
    key: InvoiceKey, charges: list[BillableCharge], *, invoice_date: date
) -> InvoiceDraft:
    if not charges:
        raise ValueError("an invoice needs at least one charge")
    currency = key.currency
    nothing = zero(currency)
    # Tax rates are a later issue: every line carries a zero tax amount until then.
    lines = tuple(DraftLine(period=_due_period(charge), tax_amount=nothing) for charge in charges)
    subtotal = round_money(sum((line.period.amount for line in lines), nothing), currency)
    tax_total = round_money(sum((line.tax_amount for line in lines), nothing), currency)
    return InvoiceDraft(
        key=key,
        legal_entity=_legal_entity(charges),
        invoice_date=invoice_date,
        due_date=due_date(invoice_date, key.payment_term),
        lines=lines,
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
    )


def can_post(total: Decimal) -> bool:
    """Whether an invoice may be posted: not while it totals below zero.

    An amendment that removes seats bills credits (negative lines). On an invoice with charges
    they lower the total; an invoice of credits alone (or mostly) would owe the customer money,
    which is a credit note's job (issue 4), so it stays a draft until then."""
    return total >= 0


def payment_status(total: Decimal, amount_paid: Decimal) -> PaymentStatus:
    """`paid` once nothing is left to pay (a zero invoice is paid from the start)."""
    if amount_paid >= total:
        return PaymentStatus.PAID
    if amount_paid > 0:
        return PaymentStatus.PARTIALLY_PAID
    return PaymentStatus.UNPAID


def _due_period(charge: BillableCharge) -> DuePeriod:
    if not isinstance(charge.ref, DuePeriod):
        raise TypeError(f"charge of order product {charge.order_product_id} carries no DuePeriod")
    return charge.ref


def _legal_entity(charges: list[BillableCharge]) -> str | None:
    """The selling entity whose series numbers the invoice: the same for every charge of an
    invoice, since the invoice key always includes it (grouping.py, docs/adr/0004)."""
    return charges[0].legal_entity
