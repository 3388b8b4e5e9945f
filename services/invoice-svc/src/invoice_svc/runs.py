"""The invoice-run job: workers claim runs (taking over those a dead process left) and bill
them in set-based batches.

A run moves `queued` -> `running` -> `completed` | `failed`. Any number of processes can run
workers. The process executing a run holds its run lock for as long as it does: a
session-level advisory lock (`repository.try_lock_run`) on a connection of its own, taken
before the run is marked running and released after it is marked completed, failed or queued
again. So a `running` run whose lock nobody holds was left by a process that died (its
connection closed, and the lock went with it), however long ago: no clock decides. A worker
claims the oldest run that is queued, or running without its lock (`claimed_run`): it locks
the candidates' rows `FOR UPDATE SKIP LOCKED` one by one, tries each one's run lock, and
claims the first it gets.

A run bills whole bill-to accounts per batch, one transaction each: it locks the accounts'
pending periods due by the target date (`FOR UPDATE OF billing_periods SKIP LOCKED`), splits
them into invoices with `grouping.group_charges`, writes invoices and lines with COPY, marks
the periods invoiced in one statement, posts the invoices when asked (numbers, then one
`InvoicePosted` each in the outbox), and counts its progress on the run row. A period is never
billed twice: row locks keep two runs apart, and the UNIQUE constraint on
`invoice_lines.billing_period_id` stops whatever might slip past them. (Two runs at once may
each take part of one account's periods, giving it two invoices where one would do; never one
period twice.)

A failed run keeps the batches it committed; a new run bills only what is still pending. A
stopping process puts its runs back in the queue between batches. A run left `running` by a
process that died is taken over by the next worker to poll, and resumed where it stopped:
whatever the dead process committed is no longer pending, what it had in flight was rolled
back, and the counters on the run row keep adding up.

Each execution is timed in `q2c_invoice_run_duration_seconds` (by outcome: completed, failed,
requeued), and what its committed batches made is counted in `q2c_invoice_run_invoices_total`
(by status, draft or posted) and `q2c_invoice_run_credit_notes_total`, in the app's registry.
A run is a job of its own, not part of the trace of the request that queued it.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple, cast

from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from invoice_svc import repository, service
from invoice_svc.drafting import (
    DueCharge,
    InvoiceDraft,
    TaxContext,
    can_post,
    draft_invoices,
    payment_status,
)
from invoice_svc.grouping import group_charges
from invoice_svc.models import InvoiceRun
from invoice_svc.schemas import InvoiceRunStatus, InvoiceStatus
from invoice_svc.settings import InvoiceSettings
from q2c_shared.app import ServiceRuntime
from q2c_shared.collector import collector_spared
from q2c_shared.db import Database
from q2c_shared.ids import new_ids, parse_id
from q2c_shared.money import zero

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


class BatchOutcome(NamedTuple):
    """What one batch made (`bill_accounts`)."""

    invoices: int
    posted: int
    credit_notes: int


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
    done, and the next worker to claim it bills what is still pending."""
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
                in_flight.add(asyncio.create_task(_bill_batch(database, run, accounts, metrics)))
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
    database: Database, run: InvoiceRun, accounts: list[uuid.UUID], metrics: RunMetrics
) -> None:
    async with database.transaction() as session:
        outcome = await bill_accounts(session, run, accounts)
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


