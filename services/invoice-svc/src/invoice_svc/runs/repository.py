"""Invoice run data access: claiming runs, their locks and progress, and the due periods a
batch bills."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, text, true, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from invoice_svc.bulk_sql import one_of
from invoice_svc.core.drafting import DueCharge
from invoice_svc.models import BillingPeriod, BillingSchedule, InvoiceRun
from invoice_svc.statuses import InvoiceRunStatus, PeriodStatus
from q2c_shared.pagination import PageRequest, fetch_page

_schedules = BillingSchedule.__table__
_periods = BillingPeriod.__table__
_runs = InvoiceRun.__table__


async def lock_claimable_run(
    session: AsyncSession, *, passed_over: Sequence[uuid.UUID] = ()
) -> InvoiceRun | None:
    """The oldest run that is queued or running, other than `passed_over`, locked; runs
    other workers are claiming are skipped, not waited for. (A running run may be claimed only
    when no process holds its run lock: the caller tries `try_lock_run`.)"""
    statement = (
        select(InvoiceRun)
        .where(InvoiceRun.status.in_([InvoiceRunStatus.QUEUED, InvoiceRunStatus.RUNNING]))
        .order_by(InvoiceRun.created_at, InvoiceRun.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if passed_over:
        statement = statement.where(InvoiceRun.id.not_in(passed_over))
    return await session.scalar(statement)


RUN_LOCK_NAMESPACE = int.from_bytes(b"irun")
"""The first key of every run lock, `pg_advisory_lock(RUN_LOCK_NAMESPACE, hashtext(run id))`:
"irun" in ASCII (1769108846), so that the locks are easy to spot in `pg_locks` (`classid`).
The only two-key advisory lock in invoice-svc's database; PostgreSQL keeps two-key locks
apart from one-key ones (`objsubid` 2, not 1), such as the outbox relay's."""


_RUN_LOCK_KEY = ":namespace, hashtext(CAST(:run_id AS uuid)::text)"


async def try_lock_run(connection: AsyncConnection, run_id: uuid.UUID) -> bool:
    """Take the run lock, a session-level advisory lock held by the process executing the run
    for as long as it does; False when another session holds it. It outlives transactions and
    goes with the session: `unlock_run` releases it, and so does the connection's end."""
    return bool(
        await connection.scalar(
            text(f"SELECT pg_try_advisory_lock({_RUN_LOCK_KEY})"),
            {"namespace": RUN_LOCK_NAMESPACE, "run_id": run_id},
        )
    )


async def unlock_run(connection: AsyncConnection, run_id: uuid.UUID) -> None:
    await connection.execute(
        text(f"SELECT pg_advisory_unlock({_RUN_LOCK_KEY})"),
        {"namespace": RUN_LOCK_NAMESPACE, "run_id": run_id},
    )


