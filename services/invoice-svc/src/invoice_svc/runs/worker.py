"""The invoice-run job: workers claim runs (taking over those a dead process left) and bill
them in set-based batches (runs/billing.py).

A run moves `queued` -> `running` -> `completed` | `failed`. Any number of processes can run
workers. The process executing a run holds its run lock for as long as it does: a
session-level advisory lock (`repository.try_lock_run`) on a connection of its own, taken
before the run is marked running and released after it is marked completed, failed or queued
again. So a `running` run whose lock nobody holds was left by a process that died (its
connection closed, and the lock went with it), however long ago: no clock decides. A worker
claims the oldest run that is queued, or running without its lock (`claimed_run`): it locks
the candidates' rows `FOR UPDATE SKIP LOCKED` one by one, tries each one's run lock, and
claims the first it gets.

A failed run keeps the batches it committed; a new run bills only what is still pending. A
stopping process puts its runs back in the queue between batches. A run left `running` by a
process that died is taken over by the next worker to poll, and resumed where it stopped:
whatever the dead process committed is no longer pending, what it had in flight was rolled
back, and the counters on the run row keep adding up.

Each execution is timed in `q2c_invoice_run_duration_seconds` (by outcome: completed, failed,
requeued), and what its committed batches made is counted in `q2c_invoice_run_invoices_total`
(by status, draft or posted) and `q2c_invoice_run_credit_notes_total`, in the app's registry.
A run is a job of its own, not part of the trace of the request that queued it."""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import cast

from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncConnection

from invoice_svc.models import InvoiceRun
from invoice_svc.number_series import DEFAULT_SERIES_LOCK_TIMEOUT_MS
from invoice_svc.runs import repository
from invoice_svc.runs.billing import bill_accounts
from invoice_svc.settings import InvoiceSettings
from invoice_svc.statuses import InvoiceRunStatus
from q2c_shared.app import ServiceRuntime
from q2c_shared.collector import collector_spared
from q2c_shared.db import Database

logger = logging.getLogger(__name__)


