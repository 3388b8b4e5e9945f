"""The AR reports' and the journal export's use cases: read the rows (repository, `# --- reports`),
work the figures out (reports.py, ledger.py: pure), shape the answer (schemas).

Read-only: nothing here writes or locks. Every figure is rounded to its currency's minor units
at the edge, and amounts of different currencies are never added up.
"""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.core import reports
from payment_svc.customer_accounts import repository as accounts_repository
from payment_svc.errors import AccountNotFound, CurrencyRequired, InvalidPeriod, UnknownCurrency
from payment_svc.models import CustomerAccount
from payment_svc.reports import repository
from payment_svc.reports.schemas import (
    AgingAccount,
    AgingBuckets,
    AgingTotals,
    ArAgingReport,
    CashReceiptsReport,
    CustomerStatement,
    DailyReceipts,
    MethodReceipts,
    ReceiptsTotal,
    StatementEntry,
    StatementTotals,
)
from payment_svc.statuses import PaymentMethod
from q2c_shared.money import UnknownCurrencyError, minor_units, round_money

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
        raise InvalidPeriod(
            f"The period starts ({period_start}) after it ends ({period_end}); `from` must be "
            "on or before `to`.",
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
        raise UnknownCurrency(
            str(error),
            errors=[{"loc": ["query", "currency"], "msg": str(error)}],
        ) from None


def _money(amount: Decimal, currency: str | None) -> Decimal:
    return round_money(amount, currency) if currency is not None else amount


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
        raise CurrencyRequired(
            f"Balances are open in {', '.join(currencies)} at {as_of}; pass ?currency= to "
            "age one of them.",
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
    accounts = await accounts_repository.customer_accounts(session, list(account_ids.values()))
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
    currencies = await accounts_repository.account_currencies(session, account_id)
    if not currencies and account is not None:
        currencies = {account.currency}
    if not currencies:
        raise AccountNotFound(f"No receivables or payments of account {account_id}.")
    if len(currencies) > 1:
        raise CurrencyRequired(
            f"Account {account_id} has money in {', '.join(sorted(currencies))}; pass "
            "?currency= for a statement of one of them.",
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
