"""invoice-svc's events: the one writer of each event's data, built from domain rows.

`InvoicePosted` is written as prebuilt JSON (`enqueue_json`): an invoice run posts thousands
per batch and cannot afford a model per invoice and line. `CreditNoteIssued` is written as its
model (`enqueue_many`): runs issue few. Both read the rows as they are written (the invoice and
its lines, the credit note and its lines), never a public API model, so no field the API leaves
out can go missing from an event. tests/test_events.py holds each writer to its contract model.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from q2c_shared.events import contracts
from q2c_shared.money import plain_decimal
from q2c_shared.outbox import JsonEvent


def invoice_posted(invoice: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> JsonEvent:
    """`InvoicePosted` of an invoice row and its line rows (in position order), in the
    contract's JSON form, keyed by the bill-to account so that one account's events stay in
    order. A draft not numbered yet gets an empty number: posting fills in its number and due
    date with `numbered` once its series gives them."""
    data = {
        "invoice": {
            "id": str(invoice["id"]),
            "number": invoice["number"] or "",
            "account_id": str(invoice["account_id"]),
            "legal_entity": invoice["legal_entity"],
            "invoice_date": invoice["invoice_date"].isoformat(),
            "due_date": invoice["due_date"].isoformat(),
            "currency": invoice["currency"],
            "payment_term": invoice["payment_term"],
            "subtotal": plain_decimal(invoice["subtotal"]),
            "tax_total": plain_decimal(invoice["tax_total"]),
            "total": plain_decimal(invoice["total"]),
            "balance": plain_decimal(invoice["balance"]),
            "lines": [
                {
                    "id": str(line["id"]),
                    "order_id": str(line["order_id"]),
                    "order_product_id": str(line["order_product_id"]),
                    "product_id": str(line["product_id"]),
                    "description": line["description"],
                    "period_start": line["period_start"].isoformat(),
                    "period_end": line["period_end"].isoformat(),
                    "quantity": plain_decimal(line["quantity"]),
                    "amount": plain_decimal(line["amount"]),
                    "tax_amount": plain_decimal(line["tax_amount"]),
                    "tax_rate_percent": _plain_or_none(line["tax_rate_percent"]),
                }
                for line in lines
            ],
        }
    }
    return JsonEvent(contracts.InvoicePosted, data, str(invoice["account_id"]), str(invoice["id"]))


def numbered(event: JsonEvent, *, number: str, due_date: date) -> JsonEvent:
    """The `InvoicePosted` event with the number and due date its posting gave the invoice."""
    event.data["invoice"]["number"] = number
    event.data["invoice"]["due_date"] = due_date.isoformat()
    return event


def credit_note_issued(
    note: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    *,
    number: str,
    invoice_number: str | None,
    invoice_balance: Decimal | None,
) -> tuple[contracts.CreditNoteIssued, str, str]:
    """`CreditNoteIssued` of a credit note row and its line rows (in position order), with the
    number its series gave it and the credited invoice's number and balance after it (None for
    an invoice run's credit note, which credits no invoice); with its key (the bill-to account)
    and subject, as `enqueue_many` takes them."""
    snapshot = contracts.CreditNoteSnapshot(
        id=str(note["id"]),
        number=number,
        account_id=str(note["account_id"]),
        legal_entity=note["legal_entity"],
        invoice_id=_str_or_none(note["invoice_id"]),
        invoice_number=invoice_number,
        issue_date=note["issue_date"],
        currency=note["currency"],
        reason=note["reason"],
        subtotal=note["subtotal"],
        tax_total=note["tax_total"],
        total=note["total"],
        lines=[
            contracts.CreditNoteLineSnapshot(
                id=str(line["id"]),
                invoice_line_id=_str_or_none(line["invoice_line_id"]),
                order_id=str(line["order_id"]),
                order_product_id=str(line["order_product_id"]),
                product_id=str(line["product_id"]),
                description=line["description"],
                period_start=line["period_start"],
                period_end=line["period_end"],
                quantity=line["quantity"],
                amount=line["amount"],
                tax_rate_percent=line["tax_rate_percent"],
                tax_amount=line["tax_amount"],
            )
            for line in lines
        ],
    )
    event = contracts.CreditNoteIssued(credit_note=snapshot, invoice_balance=invoice_balance)
    return event, str(note["account_id"]), str(note["id"])


def _plain_or_none(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(value)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
