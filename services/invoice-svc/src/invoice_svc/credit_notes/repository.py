"""Credit note data access: bulk writes, issuing, lines, what an invoice has left to credit."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, String, func, select, update
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bulk_sql import one_of, rows_by, unnest
from invoice_svc.models import BillingPeriod, CreditNote, CreditNoteLine, Invoice, InvoiceLine
from invoice_svc.statuses import CreditNoteStatus, PeriodStatus
from q2c_shared.db import copy_rows
from q2c_shared.pagination import PageRequest, fetch_page

_periods = BillingPeriod.__table__
_invoices = Invoice.__table__
_lines = InvoiceLine.__table__


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
    credited = unnest(
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
    issued = unnest(
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
        .where(one_of(table.c.credit_note_id, credit_note_ids))
        .order_by(table.c.credit_note_id, table.c.position)
    )
    return rows_by(result, "credit_note_id")


async def page_of_credit_notes(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
    status: CreditNoteStatus | None,
) -> tuple[list[CreditNote], str | None]:
    """A page of credit notes, newest first, by the filters given (None: not filtered)."""
    statement = select(CreditNote)
    if account_id is not None:
        statement = statement.where(CreditNote.account_id == account_id)
    if invoice_id is not None:
        statement = statement.where(CreditNote.invoice_id == invoice_id)
    if status is not None:
        statement = statement.where(CreditNote.status == status)
    return await fetch_page(session, statement, CreditNote.id, page)
