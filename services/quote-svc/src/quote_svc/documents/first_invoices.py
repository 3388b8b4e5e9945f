"""The quote's first invoices, exactly as invoice-svc will bill them: split, dated and taxed.

The quote goes to invoice-svc's preview as the order order-svc will make of it once accepted
(`QuoteAccepted`: each line an order product over the quote's term, with every billing field the
line carries, `tax_code` included), built from the rows, never from the public quote, which does
not show `tax_code`. invoice-svc schedules it with the code that schedules activated orders, and
groups, drafts and taxes it with the code of an invoice run.

A preview for a date bills everything due by that date, as a first run would. The document shows
what a run on each of the first billing dates makes when a run came on each date before it:
the lines a preview for an earlier date already had are dropped, and each invoice's totals are
the sums of the lines left (as invoice-svc's are: totals are sums of lines rounded one by one).

An amendment's change is cut on the period grid of the subscription it changes: each of its
order products names the subscription's start (`subscription_start_date`), as the contract
snapshot does for the real amendment order. Where its credits outweigh its charges (seats
removed), a run issues a credit note instead of an invoice, and so does the preview.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from q2c_shared.billing import charges
from q2c_shared.billing.terms import due_date
from q2c_shared.money import round_money, zero
from quote_svc.documents.invoice_client import (
    PreviewAnswer,
    PreviewedCreditNote,
    PreviewedInvoice,
    PreviewedLine,
)
from quote_svc.models import Quote, QuoteLine
from quote_svc.statuses import QuoteType

FIRST_BILLING_DATES = 3
"""How many billing dates the quote document shows invoices for."""


def billing_dates(
    quote: Quote, lines: Sequence[QuoteLine], *, count: int = FIRST_BILLING_DATES
) -> list[date]:
    """The first `count` dates anything on the quote is billable, earliest first, cut by the one
    dispatch per charge type on the period grid each line's order product will be billed on."""
    dates: set[date] = set()
    for line in lines:
        for period in charges.billing_periods(
            charge_type=line.charge_type,
            start_date=quote.start_date,
            end_date=quote.end_date,
            monthly_amount=line.monthly_amount,
            amount=line.amount,
            billing_frequency=line.billing_frequency,
            billing_type=line.billing_type,
            currency=quote.currency,
            billing_day_of_month=quote.billing_day_of_month,
            grid_start=line.subscription_start_date,
        ):
            dates.add(period.billable_date)
    return sorted(dates)[:count]


def preview_request(quote: Quote, lines: Sequence[QuoteLine], billing_date: date) -> dict:
    """The body of `POST /v1/invoices/preview` for a run on `billing_date` of the quote alone."""
    return {
        "target_date": billing_date.isoformat(),
        "invoice_date": billing_date.isoformat(),
        "proposed_order": proposed_order(quote, lines),
    }


def proposed_order(quote: Quote, lines: Sequence[QuoteLine]) -> dict[str, Any]:
    """The order order-svc will make of the accepted quote, as invoice-svc's preview takes it:
    not yet numbered, so without an id or a contract number."""
    return {
        "account_id": str(quote.account_id),
        "billing_account_id": _str_or_none(quote.billing_account_id),
        "currency": quote.currency,
        "payment_term": quote.payment_term,
        "po_number": quote.po_number,
        "legal_entity": quote.legal_entity,
        "billing_day_of_month": quote.billing_day_of_month,
        "order_products": [_order_product(quote, line) for line in lines],
    }


