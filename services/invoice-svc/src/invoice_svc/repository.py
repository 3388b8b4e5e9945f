"""invoice-svc data access: loads, locks and bulk-writes rows; no business rules."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Numeric,
    Row,
    String,
    TableValuedAlias,
    any_,
    bindparam,
    column,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from invoice_svc.drafting import DueCharge
from invoice_svc.models import (
    BillingPeriod,
    BillingSchedule,
    BillToAccount,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    PaymentApplication,
    TaxRate,
)
from invoice_svc.schemas import CreditNoteStatus, InvoiceRunStatus, InvoiceStatus, PeriodStatus
from invoice_svc.tax import BillToTaxProfile, TaxRateTable
from invoice_svc.tax import TaxRate as TaxRateRule
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
) -> list[DueCharge]:
    """The pending periods due by `target_date` of these bill-to accounts, each with the split
    context of its schedule, locked `FOR UPDATE OF billing_periods SKIP LOCKED`: a period
    another run holds is left to that run, never billed twice.

    The rows are made straight into `DueCharge` tuples: a SQLAlchemy `Row` looks each attribute
    up by name in Python, which over a batch's thousands of rows x twenty columns cost more
    than the query."""
    statement = (
        select(*(_DUE_CHARGE_COLUMNS[name].label(name) for name in DueCharge._fields))
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
    make = DueCharge._make
    return [make(row) for row in await session.execute(statement)]


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
) -> None:
    await session.execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(
            invoices_created=_runs.c.invoices_created + invoices,
            lines_created=_runs.c.lines_created + lines,
            invoices_posted=_runs.c.invoices_posted + posted,
            credit_notes_created=_runs.c.credit_notes_created + credit_notes,
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


async def lines_with_tax_codes(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    """The invoices' lines (`id`, `amount`) with their product's tax code, by invoice."""
    result = await session.execute(
        select(_lines.c.id, _lines.c.invoice_id, _lines.c.amount, _schedules.c.tax_code)
        .join(_schedules, _schedules.c.id == _lines.c.billing_schedule_id)
        .where(_one_of(_lines.c.invoice_id, invoice_ids))
        .order_by(_lines.c.invoice_id, _lines.c.position)
    )
    grouped: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for line in result:
        grouped[line.invoice_id].append(line)
    return grouped


async def set_line_taxes(session: AsyncSession, line_taxes: list[dict[str, Any]]) -> None:
    """Each of `line_id`, `tax_rate_percent`, `tax_amount`: one `UPDATE ... FROM unnest`."""
    if not line_taxes:
        return
    taxed = _unnest(
        line_id=([t["line_id"] for t in line_taxes], UUID(as_uuid=True)),
        tax_rate_percent=([t["tax_rate_percent"] for t in line_taxes], Numeric()),
        tax_amount=([t["tax_amount"] for t in line_taxes], Numeric()),
    )
    await session.execute(
        update(_lines)
        .where(_lines.c.id == taxed.c.line_id)
        .values(tax_rate_percent=taxed.c.tax_rate_percent, tax_amount=taxed.c.tax_amount)
    )


async def set_invoice_totals(session: AsyncSession, totals: list[dict[str, Any]]) -> None:
    """Each of `invoice_id`, `tax_total`, `total`, `balance`, `payment_status`."""
    if not totals:
        return
    changed = _unnest(
        invoice_id=([t["invoice_id"] for t in totals], UUID(as_uuid=True)),
        tax_total=([t["tax_total"] for t in totals], Numeric()),
        total=([t["total"] for t in totals], Numeric()),
        balance=([t["balance"] for t in totals], Numeric()),
        payment_status=([t["payment_status"] for t in totals], String()),
    )
    await session.execute(
        update(_invoices)
        .where(_invoices.c.id == changed.c.invoice_id)
        .values(
            tax_total=changed.c.tax_total,
            total=changed.c.total,
            balance=changed.c.balance,
            payment_status=changed.c.payment_status,
        )
    )


async def insert_tax_rate(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Insert a tax rate; None when its jurisdiction and tax code have one already."""
    table = TaxRate.__table__
    return await session.scalar(
        insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    )


# --- credit notes ---------------------------------------------------------------------------


async def creditable_lines(session: AsyncSession, invoice_id: uuid.UUID) -> list[Row[Any]]:
    """The invoice's lines with what issued credit notes took of each (`credited_amount`,
    `credited_tax`), in position order. Callers hold the invoice's row lock, so no credit note
    of it is issued meanwhile."""
    notes = CreditNote.__table__
    credit_lines = CreditNoteLine.__table__
    credited = (
        select(
            credit_lines.c.invoice_line_id,
            func.sum(credit_lines.c.amount).label("credited_amount"),
            func.sum(credit_lines.c.tax_amount).label("credited_tax"),
        )
        .join(notes, notes.c.id == credit_lines.c.credit_note_id)
        .where(notes.c.invoice_id == invoice_id, notes.c.status == CreditNoteStatus.ISSUED)
        .group_by(credit_lines.c.invoice_line_id)
        .subquery()
    )
    result = await session.execute(
        select(
            _lines.c.id.label("invoice_line_id"),
            _lines.c.order_id,
            _lines.c.order_product_id,
            _lines.c.product_id,
            _lines.c.description,
            _lines.c.period_start,
            _lines.c.period_end,
            _lines.c.quantity,
            _lines.c.amount,
            _lines.c.tax_rate_percent,
            _lines.c.tax_amount,
            func.coalesce(credited.c.credited_amount, 0).label("credited_amount"),
            func.coalesce(credited.c.credited_tax, 0).label("credited_tax"),
        )
        .outerjoin(credited, credited.c.invoice_line_id == _lines.c.id)
        .where(_lines.c.invoice_id == invoice_id)
        .order_by(_lines.c.position)
    )
    return list(result.all())


