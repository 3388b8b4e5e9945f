"""Claiming invoice runs: oldest first, and a run a dead process left running is taken over,
against real PostgreSQL (no background workers: the test is the only worker)."""

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

from factories import order_activated, order_product, setup_fee, start_run
from sqlalchemy import func, select

from invoice_svc.app import create_app
from invoice_svc.models import BillingPeriod, InvoiceLine, InvoiceRun
from invoice_svc.runs import billing, repository
from invoice_svc.runs import worker as runs
from invoice_svc.schedules import service
from invoice_svc.statuses import InvoiceRunStatus, PeriodStatus
from q2c_shared.events import contracts
from q2c_shared.testing.service import RunningService, running_service

TARGET_DATE = date(2026, 3, 1)


@asynccontextmanager
async def without_workers(settings, caplog=None) -> AsyncIterator[RunningService]:
    app = create_app(settings.model_copy(update={"run_background_workers": False}))
    if caplog is not None:
        # create_app set up the service's logging, which replaced the handler caplog reads.
        logging.getLogger().addHandler(caplog.handler)
    async with running_service(app) as running:
        yield running


async def schedule(database, *events) -> None:
    """Bill these orders' products as the `OrderActivated` handler would schedule them."""
    for event in events:
        async with database.transaction() as session:
            await service.create_billing_schedules(
                session, contracts.OrderActivated.model_validate(event.data)
            )


async def due_periods(database) -> int:
    async with database.transaction() as session:
        return await session.scalar(
            select(func.count())
            .select_from(BillingPeriod)
            .where(BillingPeriod.billable_date <= TARGET_DATE)
        )


async def billed_periods(database) -> tuple[int, int, int]:
    """(lines, distinct periods on them, due periods still pending)."""
    async with database.transaction() as session:
        lines = await session.scalar(select(func.count()).select_from(InvoiceLine))
        distinct_periods = await session.scalar(
            select(func.count(func.distinct(InvoiceLine.billing_period_id)))
        )
        pending = await session.scalar(
            select(func.count())
            .select_from(BillingPeriod)
            .where(
                BillingPeriod.status == PeriodStatus.PENDING,
                BillingPeriod.billable_date <= TARGET_DATE,
            )
        )
    return lines, distinct_periods, pending


async def run_row(database, run_id) -> InvoiceRun:
    async with database.transaction() as session:
        return await session.get(InvoiceRun, run_id)


async def test_a_run_left_running_by_a_dead_process_is_taken_over_and_completed(settings, caplog):
    async with without_workers(settings, caplog) as running:
        database = running.database
        orders = [order_activated(products=[order_product(), setup_fee()]) for _ in range(5)]
        await schedule(database, *orders)
        due = await due_periods(database)
        queued = await start_run(running.client, target_date=str(TARGET_DATE), post=True)
        run_id = uuid.UUID(queued["id"])
        # The dead process: it claimed the run and billed two accounts, then was killed (its
        # connection, and the run lock with it, went; the row still says running).
        started_at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
        async with database.transaction() as session:
            run = await session.get(InvoiceRun, run_id)
            run.status, run.started_at = InvoiceRunStatus.RUNNING, started_at
        bill_to_accounts = sorted(uuid.UUID(order.data["order"]["account_id"]) for order in orders)
        async with database.transaction() as session:
            await billing.bill_accounts(
                session, await session.get(InvoiceRun, run_id), bill_to_accounts[:2]
            )
        billed_before = await billed_periods(database)

        async with runs.claimed_run(database) as claimed:
            await runs.execute_run(database, claimed, batch_accounts=2)

        finished = await run_row(database, run_id)
        billed_after = await billed_periods(database)
    assert claimed == run_id
    assert 0 < billed_before[0] < due
    assert billed_after == (due, due, 0)  # every due period once, none left
    assert (finished.status, finished.started_at) == ("completed", started_at)
    assert finished.lines_created == due  # the dead process's count and the rest add up
    assert finished.invoices_created == finished.invoices_posted == len(orders)
    assert f"invoice run {run_id} was left running by a stopped process; resuming it" in (
        caplog.messages
    )


async def test_a_run_whose_process_is_alive_is_not_taken_over(settings):
    async with without_workers(settings) as running:
        database = running.database
        await schedule(database, order_activated())
        run_id = uuid.UUID((await start_run(running.client, target_date=str(TARGET_DATE)))["id"])
        async with database.engine.connect() as live_worker:
            await live_worker.execution_options(isolation_level="AUTOCOMMIT")
            assert await repository.try_lock_run(live_worker, run_id)
            async with database.transaction() as session:
                (await session.get(InvoiceRun, run_id)).status = InvoiceRunStatus.RUNNING

            async with runs.claimed_run(database) as while_alive:
                pass
            await repository.unlock_run(live_worker, run_id)  # the live worker lets go

        async with runs.claimed_run(database) as once_released:
            await runs.execute_run(database, once_released, batch_accounts=10)
        finished = await run_row(database, run_id)
    assert while_alive is None
    assert once_released == run_id
    assert finished.status == "completed"


async def test_queued_runs_are_claimed_oldest_first(settings):
    async with without_workers(settings) as running:
        queued = [
            uuid.UUID((await start_run(running.client, target_date=f"2026-0{month}-01"))["id"])
            for month in (3, 1, 2)
        ]
        # Each claim keeps its run lock while the next one looks: a run being executed is
        # passed over, and the next oldest queued run is taken.
        async with (
            runs.claimed_run(running.database) as first,
            runs.claimed_run(running.database) as second,
            runs.claimed_run(running.database) as third,
            runs.claimed_run(running.database) as none_left,
        ):
            statuses = [(await run_row(running.database, run_id)).status for run_id in queued]
    assert [first, second, third] == queued
    assert none_left is None
    assert statuses == ["running"] * 3
