"""Amendments billed over the real broker: the added seat prorated from its start on the
contract's billing day, a removed seat credited on the next run, negative invoices kept draft."""

import uuid
from calendar import monthrange

from factories import (
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    run_invoices,
    schedules_of,
)
from sqlalchemy import func, select

from q2c_shared.outbox import OutboxEvent

END = "2027-01-14"


def _contract(*, seats: str):
    """A contract from 2026-01-15 to 2027-01-14 of `seats` seats at 31.00, billed on the 1st."""
    account_id, contract_id = str(uuid.uuid4()), str(uuid.uuid4())
    monthly = str(31 * int(seats)) + ".00"
    original = order_activated(
        account_id=account_id,
        contract_id=contract_id,
        products=[order_product(quantity=seats, monthly_amount=monthly)],
    )
    return account_id, contract_id, original


def _amendment(account_id, contract_id, original, *, delta: str):
    """The seat subscription changed by `delta` from 2026-03-10 to the contract's end."""
    seat = original.data["order"]["order_products"][0]
    return order_activated(
        account_id=account_id,
        contract_id=contract_id,
        order_type="amendment",
        billing_day_of_month=1,
        products=[
            order_product(
                product_id=seat["product_id"],
                subscription_id=str(uuid.uuid4()),
                quantity=delta,
                monthly_amount=f"{31 * int(delta)}.00",
                start_date="2026-03-10",
                end_date=END,
            )
        ],
    )


def _periods(schedule):
    return [(p["period_start"], p["period_end"], p["amount"]) for p in schedule["periods"]]


async def _invoice_posted_events(database) -> int:
    return await _events(database, "InvoicePosted")


async def _events(database, event_type: str) -> int:
    async with database.transaction() as session:
        return await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == event_type)
        )


async def test_a_seat_added_in_month_three_bills_prorated_from_that_day(service, settings):
    account_id, contract_id, original = _contract(seats="1")
    amendment = _amendment(account_id, contract_id, original, delta="1")
    await activate_orders(service.client, settings, original, amendment)

    (schedule,) = await schedules_of(service.client, amendment.subject)
    assert (schedule["order_type"], schedule["quantity"]) == ("amendment", "1")
    assert _periods(schedule) == (
        [("2026-03-10", "2026-03-31", "22.00")]  # 31.00 x 22/31, cut on the contract's 1st
        + [
            (f"2026-{month:02d}-01", f"2026-{month:02d}-{monthrange(2026, month)[1]}", "31.00")
            for month in range(4, 13)
        ]
        + [("2027-01-01", END, "14.00")]  # 31.00 x 14/31, to the contract's end
    )

    march_first = await run_invoices(service.client, target_date="2026-03-01", post=True)
    march_tenth = await run_invoices(service.client, target_date="2026-03-10", post=True)
    april = await run_invoices(service.client, target_date="2026-04-01", post=True)

    (before,) = await invoices_of(service.client, invoice_run_id=march_first["id"])
    assert before["total"] == "79.00"  # the original seat: 17.00 + 31.00 + 31.00
    (added,) = await invoices_of(service.client, invoice_run_id=march_tenth["id"])
    assert (added["status"], added["total"]) == ("posted", "22.00")
    (line,) = added["lines"]
    assert (line["period_start"], line["period_end"], line["quantity"], line["amount"]) == (
        "2026-03-10",
        "2026-03-31",
        "1",
        "22.00",
    )
    assert line["order_id"] == amendment.subject
    (both,) = await invoices_of(service.client, invoice_run_id=april["id"])
    assert sorted(line["amount"] for line in both["lines"]) == ["31.00", "31.00"]
    assert both["grouping"]["bill_to_account_id"] == account_id


async def test_a_removed_seat_is_credited_on_the_next_run_by_a_credit_note(service, settings):
    account_id, contract_id, original = _contract(seats="2")
    amendment = _amendment(account_id, contract_id, original, delta="-1")
    await activate_orders(service.client, settings, original, amendment)

    (schedule,) = await schedules_of(service.client, amendment.subject)
    assert schedule["quantity"] == "-1"
    assert [p["amount"] for p in schedule["periods"]] == ["-22.00"] + ["-31.00"] * 9 + ["-14.00"]
    assert schedule["periods"][0]["billable_date"] == "2026-03-10"

    billed = await run_invoices(service.client, target_date="2026-03-01", post=True)
    credited = await run_invoices(service.client, target_date="2026-03-10", post=True)
    netted = await run_invoices(service.client, target_date="2026-04-01", post=True)

    (charges,) = await invoices_of(service.client, invoice_run_id=billed["id"])
    assert (charges["status"], charges["total"]) == ("posted", "158.00")  # 34 + 62 + 62
    # The credits alone outweigh the charges: a credit note, not a negative invoice.
    assert await invoices_of(service.client, invoice_run_id=credited["id"]) == []
    assert (credited["invoices_created"], credited["credit_notes_created"]) == (0, 1)
    notes = (await service.client.get("/v1/credit-notes", params={"account_id": account_id})).json()
    (note,) = notes["items"]
    assert (note["status"], note["number"], note["total"], note["invoice_id"]) == (
        "issued",
        "CN-000001",
        "22.00",
        None,
    )
    assert note["invoice_run_id"] == credited["id"]
    assert [(i["period_start"], i["quantity"], i["amount"]) for i in note["lines"]] == [
        ("2026-03-10", "1", "22.00")
    ]
    (april,) = await invoices_of(service.client, invoice_run_id=netted["id"])
    assert (april["status"], april["total"]) == ("posted", "31.00")
    assert sorted(line["amount"] for line in april["lines"]) == ["-31.00", "62.00"]
    assert await _invoice_posted_events(service.database) == 2
    assert await _events(service.database, "CreditNoteIssued") == 1
    periods = (await schedules_of(service.client, amendment.subject))[0]["periods"]
    assert [p["status"] for p in periods[:3]] == ["invoiced", "invoiced", "pending"]
    assert (periods[0]["credit_note_id"], periods[0]["invoice_id"]) == (note["id"], None)
    assert periods[1]["invoice_id"] == april["id"]
