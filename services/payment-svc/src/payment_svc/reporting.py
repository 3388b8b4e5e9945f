"""The AR reports' and the journal export's use cases: read the rows (repository, `# --- reports`),
work the figures out (reports.py, ledger.py: pure), shape the answer (schemas).

Read-only: nothing here writes or locks. Every figure is rounded to its currency's minor units
at the edge, and amounts of different currencies are never added up.
"""

import csv
import io
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc import ledger, reports, repository
from payment_svc.models import CustomerAccount
from payment_svc.schemas import (
    AgingAccount,
    AgingBuckets,
    AgingTotals,
    ArAgingReport,
    CashReceiptsReport,
    CustomerStatement,
    DailyReceipts,
    JournalEntryPublic,
    JournalExport,
    JournalLinePublic,
    JournalTotal,
    MethodReceipts,
    PaymentMethod,
    ReceiptsTotal,
    StatementEntry,
    StatementTotals,
)
from q2c_shared.money import UnknownCurrencyError, minor_units, round_money
from q2c_shared.problems import NotFound, Unprocessable

# How a statement says a payment arrived ("Payment WIRE-42 received by bank transfer").
_RECEIVED_BY = {
    PaymentMethod.BANK_TRANSFER: " by bank transfer",
    PaymentMethod.CARD: " by card",
    PaymentMethod.CHECK: " by check",
    PaymentMethod.CASH: " in cash",
}


def check_period(period_start: date, period_end: date) -> None:
    """A period runs forwards: `from` after `to` is a 422 naming both."""
    if period_start > period_end:
        raise Unprocessable(
            f"The period starts ({period_start}) after it ends ({period_end}); `from` must be "
            "on or before `to`.",
            code="invalid_period",
            errors=[
                {"loc": ["query", "from"], "msg": f"{period_start} is after `to` ({period_end})"}
            ],
        )


def _check_currency(currency: str | None) -> None:
    if currency is None:
        return
    try:
        minor_units(currency)
    except UnknownCurrencyError as error:
        raise Unprocessable(
            str(error),
            code="unknown_currency",
            errors=[{"loc": ["query", "currency"], "msg": str(error)}],
        ) from None


def _money(amount: Decimal, currency: str | None) -> Decimal:
    return round_money(amount, currency) if currency is not None else amount


# --- AR aging -------------------------------------------------------------------------------


def _buckets(row: reports.AgingRow | None, currency: str | None) -> dict[str, Decimal]:
    """The buckets as the schemas' aliases name them (`current`, `1_30`, ..., `total`)."""
    buckets = row.buckets if row is not None else dict.fromkeys(reports.AgingBucket, Decimal(0))
    total = row.total if row is not None else Decimal(0)
    return {
        **{bucket.value: _money(amount, currency) for bucket, amount in buckets.items()},
        "total": _money(total, currency),
    }


async def ar_aging(session: AsyncSession, *, as_of: date, currency: str | None) -> ArAgingReport:
    """Open balances at the end of `as_of`, by days past due, per account, in one currency.

    Without `currency`, the only currency anything is owed in; several: 422 `currency_required`
    (amounts of different currencies are never added up, and CONTRACT's `totals` has room for
    one). Nothing owed and no currency named: an empty report, its currency null.
    """
    _check_currency(currency)
    rows = await repository.open_balances_as_of(session, as_of, currency=currency)
    currencies = sorted({row.currency for row in rows})
    if currency is None and len(currencies) > 1:
        raise Unprocessable(
            f"Balances are open in {', '.join(currencies)} at {as_of}; pass ?currency= to "
            "age one of them.",
            code="currency_required",
            errors=[{"loc": ["query", "currency"], "msg": "required: " + ", ".join(currencies)}],
        )
    currency = currency or (currencies[0] if currencies else None)
    aging = reports.age(
        (
            reports.OpenBalance(
                account_id=str(row.account_id),
                currency=row.currency,
                due_date=row.due_date,
                balance=row.balance,
            )
            for row in rows
        ),
        as_of=as_of,
    )
    account_ids = {
        row.account_id: uuid.UUID(row.account_id) for row in aging.accounts if row.account_id
    }
    accounts = await repository.customer_accounts(session, list(account_ids.values()))
    return ArAgingReport(
        as_of=as_of,
        currency=currency,
        totals=AgingTotals.model_validate(
            {**_buckets(aging.totals[0] if aging.totals else None, currency), "currency": currency}
        ),
        accounts=[
            AgingAccount.model_validate(
                {
                    **_buckets(row, row.currency),
                    "account_id": row.account_id,
                    "name": _name(accounts.get(account_ids[row.account_id or ""])),
                    "currency": row.currency,
                }
            )
            for row in aging.accounts
        ],
    )


