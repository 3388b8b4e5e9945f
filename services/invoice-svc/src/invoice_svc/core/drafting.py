"""From grouped charges to draft invoices: lines, taxes, totals, due date.

Pure: an invoice run (runs/billing.py) or a preview (invoices/preview.py) reads the due
periods, `grouping.group_charges` splits them, and this module says what each invoice holds;
the run then writes it all in bulk.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from invoice_svc.core.grouping import InvoiceKey
from invoice_svc.core.tax import UNKNOWN_BILL_TO, BillToTaxProfile, TaxRateTable, line_tax
from q2c_shared.billing.terms import due_date
from q2c_shared.money import round_money, zero


class DueCharge(NamedTuple):
    """A pending billing period a run bills, with the split context of its schedule: what
    `grouping.group_charges` splits on and what its invoice line will show. The rows of
    `repository.lock_due_periods`, as they come.

    A named tuple rather than a dataclass: a run makes one per due period, and building a
    tuple costs a fraction of a frozen dataclass' field-by-field `__init__`."""

    billing_period_id: uuid.UUID
    billing_schedule_id: uuid.UUID
    period_start: date
    period_end: date
    amount: Decimal
    order_id: uuid.UUID
    order_product_id: uuid.UUID
    product_id: uuid.UUID
    description: str
    quantity: Decimal
    account_id: uuid.UUID
    """The order's account: the bill-to when neither billing account is set."""
    bill_to_account_id: uuid.UUID
    """The bill-to as `grouping.invoice_key` found it when the schedule was made: runs take
    whole bill-to accounts per batch by it (grouping finds it again from the fields below)."""
    currency: str
    payment_term: str
    tax_code: str | None = None
    order_billing_account_id: uuid.UUID | None = None
    product_billing_account_id: uuid.UUID | None = None
    invoice_grouping: str | None = None
    contract_number: str | None = None
    po_number: str | None = None
    legal_entity: str | None = None
    invoice_group_id: str | None = None


class DraftLine(NamedTuple):
    period: DueCharge
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
    groups: dict[InvoiceKey, list[DueCharge]],
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
    charges: list[DueCharge],
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
    rates: dict[str | None, Decimal | None] = {}  # by tax code: one bill-to, one address
    lines: list[DraftLine] = []
    for charge in charges:
        if charge.tax_code in rates:
            rate = rates[charge.tax_code]
        else:
            rate = rates[charge.tax_code] = tax.rate_for(key.bill_to_account_id, charge.tax_code)
        lines.append(DraftLine(charge, rate, line_tax(charge.amount, rate, currency)))
    subtotal = round_money(sum((line.period.amount for line in lines), nothing), currency)
    tax_total = round_money(sum((line.tax_amount for line in lines), nothing), currency)
    return InvoiceDraft(
        key=key,
        legal_entity=_legal_entity(charges),
        invoice_date=invoice_date,
        due_date=due_date(invoice_date, key.payment_term),
        lines=tuple(lines),
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
    )


def _legal_entity(charges: list[DueCharge]) -> str | None:
    """The selling entity whose series numbers the invoice: the same for every charge of an
    invoice, since the invoice key always includes it (grouping.py, docs/adr/0004)."""
    return charges[0].legal_entity