async def insert_credit_notes(
    session: AsyncSession, notes: list[dict[str, Any]], lines: list[dict[str, Any]]
) -> None:
    """Bulk-insert credit notes and their lines (COPY); the billing periods a run's credit
    notes credit are marked invoiced, pointing at their credit note, in one statement. A
    period already on a credit note line fails the whole batch (UNIQUE)."""
    if not notes:
        return
    await copy_rows(session, CreditNote.__table__, notes)
    await copy_rows(session, CreditNoteLine.__table__, lines)
    period_lines = [line for line in lines if line["billing_period_id"] is not None]
    if not period_lines:
        return
    credited = _unnest(
        billing_period_id=(
            [line["billing_period_id"] for line in period_lines],
            UUID(as_uuid=True),
        ),
        credit_note_id=([line["credit_note_id"] for line in period_lines], UUID(as_uuid=True)),
    )
    await session.execute(
        update(_periods)
        .where(_periods.c.id == credited.c.billing_period_id)
        .values(status=PeriodStatus.INVOICED, credit_note_id=credited.c.credit_note_id)
    )


async def mark_credit_notes_issued(session: AsyncSession, issuings: list[dict[str, Any]]) -> None:
    """Each of `credit_note_id`, `number`: numbered and issued in one `UPDATE ... FROM`."""
    if not issuings:
        return
    issued = _unnest(
        credit_note_id=([i["credit_note_id"] for i in issuings], UUID(as_uuid=True)),
        number=([i["number"] for i in issuings], String()),
    )
    notes = CreditNote.__table__
    await session.execute(
        update(notes)
        .where(notes.c.id == issued.c.credit_note_id)
        .values(number=issued.c.number, status=CreditNoteStatus.ISSUED, issued_at=func.now())
    )


async def credit_note_lines(
    session: AsyncSession, credit_note_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    table = CreditNoteLine.__table__
    result = await session.execute(
        select(table)
        .where(_one_of(table.c.credit_note_id, credit_note_ids))
        .order_by(table.c.credit_note_id, table.c.position)
    )
    grouped: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for line in result:
        grouped[line.credit_note_id].append(line)
    return grouped


async def invoice_numbers(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    result = await session.execute(
        select(_invoices.c.id, _invoices.c.number).where(_one_of(_invoices.c.id, invoice_ids))
    )
    return {invoice_id: number for invoice_id, number in result}


def invoices_of_order(order_id: uuid.UUID) -> Any:
    """A filter: invoices with at least one line of the order (an invoice may span orders)."""
    return Invoice.id.in_(select(_lines.c.invoice_id).where(_lines.c.order_id == order_id))


async def record_payment_application(
    session: AsyncSession,
    *,
    allocation_id: uuid.UUID,
    invoice_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: Decimal,
) -> bool:
    """Record an allocation applied to an invoice; False when it was recorded already."""
    inserted = await session.scalar(
        insert(PaymentApplication)
        .values(
            allocation_id=allocation_id,
            invoice_id=invoice_id,
            payment_id=payment_id,
            amount=amount,
        )
        .on_conflict_do_nothing(index_elements=["allocation_id"])
        .returning(PaymentApplication.allocation_id)
    )
    return inserted is not None


async def record_payment_unapplied(
    session: AsyncSession,
    *,
    allocation_id: uuid.UUID,
    invoice_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: Decimal,
) -> bool:
    """Mark an allocation taken back; False when it was taken back already. An allocation
    applied before applications were recorded gets its row here, already unapplied."""
    statement = insert(PaymentApplication).values(
        allocation_id=allocation_id,
        invoice_id=invoice_id,
        payment_id=payment_id,
        amount=amount,
        unapplied=True,
    )
    changed = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=["allocation_id"],
            set_={"unapplied": True},
            where=PaymentApplication.unapplied.is_(False),
        ).returning(PaymentApplication.allocation_id)
    )
    return changed is not None


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


async def tax_profiles(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[str, BillToTaxProfile]:
    """What tax needs of these bill-to accounts (the ones the read model has), by id string as
    grouping spells bill-to accounts."""
    table = BillToAccount.__table__
    address = table.c.billing_address
    # Only the two fields tax needs, read out in SQL: no JSON document decoded per account.
    result = await session.execute(
        select(
            table.c.account_id,
            address["country"].astext,
            address["region"].astext,
            table.c.tax_exempt,
        ).where(_one_of(table.c.account_id, account_ids))
    )
    return {
        str(account_id): BillToTaxProfile.of(
            billing_address={"country": country, "region": region}, tax_exempt=tax_exempt
        )
        for account_id, country, region, tax_exempt in result
    }


# --- tax rates ------------------------------------------------------------------------------


async def tax_rate_table(session: AsyncSession) -> TaxRateTable:
    """Every tax rate in force (a table of a few hundred rows at most), ready for lookups."""
    table = TaxRate.__table__
    result = await session.execute(
        select(table.c.country, table.c.region, table.c.tax_code, table.c.rate_percent)
    )
    return TaxRateTable(
        TaxRateRule(country=country, region=region, tax_code=tax_code, rate_percent=rate)
        for country, region, tax_code, rate in result
    )
