"""From grouped charges to draft invoices: lines, totals, due date, payment status.

Pure: the invoice run (runs.py) reads and locks the due periods, `grouping.group_charges` splits
them, and this module says what each invoice holds; the run then writes it all in bulk.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoice_svc.grouping import BillableCharge, InvoiceKey
from invoice_svc.schemas import PaymentStatus
from invoice_svc.tax import UNKNOWN_BILL_TO, BillToTaxProfile, TaxRateTable, line_tax
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
    tax_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class DraftLine:
    period: DuePeriod
    tax_rate_percent: Decimal | None
    tax_amount: Decimal


@dataclass(frozen=True, kw_only=True)
class TaxContext:
    """The tax rates in force and the tax profiles of the bill-to accounts being drafted (by
    account id as grouping spells it); an account missing from `bill_tos` bears no tax."""

    rates: TaxRateTable
    bill_tos: Mapping[str, BillToTaxProfile]

    def rate_for(self, bill_to_account_id: str, tax_code: str | None) -> Decimal | None:
        return self.rates.rate_for(self.bill_tos.get(bill_to_account_id, UNKNOWN_BILL_TO), tax_code)


NO_TAX = TaxContext(rates=TaxRateTable(()), bill_tos={})


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
    groups: dict[InvoiceKey, list[BillableCharge]],
    *,
    invoice_date: date,
    tax: TaxContext = NO_TAX,
) -> list[InvoiceDraft]:
    """One draft per group, in the groups' order, lines in the charges' order."""
    return [
        draft_invoice(key, charges, invoice_date=invoice_date, tax=tax)
        for key, charges in groups.items()
    ]


def draft_invoice(
    key: InvoiceKey,
    charges: list[BillableCharge],
    *,
    invoice_date: date,
    tax: TaxContext = NO_TAX,
) -> InvoiceDraft:
    """The invoice of one group: each line taxed at the rate of the bill-to account's address
    and the product's tax code, rounded per line (tax.py); totals are sums of rounded lines."""
    if not charges:
        raise ValueError("an invoice needs at least one charge")
    currency = key.currency
    nothing = zero(currency)
    lines = tuple(
        _taxed_line(_due_period(charge), key.bill_to_account_id, currency, tax)
        for charge in charges
    )
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


def _taxed_line(
    period: DuePeriod, bill_to_account_id: str, currency: str, tax: TaxContext
) -> DraftLine:
    rate = tax.rate_for(bill_to_account_id, period.tax_code)
    return DraftLine(
        period=period, tax_rate_percent=rate, tax_amount=line_tax(period.amount, rate, currency)
    )


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


def _due_period(charge: BillableCharge) -> DuePeriod:
    if not isinstance(charge.ref, DuePeriod):
        raise TypeError(f"charge of order product {charge.order_product_id} carries no DuePeriod")
    return charge.ref


def _legal_entity(charges: list[BillableCharge]) -> str | None:
    """The selling entity whose series numbers the invoice: the same for every charge of an
    invoice, since the invoice key always includes it (grouping.py, docs/adr/0004)."""
    return charges[0].legal_entity
