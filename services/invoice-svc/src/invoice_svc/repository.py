"""invoice-svc data access: loads, locks and bulk-writes rows; no business rules."""

import uuid
from collections import defaultdict, namedtuple
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    String,
    TableValuedAlias,
    any_,
    bindparam,
    column,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.models import (
    BillingPeriod,
    BillingSchedule,
    BillToAccount,
    Invoice,
    InvoiceLine,
    InvoiceRun,
)
from invoice_svc.schemas import InvoiceRunStatus, InvoiceStatus, PeriodStatus
from q2c_shared.db import copy_rows

_schedules = BillingSchedule.__table__
_periods = BillingPeriod.__table__
_invoices = Invoice.__table__
_lines = InvoiceLine.__table__
_runs = InvoiceRun.__table__


def _one_of(column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """`column = ANY(:ids)`: one array parameter, however many ids a run batch holds (an IN
    list binds one parameter per id, and PostgreSQL takes at most 32767)."""
    return column == any_(_array(ids, UUID(as_uuid=True)))


def _array(values: Sequence[Any], item_type: Any) -> Any:
    return bindparam(None, list(values), type_=ARRAY(item_type))


def _unnest(**arrays: tuple[Sequence[Any], Any]) -> TableValuedAlias:
    """`unnest(:a, :b, ...) AS anon(a, b, ...)`: parallel arrays as rows, one parameter per
    column however many rows (for an `UPDATE ... FROM` of a whole batch in one statement)."""
    return (
        func.unnest(*(_array(values, item_type) for values, item_type in arrays.values()))
        .table_valued(*(column(name, item_type) for name, (_, item_type) in arrays.items()))
        .render_derived()
    )


# --- billing schedules ----------------------------------------------------------------------


async def insert_schedules(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> dict[uuid.UUID, uuid.UUID]:
    """Insert the schedules whose order product has none yet; `{order_product_id: id}` of the
    ones inserted (an order product already scheduled is left as it is)."""
    if not rows:
        return {}
    result = await session.execute(
        insert(_schedules)
        .on_conflict_do_nothing(index_elements=["order_product_id"])
        .returning(_schedules.c.order_product_id, _schedules.c.id),
        rows,
    )
    return {order_product_id: schedule_id for order_product_id, schedule_id in result}


async def insert_periods(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(_periods), rows)


async def periods_by_schedule(
    session: AsyncSession, schedule_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[BillingPeriod]]:
    result = await session.execute(
        select(BillingPeriod)
        .where(_one_of(BillingPeriod.billing_schedule_id, schedule_ids))
        .order_by(BillingPeriod.billing_schedule_id, BillingPeriod.sequence)
    )
    grouped: dict[uuid.UUID, list[BillingPeriod]] = defaultdict(list)
    for period in result.scalars():
        grouped[period.billing_schedule_id].append(period)
    return grouped


# --- invoice runs ---------------------------------------------------------------------------


async def claim_queued_run(session: AsyncSession) -> InvoiceRun | None:
    """The oldest queued run, locked; runs other workers hold are skipped, not waited for."""
    return await session.scalar(
        select(InvoiceRun)
        .where(InvoiceRun.status == InvoiceRunStatus.QUEUED)
        .order_by(InvoiceRun.created_at, InvoiceRun.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


async def due_bill_to_accounts(
    session: AsyncSession,
    *,
    target_date: date,
    account_ids: Sequence[uuid.UUID] | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[uuid.UUID]:
    """The next `limit` bill-to accounts (in id order, after `after`) with pending periods due
    by `target_date`. A run bills whole accounts per batch, so one invoice never straddles two
    batches."""
    statement = (
        select(_schedules.c.bill_to_account_id)
        .join(_periods, _periods.c.billing_schedule_id == _schedules.c.id)
        .where(_periods.c.status == PeriodStatus.PENDING, _periods.c.billable_date <= target_date)
        .distinct()
        .order_by(_schedules.c.bill_to_account_id)
        .limit(limit)
    )
    if account_ids is not None:
        statement = statement.where(_one_of(_schedules.c.bill_to_account_id, account_ids))
    if after is not None:
        statement = statement.where(_schedules.c.bill_to_account_id > after)
    return list((await session.execute(statement)).scalars())


async def lock_due_periods(
    session: AsyncSession, *, target_date: date, bill_to_account_ids: Sequence[uuid.UUID]
) -> list[Any]:
    """The pending periods due by `target_date` of these bill-to accounts, each with the split
    context of its schedule, locked `FOR UPDATE OF billing_periods SKIP LOCKED`: a period
    another run holds is left to that run, never billed twice.

    The rows are plain named tuples: a SQLAlchemy `Row` looks each attribute up by name in
    Python, which over a batch's thousands of rows x twenty columns cost more than the query."""
    statement = (
        select(
            _periods.c.id.label("billing_period_id"),
            _periods.c.billing_schedule_id,
            _periods.c.period_start,
            _periods.c.period_end,
            _periods.c.amount,
            _schedules.c.order_id,
            _schedules.c.order_product_id,
            _schedules.c.product_id,
            _schedules.c.description,
            _schedules.c.quantity,
            _schedules.c.account_id,
            _schedules.c.order_billing_account_id,
            _schedules.c.product_billing_account_id,
            _schedules.c.currency,
            _schedules.c.payment_term,
            _schedules.c.invoice_grouping,
            _schedules.c.contract_number,
            _schedules.c.po_number,
            _schedules.c.legal_entity,
            _schedules.c.invoice_group_id,
            _schedules.c.bill_to_account_id,
        )
        .join(_schedules, _schedules.c.id == _periods.c.billing_schedule_id)
        .where(
            _periods.c.status == PeriodStatus.PENDING,
            _periods.c.billable_date <= target_date,
            _one_of(_schedules.c.bill_to_account_id, bill_to_account_ids),
        )
        .order_by(
            _schedules.c.bill_to_account_id,
            _schedules.c.order_id,
            _schedules.c.order_product_id,
            _periods.c.period_start,
        )
        .with_for_update(of=_periods, skip_locked=True)
    )
    result = await session.execute(statement)
    due_period = namedtuple("DuePeriodRow", list(result.keys()))
    return [due_period._make(row) for row in result]


async def count_run_progress(
    session: AsyncSession, run_id: uuid.UUID, *, invoices: int, lines: int, posted: int
) -> None:
    await session.execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(
            invoices_created=_runs.c.invoices_created + invoices,
            lines_created=_runs.c.lines_created + lines,
            invoices_posted=_runs.c.invoices_posted + posted,
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


# --- invoices -------------------------------------------------------------------------------


async def insert_invoices(
    session: AsyncSession, invoices: list[dict[str, Any]], lines: list[dict[str, Any]]
) -> None:
    """Bulk-insert invoices and their lines (COPY), then mark the billed periods invoiced in
    one `UPDATE ... FROM`. A period already on a line fails the whole batch (UNIQUE)."""
    if not invoices:
        return
    await copy_rows(session, _invoices, invoices)
    await copy_rows(session, _lines, lines)
    billed = _unnest(
        billing_period_id=([line["billing_period_id"] for line in lines], UUID(as_uuid=True)),
        invoice_id=([line["invoice_id"] for line in lines], UUID(as_uuid=True)),
    )
    await session.execute(
        update(_periods)
        .where(_periods.c.id == billed.c.billing_period_id)
        .values(status=PeriodStatus.INVOICED, invoice_id=billed.c.invoice_id)
    )


async def lock_draft_invoices(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> Sequence[Row[Any]]:
    """The drafts among `invoice_ids`, locked in id order (a fixed order: no deadlocks)."""
    return (
        await session.execute(
            select(
                _invoices.c.id,
                _invoices.c.legal_entity,
                _invoices.c.invoice_date,
                _invoices.c.payment_term,
                _invoices.c.total,
            )
            .where(_one_of(_invoices.c.id, invoice_ids), _invoices.c.status == InvoiceStatus.DRAFT)
            .order_by(_invoices.c.id)
            .with_for_update()
        )
    ).all()


async def mark_posted(session: AsyncSession, postings: list[dict[str, Any]]) -> None:
    """Number and post invoices in one `UPDATE ... FROM`: each posting holds `invoice_id`,
    `number` and `due_date`."""
    if not postings:
        return
    posted = _unnest(
        invoice_id=([posting["invoice_id"] for posting in postings], UUID(as_uuid=True)),
        number=([posting["number"] for posting in postings], String()),
        due_date=([posting["due_date"] for posting in postings], Date()),
    )
    await session.execute(
        update(_invoices)
        .where(_invoices.c.id == posted.c.invoice_id)
        .values(
            number=posted.c.number,
            due_date=posted.c.due_date,
            status=InvoiceStatus.POSTED,
            posted_at=func.now(),
        )
    )


async def invoice_rows(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> Sequence[Row[Any]]:
    return (
        await session.execute(
            select(_invoices).where(_one_of(_invoices.c.id, invoice_ids)).order_by(_invoices.c.id)
        )
    ).all()


async def lines_by_invoice(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    result = await session.execute(
        select(_lines)
        .where(_one_of(_lines.c.invoice_id, invoice_ids))
        .order_by(_lines.c.invoice_id, _lines.c.position)
    )
    grouped: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for line in result:
        grouped[line.invoice_id].append(line)
    return grouped


def invoices_of_order(order_id: uuid.UUID) -> Any:
    """A filter: invoices with at least one line of the order (an invoice may span orders)."""
    return Invoice.id.in_(select(_lines.c.invoice_id).where(_lines.c.order_id == order_id))


# --- bill-to accounts (read model) ----------------------------------------------------------


async def upsert_bill_to_account(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the account, or overwrite it when `values` come from a newer event than the row's
    (`source_event_time`); False when the row was newer or as new and stayed as it was.

    The comparison is in the statement, not in Python: two deliveries racing each other, or an
    old event redelivered after a newer one, can never put an older version back.
    """
    table = BillToAccount.__table__
    statement = insert(table).values(**values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.account_id],
        set_={
            **{name: excluded[name] for name in values if name != "account_id"},
            "updated_at": func.now(),
        },
        where=table.c.source_event_time < excluded.source_event_time,
    ).returning(table.c.account_id)
    return (await session.execute(statement)).first() is not None


async def bill_to_accounts(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, BillToAccount]:
    """The read model's rows of these accounts (the ones it has)."""
    result = await session.execute(
        select(BillToAccount).where(_one_of(BillToAccount.account_id, account_ids))
    )
    return {account.account_id: account for account in result.scalars()}