def _name(account: CustomerAccount | None) -> str | None:
    return account.name if account is not None else None


# --- customer statements --------------------------------------------------------------------


async def _statement_currency(
    session: AsyncSession,
    account_id: uuid.UUID,
    currency: str | None,
    account: CustomerAccount | None,
) -> str:
    """The currency asked for, else the account's only one (as account balances choose it)."""
    if currency is not None:
        _check_currency(currency)
        return currency
    currencies = await repository.account_currencies(session, account_id)
    if not currencies and account is not None:
        currencies = {account.currency}
    if not currencies:
        raise NotFound(
            f"No receivables or payments of account {account_id}.", code="account_not_found"
        )
    if len(currencies) > 1:
        raise Unprocessable(
            f"Account {account_id} has money in {', '.join(sorted(currencies))}; pass "
            "?currency= for a statement of one of them.",
            code="currency_required",
            errors=[
                {"loc": ["query", "currency"], "msg": "required: " + ", ".join(sorted(currencies))}
            ],
        )
    (only,) = currencies
    return only


async def _statement_items(
    session: AsyncSession, account_id: uuid.UUID, currency: str, until: date
) -> list[reports.StatementItem]:
    Type = reports.StatementEntryType
    items = [
        reports.StatementItem(
            type=Type.INVOICE,
            entry_date=row.invoice_date,
            document_id=str(row.invoice_id),
            number=row.invoice_number,
            amount=row.total,
            due_date=row.due_date,
        )
        for row in await repository.statement_invoices(session, account_id, currency, until)
    ]
    items += [
        reports.StatementItem(
            type=Type.CREDIT_NOTE,
            entry_date=row.issue_date,
            document_id=str(row.credit_note_id),
            number=row.number,
            amount=row.total,
            detail=row.invoice_number,
        )
        for row in await repository.statement_credit_notes(session, account_id, currency, until)
    ]
    items += [
        reports.StatementItem(
            type=Type.PAYMENT,
            entry_date=row.received_on,
            document_id=str(row.id),
            number=row.reference,
            amount=row.amount,
            detail=row.method,
        )
        for row in await repository.statement_payments(session, account_id, currency, until)
    ]
    items += [
        reports.StatementItem(
            type=Type.REFUND,
            entry_date=row.refunded_on,
            document_id=str(row.id),
            number=row.reference,
            amount=row.amount,
            detail=row.method,
        )
        for row in await repository.statement_refunds(session, account_id, currency, until)
    ]
    return items


def _describe(item: reports.StatementItem) -> str:
    """The line as the customer reads it, numbers and references included."""
    Type = reports.StatementEntryType
    reference = f" {item.number}" if item.number else ""
    match item.type:
        case Type.INVOICE:
            return f"Invoice {item.number}"
        case Type.CREDIT_NOTE:
            of_invoice = f" for invoice {item.detail}" if item.detail else ""
            return f"Credit note {item.number}{of_invoice}"
        case Type.PAYMENT:
            return f"Payment{reference} received{_RECEIVED_BY.get(item.detail or '', '')}"
        case Type.REFUND:
            if item.detail == PaymentMethod.CREDIT_NOTE:
                return f"Refund of account credit{reference}"
            return f"Refund of payment{reference}"
    raise AssertionError(item.type)