async def due_bill_to_accounts(
    session: AsyncSession,
    *,
    target_date: date,
    account_ids: Sequence[uuid.UUID] | None,
    after: uuid.UUID | None,
    limit: int,
    order_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """The next `limit` bill-to accounts (in id order, after `after`) with pending periods due
    by `target_date` (of the order `order_id` only, when given). A run bills whole accounts
    per batch, so one invoice never straddles two batches."""
    statement = (
        select(_schedules.c.bill_to_account_id)
        .join(_periods, _periods.c.billing_schedule_id == _schedules.c.id)
        .where(_periods.c.status == PeriodStatus.PENDING, _periods.c.billable_date <= target_date)
        .distinct()
        .order_by(_schedules.c.bill_to_account_id)
        .limit(limit)
    )
    if account_ids is not None:
        statement = statement.where(one_of(_schedules.c.bill_to_account_id, account_ids))
    if after is not None:
        statement = statement.where(_schedules.c.bill_to_account_id > after)
    if order_id is not None:
        statement = statement.where(_schedules.c.order_id == order_id)
    return list((await session.execute(statement)).scalars())


async def lock_due_periods(
    session: AsyncSession, *, target_date: date, bill_to_account_ids: Sequence[uuid.UUID]
) -> list[DueCharge]:
    """The pending periods due by `target_date` of these bill-to accounts, each with the split
    context of its schedule, locked `FOR UPDATE OF billing_periods SKIP LOCKED`: a period
    another run holds is left to that run, never billed twice."""
    due = _pending_due(target_date, locked=True)
    make = DueCharge._make
    return [make(row) for row in await session.execute(_due_charges(due, bill_to_account_ids))]


async def read_due_periods(
    session: AsyncSession,
    *,
    target_date: date,
    bill_to_account_ids: Sequence[uuid.UUID],
    order_id: uuid.UUID | None = None,
) -> list[DueCharge]:
    """What `lock_due_periods` finds (of the order `order_id` only, when given), without
    locking anything: for a preview of what a run would bill, which holds up no run."""
    statement = _due_charges(_pending_due(target_date, locked=False), bill_to_account_ids)
    if order_id is not None:
        statement = statement.where(_schedules.c.order_id == order_id)
    make = DueCharge._make
    return [make(row) for row in await session.execute(statement)]


def _pending_due(target_date: date, *, locked: bool) -> Any:
    """The pending periods due by `target_date` of one schedule (the outer query's), as a
    LATERAL subquery: each schedule of the batch goes straight to its due periods through
    `ix_billing_periods_pending_by_schedule`. Joined plainly, the planner read every pending
    period due in the database (a run's first batches: all of them) and hashed them against
    the batch's schedules, six times the work per batch (docs/adr/0016). `OFFSET 0` keeps the
    subquery from being pulled up into that join. Locked, its rows are locked `FOR UPDATE
    SKIP LOCKED` as they are found."""
    due = (
        select(*_PERIODS_DUE_CHARGE_FIELDS.values())
        .where(
            _periods.c.billing_schedule_id == _schedules.c.id,
            _periods.c.status == PeriodStatus.PENDING,
            _periods.c.billable_date <= target_date,
        )
        .offset(0)
    )
    if locked:
        due = due.with_for_update(skip_locked=True)
    return due.lateral("due")


def _due_charges(due: Any, bill_to_account_ids: Sequence[uuid.UUID]) -> Any:
    """The `due` periods of these bill-to accounts' schedules as `DueCharge` rows, in the
    order a run drafts them: by bill-to, order, order product and period.

    The rows are made straight into `DueCharge` tuples: a SQLAlchemy `Row` looks each attribute
    up by name in Python, which over a batch's thousands of rows x twenty columns cost more
    than the query."""
    columns = {
        name: due.c[column.name] if column.table is _periods else column
        for name, column in _DUE_CHARGE_COLUMNS.items()
    }
    return (
        select(*(columns[name].label(name) for name in DueCharge._fields))
        .select_from(_schedules)
        .join(due, true())
        .where(one_of(_schedules.c.bill_to_account_id, bill_to_account_ids))
        .order_by(
            _schedules.c.bill_to_account_id,
            _schedules.c.order_id,
            _schedules.c.order_product_id,
            due.c.period_start,
        )
    )


_PERIODS_DUE_CHARGE_FIELDS = {
    "billing_period_id": _periods.c.id,
    "billing_schedule_id": _periods.c.billing_schedule_id,
    "period_start": _periods.c.period_start,
    "period_end": _periods.c.period_end,
    "amount": _periods.c.amount,
}


_DUE_CHARGE_COLUMNS = {
    name: _PERIODS_DUE_CHARGE_FIELDS.get(name, _schedules.c.get(name)) for name in DueCharge._fields
}
"""Where each `DueCharge` field is read from: the period's own, the rest its schedule's."""


async def count_run_progress(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    invoices: int,
    lines: int,
    posted: int,
    credit_notes: int = 0,
    periods_deferred: int = 0,
) -> None:
    await session.execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(
            invoices_created=_runs.c.invoices_created + invoices,
            lines_created=_runs.c.lines_created + lines,
            invoices_posted=_runs.c.invoices_posted + posted,
            credit_notes_created=_runs.c.credit_notes_created + credit_notes,
            periods_deferred=_runs.c.periods_deferred + periods_deferred,
        )
    )


async def requeue_run(session: AsyncSession, run_id: uuid.UUID) -> None:
    await session.execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(status=InvoiceRunStatus.QUEUED, started_at=None)
    )


async def finish_run(
    session: AsyncSession, run_id: uuid.UUID, *, status: InvoiceRunStatus, error: str | None = None
) -> None:
    await session.execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(status=status, error=error, finished_at=func.now())
    )


async def page_of_runs(
    session: AsyncSession,
    page: PageRequest,
    *,
    status: InvoiceRunStatus | None,
) -> tuple[list[InvoiceRun], str | None]:
    """A page of invoice runs, newest first, by the filters given (None: not filtered)."""
    statement = select(InvoiceRun)
    if status is not None:
        statement = statement.where(InvoiceRun.status == status)
    return await fetch_page(session, statement, InvoiceRun.id, page)
