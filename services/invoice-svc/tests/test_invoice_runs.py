"""Invoice runs against real PostgreSQL and the real broker: split, number, post, never twice."""

import asyncio
import uuid

import pytest
from factories import (
    activate_orders,
    finished_run,
    invoices_of,
    order_activated,
    order_product,
    run_invoices,
    schedules_of,
    setup_fee,
    start_run,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from invoice_svc.app import create_app
from invoice_svc.models import BillingPeriod, BillingSchedule, InvoiceLine
from invoice_svc.runs import worker as runs
from q2c_shared.testing.kafka import read_all
from q2c_shared.testing.service import running_service


def _by_total(invoices):
    return {invoice["total"]: invoice for invoice in invoices}


async def test_a_run_bills_due_periods_split_by_seed_004_and_posts_them(service, settings):
    acme, globex, payer = (str(uuid.uuid4()) for _ in range(3))
    support = order_product(
        sku="support", product_name="Support", monthly_amount="20.00", billing_account_id=payer
    )
    acme_net_30 = order_activated(
        account_id=acme, payment_term="net_30", products=[order_product(), support, setup_fee()]
    )
    acme_net_60 = order_activated(
        account_id=acme, payment_term="net_60", products=[order_product(monthly_amount="10.00")]
    )
    globex_orders = [
        order_activated(account_id=globex, products=[order_product(invoice_grouping="order")])
        for _ in range(2)
    ]
    await activate_orders(service.client, settings, acme_net_30, acme_net_60, *globex_orders)

    run = await run_invoices(service.client, target_date="2026-02-01", post=True)

    assert (run["invoices_created"], run["lines_created"], run["invoices_posted"]) == (5, 11, 5)
    assert run["invoice_date"] == "2026-02-01"
    invoices = await invoices_of(service.client, invoice_run_id=run["id"])
    assert sorted(invoice["number"] for invoice in invoices) == [
        f"INV-{n:06d}" for n in range(1, 6)
    ]
    assert {invoice["status"] for invoice in invoices} == {"posted"}
    acme_invoices = _by_total(await invoices_of(service.client, account_id=acme))
    assert sorted(acme_invoices) == ["15.48", "548.00"]  # two payment terms, two invoices
    net_30 = acme_invoices["548.00"]
    assert sorted(line["amount"] for line in net_30["lines"]) == ["17.00", "31.00", "500.00"]
    assert (net_30["invoice_date"], net_30["due_date"]) == ("2026-02-01", "2026-03-03")
    assert (net_30["subtotal"], net_30["tax_total"], net_30["balance"]) == (
        "548.00",
        "0.00",
        "548.00",
    )
    assert net_30["payment_status"] == "unpaid"
    assert acme_invoices["15.48"]["due_date"] == "2026-04-02"
    assert acme_invoices["15.48"]["grouping"]["payment_term"] == "net_60"
    (payer_invoice,) = await invoices_of(service.client, account_id=payer)
    assert payer_invoice["total"] == "30.97"  # 20.00 x 17/31 = 10.97, then 20.00
    assert payer_invoice["grouping"]["bill_to_source"] == "order_product_billing_account"
    globex_invoices = await invoices_of(service.client, account_id=globex)
    assert sorted(i["grouping"]["grouping_value"] for i in globex_invoices) == sorted(
        order.subject for order in globex_orders
    )  # invoice_grouping=order: one per order
    assert [i["total"] for i in globex_invoices] == ["48.00", "48.00"]

    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.invoices"), expect=5
    )
    assert len(messages) == 5
    posted = {m["value"]["data"]["invoice"]["number"]: m for m in messages}
    assert {m["value"]["type"] for m in messages} == {"InvoicePosted"}
    event = posted[net_30["number"]]
    assert event["key"] == acme
    assert event["value"]["data"]["invoice"]["total"] == "548.00"
    assert event["value"]["data"]["invoice"]["due_date"] == "2026-03-03"
    assert len(event["value"]["data"]["invoice"]["lines"]) == 3

    seat_periods = (await schedules_of(service.client, acme_net_60.subject))[0]["periods"]
    assert [(p["status"], p["invoice_id"]) for p in seat_periods[:3]] == [
        ("invoiced", acme_invoices["15.48"]["id"]),
        ("invoiced", acme_invoices["15.48"]["id"]),
        ("pending", None),
    ]

    again = await run_invoices(service.client, target_date="2026-02-01", post=True)
    march = await run_invoices(service.client, target_date="2026-03-01", post=True)

    assert (again["invoices_created"], again["lines_created"]) == (0, 0)
    march_invoices = await invoices_of(service.client, invoice_run_id=march["id"])
    assert sorted(invoice["number"] for invoice in march_invoices) == [
        f"INV-{n:06d}" for n in range(6, 11)
    ]  # the series goes on without a gap


