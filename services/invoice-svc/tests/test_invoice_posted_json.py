"""`InvoicePosted`'s hand-written data is exactly what the contract's model makes of the rows."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from invoice_svc.service import invoice_posted_json
from q2c_shared.events import contracts


def _invoice(**overrides):
    return {
        "id": uuid.uuid4(),
        "number": None,
        "account_id": uuid.uuid4(),
        "legal_entity": "q2c GmbH",
        "invoice_date": date(2026, 2, 1),
        "due_date": date(2026, 3, 3),
        "currency": "EUR",
        "payment_term": "net_30",
        "subtotal": Decimal("48.00"),
        "tax_total": Decimal("9.12"),
        "total": Decimal("57.12"),
        "balance": Decimal("57.12"),
    } | overrides


def _line(**overrides):
    return {
        "id": uuid.uuid4(),
        "order_id": uuid.uuid4(),
        "order_product_id": uuid.uuid4(),
        "product_id": uuid.uuid4(),
        "description": "Seat — Team plan",
        "period_start": date(2026, 1, 15),
        "period_end": date(2026, 1, 31),
        "quantity": Decimal("2.5"),
        "amount": Decimal("17.00"),
        "tax_amount": Decimal("3.23"),
        "tax_rate_percent": Decimal("19"),
    } | overrides


@pytest.mark.parametrize(
    ("invoice", "lines"),
    [
        (_invoice(), [_line(), _line(tax_rate_percent=None, tax_amount=Decimal("0.00"))]),
        (
            _invoice(
                legal_entity=None,
                currency="JPY",
                subtotal=Decimal("1000"),
                tax_total=Decimal("0"),
                total=Decimal("1000"),
                balance=Decimal("1000"),
            ),
            [
                _line(
                    amount=Decimal("1000"),
                    tax_amount=Decimal("0"),
                    tax_rate_percent=Decimal("8.875"),
                )
            ],
        ),
        (_invoice(), [_line(amount=Decimal("-22.00"), quantity=Decimal("-1"))]),
        (_invoice(), []),
        (_invoice(number="INV-000042"), [_line()]),
    ],
)
def test_the_json_written_by_hand_equals_the_models_dump(invoice, lines):
    by_model = contracts.InvoicePosted(invoice=_snapshot(invoice, lines)).model_dump(mode="json")

    assert invoice_posted_json(invoice, lines) == by_model
    contracts.InvoicePosted.model_validate(invoice_posted_json(invoice, lines))


def _snapshot(invoice, lines):
    """The model, built field by field from the rows (a draft's missing number is empty)."""
    return contracts.InvoiceSnapshot(
        id=str(invoice["id"]),
        number=invoice["number"] or "",
        account_id=str(invoice["account_id"]),
        legal_entity=invoice["legal_entity"],
        invoice_date=invoice["invoice_date"],
        due_date=invoice["due_date"],
        currency=invoice["currency"],
        payment_term=invoice["payment_term"],
        subtotal=invoice["subtotal"],
        tax_total=invoice["tax_total"],
        total=invoice["total"],
        balance=invoice["balance"],
        lines=[
            contracts.InvoiceLineSnapshot(
                id=str(line["id"]),
                order_id=str(line["order_id"]),
                order_product_id=str(line["order_product_id"]),
                product_id=str(line["product_id"]),
                description=line["description"],
                period_start=line["period_start"],
                period_end=line["period_end"],
                quantity=line["quantity"],
                amount=line["amount"],
                tax_amount=line["tax_amount"],
                tax_rate_percent=line["tax_rate_percent"],
            )
            for line in lines
        ],
    )
