"""Coherent business dates (docs/adr/0022) and postings that queue on their number series past
the service-wide lock timeout, over HTTP against real PostgreSQL and the real broker."""

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
    start_run,
)
from sqlalchemy import select, text

from invoice_svc.app import create_app
from invoice_svc.models import NumberSeries
from q2c_shared.testing.service import running_service
from q2c_shared.testing.waiting import eventually


async def test_periods_starting_after_their_invoice_falls_due_stay_pending(service, settings):
    account_id = str(uuid.uuid4())
    # A monthly seat from 2026-01-15, periods from the 1st, billed in advance, net 30.
    event = order_activated(account_id=account_id, products=[order_product(tax_code=None)])
    await activate_orders(service.client, settings, event)
    early = {"target_date": "2026-03-01", "invoice_date": "2026-01-20", "account_id": account_id}

    preview = await service.client.post("/v1/invoices/preview", json=early)
    run = await run_invoices(
        service.client,
        target_date="2026-03-01",
        invoice_date="2026-01-20",
        account_ids=[account_id],
        post=True,
    )

    # Due 2026-02-19: January's rest and February are billed, March (from 03-01) is not.
    assert (run["invoices_created"], run["lines_created"], run["periods_deferred"]) == (1, 2, 1)
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    assert (invoice["invoice_date"], invoice["due_date"]) == ("2026-01-20", "2026-02-19")
    assert [line["period_start"] for line in invoice["lines"]] == ["2026-01-15", "2026-02-01"]
    assert preview.status_code == 200, preview.text
    (previewed,) = preview.json()["items"]
    assert [line["period_start"] for line in previewed["lines"]] == ["2026-01-15", "2026-02-01"]
    (schedule,) = await schedules_of(service.client, event.subject)
    pending = [p["period_start"] for p in schedule["periods"] if p["status"] == "pending"]
    assert pending[0] == "2026-03-01"

    later = await run_invoices(service.client, target_date="2026-03-01", account_ids=[account_id])
    assert (later["lines_created"], later["periods_deferred"]) == (1, 0)


async def test_invoice_dates_at_the_edges_are_taken_and_one_day_past_them_refused(service):
    accepted = [
        {"target_date": "2199-10-02"},  # net_90 falls due 2199-12-31
        {"target_date": "2026-02-01", "invoice_date": "2027-02-02"},  # 366 days after
        {"target_date": "2026-02-01", "invoice_date": "2025-01-31"},  # 366 days before
    ]
    refused = [
        ({"target_date": "2199-10-03"}, "date_out_of_range", "target_date"),
        (
            {"target_date": "2199-10-01", "invoice_date": "2199-10-03"},
            "date_out_of_range",
            "invoice_date",
        ),
        (
            {"target_date": "2026-02-01", "invoice_date": "2027-02-03"},
            "invoice_date_far_from_target_date",
            "invoice_date",
        ),
        (
            {"target_date": "2026-02-01", "invoice_date": "2025-01-30"},
            "invoice_date_far_from_target_date",
            "invoice_date",
        ),
    ]
    for body in accepted:
        run = await start_run(service.client, **body)
        assert (await finished_run(service.client, run["id"]))["status"] == "completed"
    for body, code, field in refused:
        for path in ("/v1/invoice-runs", "/v1/invoices/preview"):
            response = await service.client.post(path, json=body)
            assert response.status_code == 422, (path, body, response.text)
            problem = response.json()
            assert (problem["code"], problem["errors"][0]["loc"]) == (code, ["body", field])
    runs = (await service.client.get("/v1/invoice-runs")).json()["items"]
    assert len(runs) == len(accepted)


# --- waiting for the number series -------------------------------------------------------------

SERVICE_LOCK_TIMEOUT_MS = 200


@pytest.fixture
async def impatient(settings):
    """invoice-svc whose connections give up on a lock after 200 ms; posting waits 25 s."""
    configured = settings.model_copy(update={"database_lock_timeout_ms": SERVICE_LOCK_TIMEOUT_MS})
    async with running_service(create_app(configured)) as running:
        yield running


