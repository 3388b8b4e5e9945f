"""The journal export's use case: read its sources (reports/repository.py), make the entries
(core/ledger.py: pure), shape the answer as JSON or CSV (reports/schemas.py).

Read-only: nothing here writes or locks.
"""

import csv
import io
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.core import ledger
from payment_svc.reports import repository
from payment_svc.reports.schemas import (
    JournalEntryPublic,
    JournalExport,
    JournalLinePublic,
    JournalTotal,
)
from payment_svc.reports.service import _check_currency, check_period
from q2c_shared.money import round_money


async def journal_entries(
    session: AsyncSession,
    *,
    period_start: date,
    period_end: date,
    account_id: uuid.UUID | None,
    currency: str | None,
) -> list[ledger.JournalEntry]:
    """The double-entry journal of the period (both days included), optionally of one account
    or one currency: every entry balances, so the export balances per currency."""
    check_period(period_start, period_end)
    _check_currency(currency)
    sources = await repository.journal_sources(
        session, period_start, period_end, account_id=account_id, currency=currency
    )
    return ledger.journal(
        invoices=(
            ledger.PostedInvoice(
                invoice_id=str(row.invoice_id),
                number=row.invoice_number,
                account_id=str(row.account_id),
                currency=row.currency,
                invoice_date=row.invoice_date,
                subtotal=row.subtotal,
                tax_total=row.tax_total,
                total=row.total,
            )
            for row in sources["invoices"]
        ),
        credit_notes=(
            ledger.IssuedCreditNote(
                credit_note_id=str(row.credit_note_id),
                number=row.number,
                account_id=str(row.account_id),
                currency=row.currency,
                issue_date=row.issue_date,
                subtotal=row.subtotal,
                tax_total=row.tax_total,
                applied=row.applied,
                excess=row.excess,
            )
            for row in sources["credit_notes"]
        ),
        payments=(
            ledger.ReceivedPayment(
                payment_id=str(row.id),
                reference=row.reference,
                method=row.method,
                account_id=str(row.account_id),
                currency=row.currency,
                received_on=row.received_on,
                amount=row.amount,
            )
            for row in sources["payments"]
        ),
        allocations=(
            ledger.AppliedAllocation(
                allocation_id=str(row.allocation_id),
                payment_id=str(row.payment_id),
                payment_reference=row.payment_reference,
                invoice_number=row.invoice_number,
                account_id=str(row.account_id),
                currency=row.currency,
                amount=row.amount,
                from_credit=row.from_credit,
                at_receipt=row.at_receipt,
                applied_on=row.applied_on,
                unapplied_on=row.unapplied_on,
            )
            for row in sources["allocations"]
        ),
        refunds=(
            ledger.PaymentRefund(
                refund_id=str(row.id),
                payment_id=str(row.payment_id),
                payment_reference=row.reference,
                account_id=str(row.account_id),
                currency=row.currency,
                amount=row.amount,
                from_credit=row.from_credit,
                refunded_on=row.refunded_on,
            )
            for row in sources["refunds"]
        ),
        period_start=period_start,
        period_end=period_end,
    )


def _lines(entry: ledger.JournalEntry) -> list[JournalLinePublic]:
    return [
        JournalLinePublic(
            ledger_account_code=line.ledger_account.code,
            ledger_account_name=line.ledger_account.name,
            debit=round_money(line.debit, entry.currency),
            credit=round_money(line.credit, entry.currency),
        )
        for line in entry.lines
    ]


def journal_export(
    entries: list[ledger.JournalEntry], *, period_start: date, period_end: date
) -> JournalExport:
    return JournalExport.model_validate(
        {
            "from": period_start,
            "to": period_end,
            "entries": [
                JournalEntryPublic(
                    entry_id=entry.entry_id,
                    entry_date=entry.entry_date,
                    source_type=entry.source_type,
                    source_id=uuid.UUID(entry.source_id),
                    source_number=entry.source_number,
                    account_id=uuid.UUID(entry.account_id),
                    currency=entry.currency,
                    description=entry.description,
                    lines=_lines(entry),
                )
                for entry in entries
            ],
            "totals": [
                JournalTotal(
                    currency=currency,
                    debit=round_money(debit, currency),
                    credit=round_money(credit, currency),
                )
                for currency, (debit, credit) in ledger.totals_by_currency(entries).items()
            ],
        }
    )


JOURNAL_CSV_COLUMNS = (
    "entry_id",
    "entry_date",
    "source_type",
    "source_id",
    "source_number",
    "account_id",
    "currency",
    "description",
    "line",
    "ledger_account_code",
    "ledger_account_name",
    "debit",
    "credit",
)


def journal_csv(entries: Iterable[ledger.JournalEntry]) -> str:
    """One row per journal line, each repeating its entry's columns (`JOURNAL_CSV_COLUMNS`), so
    a spreadsheet or a general ledger's import reads it without joins. Amounts in plain digits
    with the currency's decimals, the other side of a line 0."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(JOURNAL_CSV_COLUMNS)
    for entry in entries:
        for number, line in enumerate(entry.lines, start=1):
            row: list[Any] = [
                entry.entry_id,
                entry.entry_date.isoformat(),
                entry.source_type.value,
                entry.source_id,
                entry.source_number or "",
                entry.account_id,
                entry.currency,
                entry.description,
                number,
                line.ledger_account.code,
                line.ledger_account.name,
                format(round_money(line.debit, entry.currency), "f"),
                format(round_money(line.credit, entry.currency), "f"),
            ]
            writer.writerow(row)
    return out.getvalue()