async def customer_statement(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    period_start: date,
    period_end: date,
    currency: str | None,
) -> CustomerStatement:
    """The account's statement from `period_start` to `period_end`, in one currency (the
    account's only one unless named): opening balance, the period's invoices, credit notes,
    payments and refunds with the running balance, closing balance, and the open invoices
    aged at the period's end. Unknown account: 404."""
    check_period(period_start, period_end)
    account = await session.get(CustomerAccount, account_id)
    currency = await _statement_currency(session, account_id, currency, account)
    statement = reports.build_statement(
        await _statement_items(session, account_id, currency, period_end),
        period_start=period_start,
        period_end=period_end,
    )
    aging = reports.age(
        (
            reports.OpenBalance(str(row.account_id), row.currency, row.due_date, row.balance)
            for row in await repository.open_balances_as_of(
                session, period_end, account_id=account_id, currency=currency
            )
        ),
        as_of=period_end,
    )
    open_total = aging.totals[0].total if aging.totals else Decimal(0)
    Type = reports.StatementEntryType
    return CustomerStatement.model_validate(
        {
            "account_id": account_id,
            "name": _name(account),
            "email": account.email if account is not None else None,
            "currency": currency,
            "from": period_start,
            "to": period_end,
            "opening_balance": round_money(statement.opening_balance, currency),
            "entries": [
                StatementEntry(
                    entry_date=line.item.entry_date,
                    type=line.item.type,
                    document_id=uuid.UUID(line.item.document_id),
                    number=line.item.number,
                    description=_describe(line.item),
                    due_date=line.item.due_date,
                    amount=round_money(line.item.signed_amount, currency),
                    balance=round_money(line.balance, currency),
                )
                for line in statement.lines
            ],
            "closing_balance": round_money(statement.closing_balance, currency),
            "totals": StatementTotals(
                invoiced=round_money(statement.totals[Type.INVOICE], currency),
                credited=round_money(statement.totals[Type.CREDIT_NOTE], currency),
                paid=round_money(statement.totals[Type.PAYMENT], currency),
                refunded=round_money(statement.totals[Type.REFUND], currency),
            ),
            "aging": AgingBuckets.model_validate(
                _buckets(aging.totals[0] if aging.totals else None, currency)
            ),
            "unapplied_credit": round_money(open_total - statement.closing_balance, currency),
        }
    )


# --- cash receipts --------------------------------------------------------------------------


def _by_method(receipts: reports.Receipts, currency: str) -> list[MethodReceipts]:
    return [
        MethodReceipts(
            method=PaymentMethod(method), count=count, amount=round_money(amount, currency)
        )
        for method, (count, amount) in receipts.by_method.items()
    ]


async def cash_receipts(
    session: AsyncSession, *, period_start: date, period_end: date, currency: str | None
) -> CashReceiptsReport:
    """Money received per day and currency (and per method), from `period_start` to
    `period_end`; `credit_note` payments are no money and are left out."""
    check_period(period_start, period_end)
    _check_currency(currency)
    rows = await repository.receipts_by_day(session, period_start, period_end, currency=currency)
    folded = reports.cash_receipts(
        reports.ReceiptGroup(
            received_on=row.received_on,
            currency=row.currency,
            method=row.method,
            count=row.count,
            amount=row.amount,
        )
        for row in rows
    )
    return CashReceiptsReport.model_validate(
        {
            "from": period_start,
            "to": period_end,
            "days": [
                DailyReceipts(
                    received_on=day.received_on,
                    currency=day.currency,
                    count=day.count,
                    amount=round_money(day.amount, day.currency),
                    by_method=_by_method(day, day.currency),
                )
                for day in folded.days
            ],
            "totals": [
                ReceiptsTotal(
                    currency=total.currency,
                    count=total.count,
                    amount=round_money(total.amount, total.currency),
                    by_method=_by_method(total, total.currency),
                )
                for total in folded.totals
            ],
        }
    )


# --- journal export -------------------------------------------------------------------------


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