async def test_a_run_without_post_leaves_drafts_and_each_legal_entity_numbers_alone(
    service, settings
):
    inc = order_activated(legal_entity="q2c Inc")
    gmbh = order_activated(legal_entity="q2c GmbH", currency="EUR")
    await activate_orders(service.client, settings, inc, gmbh)

    run = await run_invoices(service.client, target_date="2026-01-31", invoice_date="2026-02-05")
    drafts = await invoices_of(service.client, status="draft")

    assert run["invoices_created"] == 2
    assert {(d["number"], d["invoice_date"], d["due_date"]) for d in drafts} == {
        (None, "2026-02-05", "2026-03-07")
    }
    numbers = {}
    for draft in drafts:
        posted = await service.client.post(f"/v1/invoices/{draft['id']}/post")
        assert posted.status_code == 200, posted.text
        assert posted.json()["status"] == "posted"
        numbers[posted.json()["legal_entity"]] = posted.json()["number"]
    assert numbers == {"q2c Inc": "INV-000001", "q2c GmbH": "INV-000001"}
    twice = await service.client.post(f"/v1/invoices/{drafts[0]['id']}/post")
    assert twice.status_code == 409
    assert twice.headers["content-type"] == "application/problem+json"
    assert twice.json()["code"] == "invoice_not_draft"
    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.invoices"), expect=2
    )
    assert sorted(m["value"]["data"]["invoice"]["currency"] for m in messages) == ["EUR", "USD"]


async def test_account_ids_limit_the_run_to_those_bill_to_accounts(service, settings):
    billed, skipped = order_activated(), order_activated()
    await activate_orders(service.client, settings, billed, skipped)

    run = await run_invoices(
        service.client, target_date="2026-01-31", account_ids=[billed.data["order"]["account_id"]]
    )

    assert run["invoices_created"] == 1
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    assert invoice["account_id"] == billed.data["order"]["account_id"]
    skipped_periods = (await schedules_of(service.client, skipped.subject))[0]["periods"]
    assert skipped_periods[0]["status"] == "pending"


async def _billed_periods(database):
    async with database.transaction() as session:
        lines = await session.scalar(select(func.count()).select_from(InvoiceLine))
        distinct_periods = await session.scalar(
            select(func.count(func.distinct(InvoiceLine.billing_period_id)))
        )
        invoiced = await session.scalar(
            select(func.count())
            .select_from(BillingPeriod)
            .join(InvoiceLine, InvoiceLine.billing_period_id == BillingPeriod.id)
            .where(
                BillingPeriod.status == "invoiced",
                BillingPeriod.invoice_id == InvoiceLine.invoice_id,
            )
        )
    return lines, distinct_periods, invoiced


async def test_two_runs_at_once_never_bill_a_period_twice(settings):
    # One account per batch, so the two runs contend for the same accounts batch after batch.
    contended = settings.model_copy(update={"invoice_run_batch_accounts": 1})
    async with running_service(create_app(contended)) as service:
        orders = [order_activated(products=[order_product(), setup_fee()]) for _ in range(8)]
        await activate_orders(service.client, contended, *orders)

        started = await asyncio.gather(
            *(start_run(service.client, target_date="2027-01-31", post=True) for _ in range(2))
        )
        runs = [await finished_run(service.client, run["id"]) for run in started]

        assert [run["status"] for run in runs] == ["completed", "completed"]
        assert sum(run["lines_created"] for run in runs) == 8 * 14
        assert await _billed_periods(service.database) == (8 * 14, 8 * 14, 8 * 14)
        numbers = [i["number"] for i in await invoices_of(service.client)]
        assert sorted(numbers) == [f"INV-{n:06d}" for n in range(1, len(numbers) + 1)]

        # The database itself refuses a second line for a period, whatever a run did.
        async with service.database.transaction() as session:
            line = await session.scalar(select(InvoiceLine).limit(1))
        with pytest.raises(IntegrityError):
            async with service.database.transaction() as session:
                session.add(InvoiceLine(**(line.model_dump() | {"id": uuid.uuid4()})))


