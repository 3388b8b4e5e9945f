"""invoice-svc's event writers (events.py) against their contract models and the rows they read.

Each event is taken from the outbox as it would be published, read back through its model in
`q2c_shared.events.contracts`, and compared field by field with the invoice or credit note row
and its line rows: every field the contract has must arrive (tax per line, totals, number, due
date), whichever path wrote it (an invoice run's batch, an invoice posted by hand, a credit note
of an invoice, a run's draft credit note issued by hand).
"""

import uuid
from typing import Any

from factories import (
    account_event,
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    publish_account_events,
    run_invoices,
    setup_fee,
)
from pydantic import BaseModel
from sqlalchemy import select

from invoice_svc.models import BillToAccount, CreditNote, CreditNoteLine, Invoice, InvoiceLine
from q2c_shared.events import contracts
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.waiting import eventually


def _missing_fields(snapshot: BaseModel, row: Any) -> dict[str, tuple[Any, Any]]:
    """The contract fields whose value did not arrive from the row: name -> (row, event).
    Every contract field but the nested lines must be a column of the row."""
    missing = {}
    for name in type(snapshot).model_fields:
        if name == "lines":
            continue
        expected = getattr(row, name)
        if isinstance(expected, uuid.UUID):
            expected = str(expected)
        if getattr(snapshot, name) != expected:
            missing[name] = (expected, getattr(snapshot, name))
    return missing


async def _envelope(service, event_type: str, subject: str) -> dict[str, Any]:
    async with service.database.transaction() as session:
        (envelope,) = (
            await session.scalars(
                select(OutboxEvent.envelope).where(
                    OutboxEvent.event_type == event_type,
                    OutboxEvent.envelope["subject"].astext == subject,
                )
            )
        ).all()
    return envelope


async def _assert_invoice_posted_carries_its_rows(service, invoice_id: str) -> None:
    envelope = await _envelope(service, "InvoicePosted", invoice_id)
    # Every field of the contract is written out, none left to a default.
    assert set(envelope["data"]["invoice"]) == set(contracts.InvoiceSnapshot.model_fields)
    for line in envelope["data"]["invoice"]["lines"]:
        assert set(line) == set(contracts.InvoiceLineSnapshot.model_fields)
    event = contracts.InvoicePosted.model_validate(envelope["data"])
    async with service.database.transaction() as session:
        invoice = await session.get(Invoice, uuid.UUID(invoice_id))
        lines = list(
            await session.scalars(
                select(InvoiceLine)
                .where(InvoiceLine.invoice_id == invoice.id)
                .order_by(InvoiceLine.position)
            )
        )
    assert invoice.status == "posted" and invoice.number
    assert _missing_fields(event.invoice, invoice) == {}
    assert [line.id for line in event.invoice.lines] == [str(line.id) for line in lines]
    for snapshot, line in zip(event.invoice.lines, lines, strict=True):
        assert _missing_fields(snapshot, line) == {}


async def _assert_credit_note_issued_carries_its_rows(
    service, credit_note_id: str, *, invoice_balance: str | None
) -> None:
    envelope = await _envelope(service, "CreditNoteIssued", credit_note_id)
    assert set(envelope["data"]["credit_note"]) == set(contracts.CreditNoteSnapshot.model_fields)
    for line in envelope["data"]["credit_note"]["lines"]:
        assert set(line) == set(contracts.CreditNoteLineSnapshot.model_fields)
    event = contracts.CreditNoteIssued.model_validate(envelope["data"])
    assert envelope["data"]["invoice_balance"] == invoice_balance
    async with service.database.transaction() as session:
        note = await session.get(CreditNote, uuid.UUID(credit_note_id))
        lines = list(
            await session.scalars(
                select(CreditNoteLine)
                .where(CreditNoteLine.credit_note_id == note.id)
                .order_by(CreditNoteLine.position)
            )
        )
        invoice_number = (
            None
            if note.invoice_id is None
            else (await session.get(Invoice, note.invoice_id)).number
        )
    assert note.status == "issued" and note.number
    assert event.credit_note.invoice_number == invoice_number
    assert _missing_fields(event.credit_note, _WithNumber(note, invoice_number)) == {}
    assert [line.id for line in event.credit_note.lines] == [str(line.id) for line in lines]
    for snapshot, line in zip(event.credit_note.lines, lines, strict=True):
        assert _missing_fields(snapshot, line) == {}


