"""What a credit note credits: an invoice in full or by line, or a run's net credits.

Pure. Credit notes show what is credited as positive amounts. An invoice line can be credited
up to what is left of it (its amount less what earlier credit notes took), with its tax: the
whole remaining tax when the rest of the line is credited, else the credited amount at the
line's rate, rounded half-up, never more than the tax left. So crediting a line in parts never
credits more tax than the line bore, and crediting everything left always clears it exactly.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoice_svc.core.drafting import DraftLine, InvoiceDraft
from invoice_svc.core.tax import line_tax
from q2c_shared.money import round_money, zero


class CreditRefused(ValueError):
    """A credit the invoice cannot take; `code` is the problem's stable code."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, kw_only=True)
class CreditableLine:
    """An invoice line as crediting sees it: what it billed and what was credited already."""

    invoice_line_id: uuid.UUID
    order_id: uuid.UUID
    order_product_id: uuid.UUID
    product_id: uuid.UUID
    description: str
    period_start: date
    period_end: date
    quantity: Decimal
    amount: Decimal
    tax_rate_percent: Decimal | None
    tax_amount: Decimal
    credited_amount: Decimal
    credited_tax: Decimal

    @property
    def amount_left(self) -> Decimal:
        return self.amount - self.credited_amount

    @property
    def tax_left(self) -> Decimal:
        return self.tax_amount - self.credited_tax


@dataclass(frozen=True, kw_only=True)
class CreditLine:
    """One line of a credit note: positive amounts credited (negative for a charge a run's
    credit note nets against its credits)."""

    invoice_line_id: uuid.UUID | None
    billing_period_id: uuid.UUID | None
    order_id: uuid.UUID
    order_product_id: uuid.UUID
    product_id: uuid.UUID
    description: str
    period_start: date
    period_end: date
    quantity: Decimal
    amount: Decimal
    tax_rate_percent: Decimal | None
    tax_amount: Decimal


@dataclass(frozen=True, kw_only=True)
class CreditTotals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def credit_in_full(lines: Sequence[CreditableLine]) -> list[CreditLine]:
    """Everything left on the invoice: each line's remaining amount and tax (an invoice's own
    credit lines, negative, are given back too, so the credit note totals what is left)."""
    credits = [
        _credit_line(line, amount=line.amount_left, tax_amount=line.tax_left)
        for line in lines
        if line.amount_left != 0 or line.tax_left != 0
    ]
    if not credits or sum(credit.amount + credit.tax_amount for credit in credits) <= 0:
        raise CreditRefused(
            "Nothing is left to credit on this invoice: earlier credit notes took it all.",
            code="invoice_fully_credited",
        )
    return credits


def credit_by_line(
    lines: Sequence[CreditableLine],
    requested: Sequence[tuple[uuid.UUID, Decimal]],
    *,
    currency: str,
) -> list[CreditLine]:
    """The requested `(invoice_line_id, amount)` credits, in the order asked, each checked
    against what is left of its line."""
    by_id = {line.invoice_line_id: line for line in lines}
    seen: set[uuid.UUID] = set()
    credits: list[CreditLine] = []
    for invoice_line_id, amount in requested:
        line = by_id.get(invoice_line_id)
        if line is None:
            raise CreditRefused(
                f"Invoice line {invoice_line_id} is not a line of this invoice.",
                code="invoice_line_not_on_invoice",
            )
        if invoice_line_id in seen:
            raise CreditRefused(
                f"Invoice line {invoice_line_id} is named twice; give one amount per line.",
                code="invoice_line_repeated",
            )
        seen.add(invoice_line_id)
        if round_money(amount, currency) != amount:
            raise CreditRefused(
                f"{amount} has more decimals than {currency} has minor units.",
                code="amount_not_in_minor_units",
            )
        if line.amount <= 0:
            raise CreditRefused(
                f"Invoice line {invoice_line_id} is itself a credit ({line.amount}); only "
                "charges can be credited.",
                code="invoice_line_not_a_charge",
            )
        if amount > line.amount_left:
            raise CreditRefused(
                f"Invoice line {invoice_line_id} has {line.amount_left} {currency} left to "
                f"credit (billed {line.amount}, credited {line.credited_amount}); {amount} is "
                "more.",
                code="credit_exceeds_line",
            )
        credits.append(
            _credit_line(line, amount=amount, tax_amount=_tax_of(line, amount, currency))
        )
    return credits


def _tax_of(line: CreditableLine, amount: Decimal, currency: str) -> Decimal:
    if amount == line.amount_left:
        return line.tax_left
    return min(line_tax(amount, line.tax_rate_percent, currency), line.tax_left)


def credit_totals(credits: Sequence[CreditLine], currency: str) -> CreditTotals:
    nothing = zero(currency)
    subtotal = sum((credit.amount for credit in credits), nothing)
    tax_total = sum((credit.tax_amount for credit in credits), nothing)
    return CreditTotals(subtotal=subtotal, tax_total=tax_total, total=subtotal + tax_total)


def run_credits(draft: InvoiceDraft) -> list[CreditLine]:
    """An invoice run's draft that came out below zero, as the lines of a credit note: each
    line's sign turned, so that the credit note shows what the customer is owed."""
    return [_turned(line) for line in draft.lines]


def _turned(line: DraftLine) -> CreditLine:
    period = line.period
    return CreditLine(
        invoice_line_id=None,
        billing_period_id=period.billing_period_id,
        order_id=period.order_id,
        order_product_id=period.order_product_id,
        product_id=period.product_id,
        description=period.description,
        period_start=period.period_start,
        period_end=period.period_end,
        quantity=-period.quantity,
        amount=-period.amount,
        tax_rate_percent=line.tax_rate_percent,
        tax_amount=-line.tax_amount,
    )


def _credit_line(line: CreditableLine, *, amount: Decimal, tax_amount: Decimal) -> CreditLine:
    return CreditLine(
        invoice_line_id=line.invoice_line_id,
        billing_period_id=None,
        order_id=line.order_id,
        order_product_id=line.order_product_id,
        product_id=line.product_id,
        description=line.description,
        period_start=line.period_start,
        period_end=line.period_end,
        quantity=line.quantity,
        amount=amount,
        tax_rate_percent=line.tax_rate_percent,
        tax_amount=tax_amount,
    )
