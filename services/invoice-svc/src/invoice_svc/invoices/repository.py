"""Invoice data access: bulk writes of drafts, posting, taxes, lines, payment applications."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Numeric, Row, String, func, select, update
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bulk_sql import one_of, rows_by, unnest
from invoice_svc.models import (
    BillingPeriod,
    BillingSchedule,
    Invoice,
    InvoiceLine,
    PaymentApplication,
)
from invoice_svc.statuses import InvoiceStatus, PeriodStatus
from q2c_shared.db import copy_rows
from q2c_shared.pagination import PageRequest, fetch_page

_schedules = BillingSchedule.__table__
_periods = BillingPeriod.__table__
_invoices = Invoice.__table__
_lines = InvoiceLine.__table__


async def insert_invoices(
    session: AsyncSession, invoices: list[dict[str, Any]], lines: list[dict[str, Any]]
) -> None:
    """Bulk-insert invoices and their lines (COPY), then mark the billed periods invoiced in
    one `UPDATE ... FROM`. A period already on a line fails the whole batch (UNIQUE)."""
    if not invoices:
        return
    await copy_rows(session, _invoices, invoices)
    await copy_rows(session, _lines, lines)
    billed = unnest(
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
    posted = unnest(
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
            select(_invoices).where(one_of(_invoices.c.id, invoice_ids)).order_by(_invoices.c.id)
        )
    ).all()


async def lines_by_invoice(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    result = await session.execute(
        select(_lines)
        .where(one_of(_lines.c.invoice_id, invoice_ids))
        .order_by(_lines.c.invoice_id, _lines.c.position)
    )
    return rows_by(result, "invoice_id")


async def lines_with_tax_codes(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    """The invoices' lines (`id`, `amount`) with their product's tax code, by invoice."""
    result = await session.execute(
        select(_lines.c.id, _lines.c.invoice_id, _lines.c.amount, _schedules.c.tax_code)
        .join(_schedules, _schedules.c.id == _lines.c.billing_schedule_id)
        .where(one_of(_lines.c.invoice_id, invoice_ids))
        .order_by(_lines.c.invoice_id, _lines.c.position)
    )
    return rows_by(result, "invoice_id")


async def set_line_taxes(session: AsyncSession, line_taxes: list[dict[str, Any]]) -> None:
    """Each of `line_id`, `tax_rate_percent`, `tax_amount`: one `UPDATE ... FROM unnest`."""
    if not line_taxes:
        return
    taxed = unnest(
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
    changed = unnest(
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


async def invoice_numbers(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    result = await session.execute(
        select(_invoices.c.id, _invoices.c.number).where(one_of(_invoices.c.id, invoice_ids))
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


async def page_of_invoices(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    invoice_run_id: uuid.UUID | None,
    status: InvoiceStatus | None,
) -> tuple[list[Invoice], str | None]:
    """A page of invoices, newest first, by the filters given (None: not filtered)."""
    statement = select(Invoice)
    if account_id is not None:
        statement = statement.where(Invoice.account_id == account_id)
    if order_id is not None:
        statement = statement.where(invoices_of_order(order_id))
    if invoice_run_id is not None:
        statement = statement.where(Invoice.invoice_run_id == invoice_run_id)
    if status is not None:
        statement = statement.where(Invoice.status == status)
    return await fetch_page(session, statement, Invoice.id, page)