async def test_a_line_names_its_periods_own_schedule_or_is_refused(service, settings):
    # One foreign key holds a line to its period and to that period's schedule.
    await activate_orders(service.client, settings, order_activated(), order_activated())
    await run_invoices(service.client, target_date="2026-02-01", post=True)
    async with service.database.transaction() as session:
        line = await session.scalar(select(InvoiceLine).limit(1))
        later = await session.scalar(
            select(BillingPeriod)
            .where(BillingPeriod.status == "pending")
            .order_by(BillingPeriod.billable_date)
            .limit(1)
        )
        other_schedule = await session.scalar(
            select(BillingSchedule.id).where(BillingSchedule.id != later.billing_schedule_id)
        )
    copy = line.model_dump() | {"id": uuid.uuid4(), "billing_period_id": later.id}

    with pytest.raises(IntegrityError, match="invoice_lines_billing_period_fkey"):
        async with service.database.transaction() as session:
            session.add(InvoiceLine(**(copy | {"billing_schedule_id": other_schedule})))
    async with service.database.transaction() as session:  # its own schedule: accepted
        session.add(InvoiceLine(**(copy | {"billing_schedule_id": later.billing_schedule_id})))


async def test_a_period_another_run_holds_is_skipped_not_waited_for(service, settings):
    order = order_activated()
    await activate_orders(service.client, settings, order)

    async with service.database.transaction() as holder:
        held_id = await holder.scalar(
            select(BillingPeriod.id)
            .join(BillingSchedule)
            .where(BillingSchedule.order_id == uuid.UUID(order.subject))
            .order_by(BillingPeriod.sequence)
            .limit(1)
            .with_for_update(of=BillingPeriod)
        )
        first = await run_invoices(service.client, target_date="2026-02-01")
    second = await run_invoices(service.client, target_date="2026-02-01")

    periods = (await schedules_of(service.client, order.subject))[0]["periods"]
    assert (first["lines_created"], second["lines_created"]) == (1, 1)
    assert periods[0]["id"] == str(held_id)
    assert periods[0]["invoice_id"] in {
        i["id"] for i in await invoices_of(service.client, invoice_run_id=second["id"])
    }


async def test_a_run_that_cannot_bill_fails_with_the_error_and_keeps_nothing(service, settings):
    order = order_activated()
    await activate_orders(service.client, settings, order)
    async with service.database.transaction() as session:
        # A term this service does not know (written behind the API's back): no due date.
        schedule = await session.scalar(
            select(BillingSchedule).where(BillingSchedule.order_id == uuid.UUID(order.subject))
        )
        schedule.payment_term = "net_7"

    started = await start_run(service.client, target_date="2026-02-01", post=True)
    run = await finished_run(service.client, started["id"])

    assert started["status"] == "queued"
    assert run["status"] == "failed"
    assert "unknown payment term 'net_7'" in run["error"]
    assert (run["invoices_created"], run["lines_created"]) == (0, 0)
    assert await invoices_of(service.client) == []
    async with service.database.transaction() as session:
        statuses = set((await session.scalars(select(BillingPeriod.status))).all())
    assert statuses == {"pending"}


async def test_a_stopping_worker_puts_its_run_back_in_the_queue(settings):
    quiet = settings.model_copy(update={"run_background_workers": False})
    async with running_service(create_app(quiet)) as service:
        queued = await start_run(service.client, target_date="2026-02-01")
        async with runs.claimed_run(service.database) as claimed:
            running = (await service.client.get(f"/v1/invoice-runs/{queued['id']}")).json()
            stopping = asyncio.Event()
            stopping.set()

            await runs.execute_run(service.database, claimed, batch_accounts=10, stop=stopping)

        requeued = (await service.client.get(f"/v1/invoice-runs/{queued['id']}")).json()
    assert str(claimed) == queued["id"]
    assert running["status"] == "running" and running["started_at"] is not None
    assert (requeued["status"], requeued["started_at"]) == ("queued", None)