class RunMetrics:
    """The invoice runs' metrics; `ServiceMetrics.group(RunMetrics)` makes them once per app."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.duration = Histogram(
            "q2c_invoice_run_duration_seconds",
            "How long a process executed an invoice run, by outcome (completed, failed, "
            "requeued when the process stopped).",
            ["outcome"],
            buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
            registry=registry,
        )
        self.invoices = Counter(
            "q2c_invoice_run_invoices_total",
            "Invoices created by invoice runs, by status (draft, posted).",
            ["status"],
            registry=registry,
        )
        self.credit_notes = Counter(
            "q2c_invoice_run_credit_notes_total",
            "Credit notes created by invoice runs (for bill-tos whose credits outweigh charges).",
            registry=registry,
        )


async def invoice_run_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """`ServiceSpec.workers` entry: run `invoice_run_concurrency` claim loops until `stop`."""
    settings = cast(InvoiceSettings, runtime.settings)
    metrics = runtime.metrics.group(RunMetrics)
    await asyncio.gather(
        *(
            _claim_loop(runtime.database, settings, stop, metrics)
            for _ in range(settings.invoice_run_concurrency)
        )
    )


async def _claim_loop(
    database: Database, settings: InvoiceSettings, stop: asyncio.Event, metrics: RunMetrics
) -> None:
    while not stop.is_set():
        executed = False
        try:
            async with claimed_run(database) as run_id:
                if run_id is not None:
                    await execute_run(
                        database,
                        run_id,
                        batch_accounts=settings.invoice_run_batch_accounts,
                        batches_in_flight=settings.invoice_run_batches_in_flight,
                        series_lock_timeout_ms=settings.posting_lock_timeout_ms,
                        stop=stop,
                        metrics=metrics,
                    )
                    executed = True
        except Exception:
            logger.exception("invoice-run worker hit an error; carrying on")
        # After an error too: a run whose execution broke off is left running without its
        # lock, and is taken over at the next poll rather than in a tight loop.
        if not executed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), timeout=settings.invoice_run_poll_interval_seconds
                )


@contextlib.asynccontextmanager
async def claimed_run(database: Database) -> AsyncIterator[uuid.UUID | None]:
    """Claim the oldest run that is queued, or running without its run lock, and mark it
    running; yield its id (None when there is none) while holding its run lock. Execute the
    run inside: the lock is released on the way out.

    The lock lives on a connection of its own, in autocommit so that it never sits idle in a
    transaction (which `idle_in_transaction_session_timeout` would end, and the lock with it)
    however long the run goes. Returning a connection to the pool does not release session
    locks, so the lock is released here; if that fails, the connection is discarded, and its
    closing releases it."""
    async with database.engine.connect() as lock_connection:
        await lock_connection.execution_options(isolation_level="AUTOCOMMIT")
        run_id = await _claim(database, lock_connection)
        try:
            yield run_id
        finally:
            if run_id is not None:
                await _release(lock_connection, run_id)


async def _claim(database: Database, lock_connection: AsyncConnection) -> uuid.UUID | None:
    passed_over: list[uuid.UUID] = []
    try:
        async with database.transaction() as session:
            while True:
                run = await repository.lock_claimable_run(session, passed_over=passed_over)
                if run is None:
                    return None
                if await repository.try_lock_run(lock_connection, run.id):
                    break
                passed_over.append(run.id)  # a live process is executing it
            if run.status == InvoiceRunStatus.RUNNING:
                logger.warning(
                    "invoice run %s was left running by a stopped process; resuming it", run.id
                )
            else:
                run.status = InvoiceRunStatus.RUNNING
                run.started_at = datetime.now(UTC)
            await session.flush()
    except BaseException:
        # The lock may have been taken before the failure, and a transaction's end does not
        # release a session lock: the connection is discarded, and its closing releases it.
        await lock_connection.invalidate()
        raise
    return run.id


async def _release(lock_connection: AsyncConnection, run_id: uuid.UUID) -> None:
    try:
        await repository.unlock_run(lock_connection, run_id)
    except BaseException:
        await lock_connection.invalidate()
        raise


async def execute_run(
    database: Database,
    run_id: uuid.UUID,
    *,
    batch_accounts: int,
    batches_in_flight: int = 1,
    series_lock_timeout_ms: int = DEFAULT_SERIES_LOCK_TIMEOUT_MS,
    stop: asyncio.Event | None = None,
    metrics: RunMetrics | None = None,
) -> None:
    """Bill a claimed run batch by batch, then record it completed, or failed with the error.
    Call it inside `claimed_run`, which holds the run's lock meanwhile.

    Up to `batches_in_flight` batches, of disjoint accounts, are billed at once, each in its own
    transaction: while one waits on PostgreSQL the process prepares the next, so that both the
    process and the database work. Numbers stay gapless (the series is locked from numbering to
    commit) and follow the account order within a batch, though not always across batches.

    When the process is stopping, the run goes back to `queued` once the batches in flight are
    done, and the next worker to claim it bills what is still pending. A posting batch waits up
    to `series_lock_timeout_ms` for its series (`number_series.wait_for_series`)."""
    metrics = metrics or _UNREGISTERED_METRICS
    started = time.perf_counter()
    async with database.transaction() as session:
        run = await session.get(InvoiceRun, run_id)
        if run is None:
            raise LookupError(f"invoice run {run_id} does not exist")
    logger.info("invoice run %s: billing periods due by %s", run.id, run.target_date)
    in_flight: set[asyncio.Task[None]] = set()
    try:
        with collector_spared(_YOUNG_OBJECTS_PER_COLLECTION):
            after_account: uuid.UUID | None = None
            while True:
                if stop is not None and stop.is_set():
                    await _finish(in_flight)
                    async with database.transaction() as session:
                        await repository.requeue_run(session, run.id)
                    logger.info("invoice run %s requeued: the process is stopping", run.id)
                    metrics.duration.labels("requeued").observe(time.perf_counter() - started)
                    return
                async with database.transaction() as session:
                    accounts = await repository.due_bill_to_accounts(
                        session,
                        target_date=run.target_date,
                        account_ids=run.account_ids,
                        after=after_account,
                        limit=batch_accounts,
                    )
                if not accounts:
                    break
                after_account = accounts[-1]
                while len(in_flight) >= batches_in_flight:
                    await _finish(in_flight, first_only=True)
                in_flight.add(
                    asyncio.create_task(
                        _bill_batch(database, run, accounts, metrics, series_lock_timeout_ms)
                    )
                )
            await _finish(in_flight)
    except Exception as error:
        logger.exception("invoice run %s failed", run.id)
        # The other batches in flight commit or roll back on their own before the run is
        # recorded failed: what a failed run committed, it keeps.
        await asyncio.gather(*in_flight, return_exceptions=True)
        async with database.transaction() as session:
            await repository.finish_run(
                session,
                run.id,
                status=InvoiceRunStatus.FAILED,
                error=f"{type(error).__name__}: {error}"[:2000],
            )
        metrics.duration.labels("failed").observe(time.perf_counter() - started)
        return
    finally:
        for task in in_flight:  # only when the run itself is cancelled
            task.cancel()
    async with database.transaction() as session:
        await repository.finish_run(session, run.id, status=InvoiceRunStatus.COMPLETED)
    metrics.duration.labels("completed").observe(time.perf_counter() - started)
    logger.info("invoice run %s completed", run.id)


_UNREGISTERED_METRICS = RunMetrics()
"""Where a run counts when its caller passes no metrics (tests, the benchmark): no registry."""


async def _bill_batch(
    database: Database,
    run: InvoiceRun,
    accounts: list[uuid.UUID],
    metrics: RunMetrics,
    series_lock_timeout_ms: int,
) -> None:
    async with database.transaction() as session:
        outcome = await bill_accounts(
            session, run, accounts, series_lock_timeout_ms=series_lock_timeout_ms
        )
    # Counted once committed: a batch that rolled back made nothing.
    metrics.invoices.labels("posted").inc(outcome.posted)
    metrics.invoices.labels("draft").inc(outcome.invoices - outcome.posted)
    metrics.credit_notes.inc(outcome.credit_notes)


async def _finish(in_flight: set[asyncio.Task[None]], *, first_only: bool = False) -> None:
    """Wait for the batches in flight (or the first of them to end); raise a failed one's
    error."""
    if not in_flight:
        return
    done, _ = await asyncio.wait(
        in_flight, return_when=asyncio.FIRST_COMPLETED if first_only else asyncio.ALL_COMPLETED
    )
    in_flight.difference_update(done)
    for task in done:
        task.result()


_YOUNG_OBJECTS_PER_COLLECTION = 10_000
"""The threshold of the collector's youngest generation while runs go (700 by default): a
run's batches are spared most of the collector's walks (`q2c_shared.collector`, ADR 0007)."""