async def bill_accounts(
    session: AsyncSession, run: InvoiceRun, bill_to_account_ids: list[uuid.UUID]
) -> BatchOutcome:
    """One batch: these accounts' due periods become draft (or posted) invoices."""
    due = await repository.lock_due_periods(
        session, target_date=run.target_date, bill_to_account_ids=bill_to_account_ids
    )
    tax = TaxContext(
        rates=await repository.tax_rate_table(session),
        bill_tos=await repository.tax_profiles(session, bill_to_account_ids),
    )
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    credit_notes: list[dict[str, Any]] = []
    credit_lines: list[dict[str, Any]] = []
    for rows in _by_bill_to(due, accounts=_ACCOUNTS_PER_STEP):
        drafts = draft_invoices(group_charges(rows), invoice_date=run.invoice_date, tax=tax)
        # A bill-to whose credits (amendments removing quantity) outweigh its charges is owed
        # money: a credit note, not an invoice with a negative total.
        step_invoices, step_lines = _rows([d for d in drafts if can_post(d.total)], run.id)
        invoices += step_invoices
        lines += step_lines
        for draft in drafts:
            if not can_post(draft.total):
                note, note_lines = service.run_credit_note_rows(draft, run.id)
                credit_notes.append(note)
                credit_lines += note_lines
        # A few accounts at a time, letting the run's other batches go on in between: the one
        # holding the series lock (service.create_invoices) would otherwise wait for all of
        # this batch's drafting before it may commit, and keep every other batch waiting too.
        await asyncio.sleep(0)
    posted = await service.create_invoices(session, invoices, lines, post=run.post)
    # After the invoices: every batch takes the invoice series before the credit note series
    # (a fixed order of series locks, so two batches never wait on each other in a cycle).
    await service.create_credit_notes(session, credit_notes, credit_lines, issue=run.post)
    await repository.count_run_progress(
        session,
        run.id,
        invoices=len(invoices),
        lines=len(lines),
        posted=posted,
        credit_notes=len(credit_notes),
    )
    return BatchOutcome(invoices=len(invoices), posted=posted, credit_notes=len(credit_notes))


_ACCOUNTS_PER_STEP = 50


def _by_bill_to(rows: list[DueCharge], *, accounts: int) -> Iterator[list[DueCharge]]:
    """The due periods (ordered by bill-to account) a few whole accounts at a time. No invoice
    has two bill-to accounts, so grouping step by step splits them exactly as grouping all of
    them at once would."""
    step: list[DueCharge] = []
    by_account = groupby(rows, key=attrgetter("bill_to_account_id"))
    for count, (_, account_rows) in enumerate(by_account, start=1):
        step += account_rows
        if count % accounts == 0:
            yield step
            step = []
    if step:
        yield step


def _rows(
    drafts: list[InvoiceDraft], run_id: uuid.UUID
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Invoice and line rows for one bulk insert each (ids made here, so lines can point at
    their invoice without a round trip)."""
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    ids = iter(new_ids(len(drafts) + sum(len(draft.lines) for draft in drafts)))
    for draft in drafts:
        invoice_id = next(ids)
        invoices.append(
            {
                "id": invoice_id,
                "number": None,
                "status": InvoiceStatus.DRAFT,
                "account_id": parse_id(draft.key.bill_to_account_id),
                "legal_entity": draft.legal_entity,
                "currency": draft.key.currency,
                "payment_term": draft.key.payment_term,
                "invoice_date": draft.invoice_date,
                "due_date": draft.due_date,
                "subtotal": draft.subtotal,
                "tax_total": draft.tax_total,
                "total": draft.total,
                "credited_total": zero(draft.key.currency),
                "amount_paid": zero(draft.key.currency),
                "balance": draft.total,
                "payment_status": payment_status(draft.total, zero(draft.key.currency)),
                "grouping": draft.key.explain(),
                "invoice_run_id": run_id,
                "posted_at": None,
            }
        )
        lines += [
            {
                "id": next(ids),
                "invoice_id": invoice_id,
                "position": position,
                "billing_period_id": line.period.billing_period_id,
                "billing_schedule_id": line.period.billing_schedule_id,
                "order_id": line.period.order_id,
                "order_product_id": line.period.order_product_id,
                "product_id": line.period.product_id,
                "description": line.period.description,
                "period_start": line.period.period_start,
                "period_end": line.period.period_end,
                "quantity": line.period.quantity,
                "amount": line.period.amount,
                "tax_rate_percent": line.tax_rate_percent,
                "tax_amount": line.tax_amount,
            }
            for position, line in enumerate(draft.lines, start=1)
        ]
    return invoices, lines