async def _draft_of_a_new_legal_entity(service, settings) -> dict:
    account_id = str(uuid.uuid4())
    legal_entity = f"Seller {uuid.uuid4()}"
    event = order_activated(
        account_id=account_id, legal_entity=legal_entity, products=[order_product(tax_code=None)]
    )
    await activate_orders(service.client, settings, event)
    run = await run_invoices(service.client, target_date="2026-02-01", account_ids=[account_id])
    (draft,) = await invoices_of(service.client, invoice_run_id=run["id"])
    async with service.database.transaction() as session:  # the series exists, at 0
        session.add(NumberSeries(legal_entity=legal_entity, kind="invoice", last_number=0))
    return draft


async def _waited_past_the_service_timeout(service) -> bool:
    """Someone has been waiting for a lock on the number series three times the service's lock
    timeout, and still is."""
    async with service.database.transaction() as session:
        return bool(
            await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%number_series%' "
                    "AND clock_timestamp() - query_start > make_interval(secs => :seconds)"
                ),
                {"seconds": 3 * SERVICE_LOCK_TIMEOUT_MS / 1000},
            )
        )


async def _hold_series_while(service, legal_entity: str, work):
    """Run `work` while another transaction holds the legal entity's invoice series, until
    `work` has waited for it past the service's lock timeout; then let it go on."""
    async with service.database.transaction() as holder:
        await holder.execute(
            select(NumberSeries)
            .where(NumberSeries.legal_entity == legal_entity, NumberSeries.kind == "invoice")
            .with_for_update()
        )
        task = asyncio.create_task(work())
        await eventually(
            lambda: _waited_past_the_service_timeout(service),
            message="nobody waited for the series",
        )
        assert not task.done()
    return await task


async def test_posting_by_hand_waits_for_its_series_past_the_lock_timeout(impatient, settings):
    draft = await _draft_of_a_new_legal_entity(impatient, settings)

    posted = await _hold_series_while(
        impatient,
        draft["legal_entity"],
        lambda: impatient.client.post(f"/v1/invoices/{draft['id']}/post"),
    )

    assert posted.status_code == 200, posted.text
    assert (posted.json()["status"], posted.json()["number"]) == ("posted", "INV-000001")


async def test_a_posting_runs_batch_waits_for_its_series_past_the_lock_timeout(impatient, settings):
    account_id = str(uuid.uuid4())
    legal_entity = f"Seller {uuid.uuid4()}"
    event = order_activated(
        account_id=account_id, legal_entity=legal_entity, products=[order_product(tax_code=None)]
    )
    await activate_orders(impatient.client, settings, event)
    async with impatient.database.transaction() as session:
        session.add(NumberSeries(legal_entity=legal_entity, kind="invoice", last_number=0))

    async def run_posting():
        queued = await start_run(
            impatient.client, target_date="2026-02-01", account_ids=[account_id], post=True
        )
        return await finished_run(impatient.client, queued["id"])

    run = await _hold_series_while(impatient, legal_entity, run_posting)

    assert (run["status"], run["invoices_posted"]) == ("completed", 1), run


async def test_posting_gives_up_after_its_own_lock_timeout(settings):
    configured = settings.model_copy(
        update={"database_lock_timeout_ms": 60_000, "posting_lock_timeout_ms": 100}
    )
    async with running_service(create_app(configured)) as service:
        draft = await _draft_of_a_new_legal_entity(service, settings)
        async with service.database.transaction() as holder:
            await holder.execute(
                select(NumberSeries)
                .where(NumberSeries.legal_entity == draft["legal_entity"])
                .with_for_update()
            )
            refused = await service.client.post(f"/v1/invoices/{draft['id']}/post")

        assert (refused.status_code, refused.json()["code"]) == (503, "lock_timeout")
        again = (await service.client.get(f"/v1/invoices/{draft['id']}")).json()
        assert (again["status"], again["number"]) == ("draft", None)
