"""A known account history for the report, statement and journal tests, made through the real
flow: `InvoicePosted` and `CreditNoteIssued` on the real broker, payments, unapplying and refunds
over HTTP.

Account USD (net of everything, see the tests for the figures):
  2026-01-01 INV-000001 110.00 (100.00 + 10.00 tax), due 2026-01-31
  2026-02-10 payment WIRE-1 150.00: 110.00 pays INV-000001, 40.00 unapplied cash
  2026-03-01 INV-000002 50.00 (no tax), due 2026-03-31: WIRE-1's 40.00 pays it when it posts
  2026-03-05 CN-000001 22.00 (20.00 + 2.00 tax) of the paid INV-000001: all excess, a customer
             credit that pays INV-000002's last 10.00 at once; 12.00 stays credit
  today      WIRE-1's allocation to INV-000001 unapplied (110.00 owed again), 30.00 of WIRE-1
             refunded, 5.00 of the credit refunded
Account EUR: 2026-02-01 INV-000003 300.00 (250.00 + 50.00 tax), due 2026-03-03; 2026-02-20
             payment CHK-7 100.00 by check.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from factories import (
    credit_note_issued,
    invoice_posted,
    issue_credit_note,
    post_invoice,
    record_payment,
)

from q2c_shared.events.envelope import CloudEvent


def with_tax(event: CloudEvent, tax_total: str, document: str = "invoice") -> CloudEvent:
    """The factory's event with `tax_total` of its total as tax (subtotal the rest)."""
    data = dict(event.data)
    body = dict(data[document])
    body["tax_total"] = tax_total
    body["subtotal"] = str(Decimal(body["total"]) - Decimal(tax_total))
    data[document] = body
    return event.model_copy(update={"data": data})


@dataclass
class History:
    usd_account: str
    eur_account: str
    first_invoice: dict[str, Any]
    second_invoice: dict[str, Any]
    eur_invoice: dict[str, Any]
    wire: dict[str, Any]
    check: dict[str, Any]
    credit_note: dict[str, Any]
    credit_payment_id: str
    credit_allocation_id: str
    later_allocation_id: str
    unapplied_allocation_id: str
    wire_refund: dict[str, Any]
    credit_refund: dict[str, Any]
    today: date


async def _payment(client: Any, payment_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/payments/{payment_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def _refund(client: Any, payment_id: str, amount: str) -> dict[str, Any]:
    response = await client.post(f"/v1/payments/{payment_id}/refunds", json={"amount": amount})
    assert response.status_code == 201, response.text
    return response.json()


async def seed_history(service: Any, settings: Any) -> History:
    client = service.client
    usd, eur = str(uuid.uuid4()), str(uuid.uuid4())
    first = await post_invoice(
        service,
        settings,
        with_tax(
            invoice_posted(
                account_id=usd,
                total="110.00",
                number="INV-000001",
                invoice_date=date(2026, 1, 1),
                due_date=date(2026, 1, 31),
            ),
            "10.00",
        ),
    )
    response = await record_payment(
        client, account_id=usd, amount="150.00", reference="WIRE-1", received_on="2026-02-10"
    )
    assert response.status_code == 201, response.text
    wire = response.json()
    at_receipt = wire["allocations"][0]
    assert (at_receipt["invoice_id"], at_receipt["amount"]) == (first["invoice_id"], "110.00")

    second = await post_invoice(
        service,
        settings,
        invoice_posted(
            account_id=usd,
            total="50.00",
            number="INV-000002",
            invoice_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
        ),
    )
    wire = await _payment(client, wire["id"])
    (later,) = [a for a in wire["allocations"] if a["invoice_id"] == second["invoice_id"]]
    assert later["amount"] == "40.00"

    credit_note = await issue_credit_note(
        service,
        settings,
        with_tax(
            credit_note_issued(
                account_id=usd,
                total="22.00",
                invoice_id=first["invoice_id"],
                number="CN-000001",
                issue_date=date(2026, 3, 5),
            ),
            "2.00",
            document="credit_note",
        ),
    )
    assert (credit_note["applied"], credit_note["excess"]) == ("0.00", "22.00")
    credit = await _payment(client, credit_note["credit_payment_id"])
    (from_credit,) = credit["allocations"]
    assert (from_credit["invoice_id"], from_credit["amount"]) == (second["invoice_id"], "10.00")

    response = await client.post(
        f"/v1/payments/{wire['id']}/allocations/{at_receipt['id']}/unapply"
    )
    assert response.status_code == 200, response.text
    wire_refund = await _refund(client, wire["id"], "30.00")
    credit_refund = await _refund(client, credit["id"], "5.00")

    eur_invoice = await post_invoice(
        service,
        settings,
        with_tax(
            invoice_posted(
                account_id=eur,
                total="300.00",
                currency="EUR",
                number="INV-000003",
                invoice_date=date(2026, 2, 1),
                due_date=date(2026, 3, 3),
            ),
            "50.00",
        ),
    )
    response = await record_payment(
        client,
        account_id=eur,
        amount="100.00",
        currency="EUR",
        method="check",
        reference="CHK-7",
        received_on="2026-02-20",
    )
    assert response.status_code == 201, response.text

    return History(
        usd_account=usd,
        eur_account=eur,
        first_invoice=first,
        second_invoice=second,
        eur_invoice=eur_invoice,
        wire=await _payment(client, wire["id"]),
        check=response.json(),
        credit_note=credit_note,
        credit_payment_id=credit["id"],
        credit_allocation_id=from_credit["id"],
        later_allocation_id=later["id"],
        unapplied_allocation_id=at_receipt["id"],
        wire_refund=wire_refund,
        credit_refund=credit_refund,
        # The day of the later allocation, the unapplying and the refunds (UTC), which have no
        # business date of their own.
        today=datetime.now(UTC).date(),
    )