def _order_product(quote: Quote, line: QuoteLine) -> dict[str, Any]:
    # An amendment orders the change of quantity, and its amounts are for that change.
    changes_quantity = quote.type == QuoteType.AMENDMENT and line.quantity_delta is not None
    return {
        "id": str(line.id),  # the preview's lines name the quote line they bill
        "product_id": str(line.product_id),
        "sku": line.sku,
        "product_name": line.product_name,
        "charge_type": line.charge_type,
        "billing_type": line.billing_type,
        "billing_frequency": line.billing_frequency,
        "tax_code": line.tax_code,
        "quantity": str(line.quantity_delta if changes_quantity else line.quantity),
        "net_unit_price": str(line.net_unit_price),
        "monthly_amount": _str_or_none(line.monthly_amount),
        "amount": _str_or_none(line.amount),
        "billing_account_id": _str_or_none(line.billing_account_id),
        "invoice_grouping": line.invoice_grouping,
        "invoice_group_id": line.invoice_group_id,
        "start_date": quote.start_date.isoformat(),
        "end_date": quote.end_date.isoformat(),
        "subscription_id": _str_or_none(line.subscription_id),
        "subscription_start_date": _str_or_none(line.subscription_start_date),
    }


FirstDocument = PreviewedInvoice | PreviewedCreditNote
"""An invoice or a credit note of the quote's first billing dates."""


def documents_of_each_date(
    previews: Sequence[PreviewAnswer], *, payment_term: str
) -> list[FirstDocument]:
    """The invoices and credit notes of runs on successive billing dates, given each date's
    preview (everything due by that date): each without the lines an earlier date's preview
    already billed or credited, its totals summed again; one left with no line is none. What is
    left of a preview's invoice or credit note is an invoice when it totals zero or more, else a
    credit note, as a run decides on what it has left to bill (`payment_term`, the quote's, dates
    an invoice made of a credit note's lines)."""
    billed: set[tuple[uuid.UUID | None, date, date]] = set()
    documents: list[FirstDocument] = []
    for preview in previews:
        # Every line in an invoice's signs: a credit note's credits are turned back to charges.
        drafts = [
            (invoice, invoice.invoice_date, invoice.due_date, invoice.lines)
            for invoice in preview.items
        ] + [
            (
                note,
                note.issue_date,
                due_date(note.issue_date, payment_term),
                [_turned(line) for line in note.lines],
            )
            for note in preview.credit_notes
        ]
        for previewed, billing_date, due, lines in drafts:
            left = [line for line in lines if _billed_as(line) not in billed]
            if left:
                documents.append(_document(previewed, billing_date, due, left))
        billed.update(_billed_as(line) for _, _, _, lines in drafts for line in lines)
    return documents


def _document(
    previewed: FirstDocument, billing_date: date, due: date, lines: list[PreviewedLine]
) -> FirstDocument:
    """`lines` (in an invoice's signs) of a previewed invoice or credit note as what a run
    makes of them: an invoice, or a credit note when they total below zero."""
    currency = previewed.currency
    subtotal = _sum((line.amount for line in lines), currency)
    tax_total = _sum((line.tax_amount for line in lines), currency)
    if subtotal + tax_total >= 0:
        return PreviewedInvoice(
            account_id=previewed.account_id,
            currency=currency,
            invoice_date=billing_date,
            due_date=due,
            lines=lines,
            subtotal=subtotal,
            tax_total=tax_total,
            total=subtotal + tax_total,
            grouping=previewed.grouping,
        )
    return PreviewedCreditNote(
        account_id=previewed.account_id,
        currency=currency,
        issue_date=billing_date,
        lines=[_turned(line) for line in lines],
        subtotal=_negated(subtotal),
        tax_total=_negated(tax_total),
        total=_negated(subtotal + tax_total),
        grouping=previewed.grouping,
    )


def _turned(line: PreviewedLine) -> PreviewedLine:
    """A credit note's line as the invoice line it credits, or back (signs turned)."""
    return line.model_copy(
        update={"amount": _negated(line.amount), "tax_amount": _negated(line.tax_amount)}
    )


def _negated(amount: Decimal) -> Decimal:
    return Decimal(0) - amount  # never -0.00, which would print as a credit of nothing


def _billed_as(line: PreviewedLine) -> tuple[uuid.UUID | None, date, date]:
    return (line.order_product_id, line.period_start, line.period_end)


def _sum(amounts: Iterable[Decimal], currency: str) -> Decimal:
    return round_money(sum(amounts, zero(currency)), currency)


def _str_or_none(value: object | None) -> str | None:
    return None if value is None else str(value)
