"""Credit notes over HTTP: in full or by line, gapless CN- numbers, balances, the event, and
what is refused."""

import asyncio
import uuid

from factories import activate_orders, invoices_of, order_activated, order_product, run_invoices
from sqlalchemy import select

from q2c_shared.outbox import OutboxEvent


async def _posted_invoice(service, settings, *, legal_entity="q2c Inc", post=True):
    """17.00 (Jan 15-31) + 31.00 (February) of one seat, no tax."""
    account_id = str(uuid.uuid4())
    event = order_activated(
        account_id=account_id,
        legal_entity=legal_entity,
        products=[order_product(tax_code=None)],
    )
    await activate_orders(service.client, settings, event)
    run = await run_invoices(
        service.client, target_date="2026-02-01", account_ids=[account_id], post=post
    )
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    return invoice


async def _credit(client, invoice_id, **body):
    return await client.post(
        f"/v1/invoices/{invoice_id}/credit-notes", json={"reason": "Goodwill"} | body
    )


async def _issued_events(database, credit_note_id):
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "CreditNoteIssued",
                OutboxEvent.envelope["subject"].astext == credit_note_id,
            )
        )
        return list(rows)


async def test_a_full_credit_note_takes_the_whole_balance_and_is_announced(service, settings):
    invoice = await _posted_invoice(service, settings, legal_entity=f"Seller {uuid.uuid4()}")

    response = await _credit(service.client, invoice["id"], issue_date="2026-02-10")

    assert response.status_code == 201, response.text
    note = response.json()
    assert (note["number"], note["status"], note["total"], note["issue_date"]) == (
        "CN-000001",  # the seller's first credit note: its own series
        "issued",
        "48.00",
        "2026-02-10",
    )
    assert (note["invoice_id"], note["invoice_number"]) == (invoice["id"], invoice["number"])
    assert sorted(line["amount"] for line in note["lines"]) == ["17.00", "31.00"]
    credited = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
    assert (credited["credited_total"], credited["balance"], credited["payment_status"]) == (
        "48.00",
        "0.00",
        "paid",
    )
    (event,) = await _issued_events(service.database, note["id"])
    assert event.envelope["data"]["credit_note"]["number"] == "CN-000001"
    assert event.envelope["data"]["invoice_balance"] == "0.00"
    again = await _credit(service.client, invoice["id"])
    assert again.status_code == 409
    assert again.json()["code"] == "invoice_fully_credited"


async def test_credit_notes_by_line_lower_the_balance_and_number_without_gaps(service, settings):
    seller = f"Seller {uuid.uuid4()}"
    invoice = await _posted_invoice(service, settings, legal_entity=seller)
    february = next(line for line in invoice["lines"] if line["amount"] == "31.00")

    first = await _credit(
        service.client,
        invoice["id"],
        lines=[{"invoice_line_id": february["id"], "amount": "10.00"}],
    )
    too_much = await _credit(
        service.client,
        invoice["id"],
        lines=[{"invoice_line_id": february["id"], "amount": "21.01"}],
    )
    second = await _credit(
        service.client,
        invoice["id"],
        lines=[{"invoice_line_id": february["id"], "amount": "21.00"}],
    )

    assert first.status_code == 201 and second.status_code == 201
    assert [first.json()["number"], second.json()["number"]] == ["CN-000001", "CN-000002"]
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "credit_exceeds_line"
    current = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
    assert (current["credited_total"], current["balance"], current["payment_status"]) == (
        "31.00",
        "17.00",
        "partially_paid",
    )
    listed = await service.client.get("/v1/credit-notes", params={"invoice_id": invoice["id"]})
    assert {note["number"] for note in listed.json()["items"]} == {"CN-000001", "CN-000002"}


async def test_two_credit_notes_at_once_never_credit_more_than_the_invoice(service, settings):
    invoice = await _posted_invoice(service, settings)

    responses = await asyncio.gather(*(_credit(service.client, invoice["id"]) for _ in range(4)))

    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
    current = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
    assert current["credited_total"] == "48.00"


async def test_what_cannot_be_credited_is_refused_and_changes_nothing(service, settings):
    draft = await _posted_invoice(service, settings, post=False)
    posted = await _posted_invoice(service, settings)
    line_id = posted["lines"][0]["id"]

    cases = [
        (draft["id"], {}, 409, "invoice_not_posted"),
        (str(uuid.uuid4()), {}, 404, "invoice_not_found"),
        (
            posted["id"],
            {"lines": [{"invoice_line_id": str(uuid.uuid4()), "amount": "1.00"}]},
            422,
            "invoice_line_not_on_invoice",
        ),
        (
            posted["id"],
            {"lines": [{"invoice_line_id": line_id, "amount": "1.00"}] * 2},
            422,
            "invoice_line_repeated",
        ),
        (
            posted["id"],
            {"lines": [{"invoice_line_id": line_id, "amount": "0.001"}]},
            422,
            "amount_not_in_minor_units",
        ),
        (
            posted["id"],
            {"lines": [{"invoice_line_id": line_id, "amount": "0"}]},
            422,
            "validation_failed",
        ),
        (
            posted["id"],
            {"lines": [{"invoice_line_id": line_id, "amount": 1.5}]},
            422,
            "validation_failed",
        ),
        (posted["id"], {"reason": ""}, 422, "validation_failed"),
    ]
    for invoice_id, body, status, code in cases:
        response = await _credit(service.client, invoice_id, **body)
        assert (response.status_code, response.json()["code"]) == (status, code), body

    unchanged = (await service.client.get(f"/v1/invoices/{posted['id']}")).json()
    assert (unchanged["credited_total"], unchanged["balance"]) == ("0.00", "48.00")
    notes = await service.client.get("/v1/credit-notes", params={"invoice_id": posted["id"]})
    assert notes.json()["items"] == []


async def test_a_draft_runs_credit_note_is_a_draft_until_issued(service, settings):
    account_id = str(uuid.uuid4())
    seller = f"Seller {uuid.uuid4()}"
    seat = order_product(tax_code=None, quantity="2", monthly_amount="62.00")
    original = order_activated(account_id=account_id, legal_entity=seller, products=[seat])
    fewer = order_product(
        tax_code=None,
        quantity="-1",
        monthly_amount="-31.00",
        start_date="2026-03-10",
    )
    amendment = order_activated(
        account_id=account_id,
        legal_entity=seller,
        order_type="amendment",
        contract_id=original.data["contract"]["id"],
        products=[fewer],
    )
    await activate_orders(service.client, settings, original, amendment)
    await run_invoices(
        service.client, target_date="2026-03-01", account_ids=[account_id], post=True
    )

    run = await run_invoices(
        service.client, target_date="2026-03-10", account_ids=[account_id], post=False
    )

    assert (run["invoices_created"], run["credit_notes_created"]) == (0, 1)
    listed = await service.client.get("/v1/credit-notes", params={"account_id": account_id})
    (draft,) = listed.json()["items"]
    assert (draft["status"], draft["number"], draft["total"]) == ("draft", None, "22.00")
    assert draft["grouping"]["bill_to_account_id"] == account_id
    issued = await service.client.post(f"/v1/credit-notes/{draft['id']}/issue")
    twice = await service.client.post(f"/v1/credit-notes/{draft['id']}/issue")
    assert issued.status_code == 200, issued.text
    assert (issued.json()["status"], issued.json()["number"]) == ("issued", "CN-000001")
    assert twice.status_code == 409
    assert twice.json()["code"] == "credit_note_not_draft"
    assert len(await _issued_events(service.database, draft["id"])) == 1