class _WithNumber:
    """A credit note row with its invoice's number, which the row itself does not hold."""

    def __init__(self, note: CreditNote, invoice_number: str | None) -> None:
        self._note = note
        self.invoice_number = invoice_number

    def __getattr__(self, name: str) -> Any:
        return getattr(self._note, name)


async def _taxed_bill_to(service, settings) -> tuple[str, str]:
    """A Berlin bill-to with a 19% rate on a tax code of the test's own."""
    tax_code = f"SAAS-{uuid.uuid4().hex[:8]}"
    created = await service.client.post(
        "/v1/tax-rates", json={"country": "DE", "tax_code": tax_code, "rate_percent": "19"}
    )
    assert created.status_code == 201, created.text
    account_id = str(uuid.uuid4())
    await publish_account_events(settings, account_event(account_id=account_id))

    async def recorded():
        async with service.database.transaction() as session:
            return await session.get(BillToAccount, uuid.UUID(account_id))

    await eventually(recorded, message=f"account {account_id} did not reach the read model")
    return account_id, tax_code


async def _taxed_invoice(service, settings, *, post: bool) -> dict[str, Any]:
    account_id, tax_code = await _taxed_bill_to(service, settings)
    event = order_activated(
        account_id=account_id,
        legal_entity=f"Seller {uuid.uuid4()}",
        products=[order_product(tax_code=tax_code), setup_fee(tax_code=None)],
    )
    await activate_orders(service.client, settings, event)
    run = await run_invoices(
        service.client, target_date="2026-02-01", account_ids=[account_id], post=post
    )
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    return invoice


async def test_invoice_posted_by_a_run_carries_every_field_of_its_rows(service, settings):
    invoice = await _taxed_invoice(service, settings, post=True)

    assert (invoice["number"], invoice["tax_total"]) == ("INV-000001", "9.12")
    await _assert_invoice_posted_carries_its_rows(service, invoice["id"])


async def test_invoice_posted_by_hand_carries_every_field_of_its_rows(service, settings):
    draft = await _taxed_invoice(service, settings, post=False)

    posted = await service.client.post(f"/v1/invoices/{draft['id']}/post")

    assert posted.status_code == 200, posted.text
    assert (posted.json()["number"], posted.json()["tax_total"]) == ("INV-000001", "9.12")
    await _assert_invoice_posted_carries_its_rows(service, draft["id"])


async def test_credit_note_of_an_invoice_carries_every_field_of_its_rows(service, settings):
    invoice = await _taxed_invoice(service, settings, post=True)
    february = next(line for line in invoice["lines"] if line["amount"] == "31.00")

    response = await service.client.post(
        f"/v1/invoices/{invoice['id']}/credit-notes",
        json={
            "reason": "Goodwill",
            "lines": [{"invoice_line_id": february["id"], "amount": "10.00"}],
        },
    )

    assert response.status_code == 201, response.text
    assert (response.json()["total"], response.json()["tax_total"]) == ("11.90", "1.90")
    await _assert_credit_note_issued_carries_its_rows(
        service, response.json()["id"], invoice_balance="545.22"
    )


async def test_credit_note_of_an_invoice_run_carries_every_field_of_its_rows(service, settings):
    """A seat removed from 2026-03-10: the run of that day has only the credit to bill, and
    issues it as a credit note (crediting no invoice: no invoice balance)."""
    account_id, contract_id = str(uuid.uuid4()), str(uuid.uuid4())
    original = order_activated(
        account_id=account_id,
        contract_id=contract_id,
        products=[order_product(quantity="2", monthly_amount="62.00")],
    )
    removal = order_activated(
        account_id=account_id,
        contract_id=contract_id,
        order_type="amendment",
        products=[
            order_product(
                product_id=original.data["order"]["order_products"][0]["product_id"],
                quantity="-1",
                monthly_amount="-31.00",
                start_date="2026-03-10",
            )
        ],
    )
    await activate_orders(service.client, settings, original, removal)
    await run_invoices(
        service.client, target_date="2026-03-01", account_ids=[account_id], post=True
    )

    run = await run_invoices(
        service.client, target_date="2026-03-10", account_ids=[account_id], post=True
    )

    assert run["credit_notes_created"] == 1
    listed = await service.client.get("/v1/credit-notes", params={"account_id": account_id})
    (note,) = listed.json()["items"]
    assert (note["status"], note["total"], note["invoice_id"]) == ("issued", "22.00", None)
    await _assert_credit_note_issued_carries_its_rows(service, note["id"], invoice_balance=None)
