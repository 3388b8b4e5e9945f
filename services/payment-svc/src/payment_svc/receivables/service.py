"""Receivables: one per posted invoice (`InvoicePosted`), paid at once from the account's
credit.

Functions flush, never commit: the request's or the consumed message's unit of work commits
(q2c_shared.db).
"""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.core.allocation import Allocation, credit_draws
from payment_svc.locks import lock_accounts
from payment_svc.models import Receivable
from payment_svc.payments import repository as payments_repository
from payment_svc.payments.recording import CreditApplication, apply_payments
from payment_svc.receivables import repository
from payment_svc.statuses import ReceivableStatus
from q2c_shared.events import contracts
from q2c_shared.money import round_money, zero
from q2c_shared.pagination import PageRequest, fetch_page


async def receivable_from_invoice(
    session: AsyncSession, posted: contracts.InvoicePosted, *, posted_on: date
) -> Receivable | None:
    """Open the receivable of a posted invoice; None when the invoice already has one.

    Keyed on the invoice id (UNIQUE, inserted ON CONFLICT DO NOTHING): the same invoice
    delivered again, under the same or a new event id, changes nothing. The account's credit
    (unallocated money of earlier payments in the invoice's currency) pays the new invoice at
    once, oldest payment first, with the same events a payment emits; `posted_on` is then the
    date it was paid on. An invoice posted with nothing to pay is recorded as paid, without
    events: nothing was paid.
    """
    invoice = posted.invoice
    currency = invoice.currency
    total, balance = round_money(invoice.total, currency), round_money(invoice.balance, currency)
    if total < 0 or balance < 0:
        # A credit invoice is not a receivable; raising dead-letters the event for a person to
        # look at, rather than inventing a negative debt.
        raise ValueError(
            f"invoice {invoice.number} has a negative total or balance "
            f"({total}, {balance}); credit invoices are not receivables"
        )
    account_id = uuid.UUID(invoice.account_id)
    await lock_accounts(session, [account_id])
    settled = balance == 0
    receivable = await repository.insert_receivable(
        session,
        {
            "invoice_id": uuid.UUID(invoice.id),
            "invoice_number": invoice.number,
            "account_id": account_id,
            "currency": currency,
            "invoice_date": invoice.invoice_date,
            "due_date": invoice.due_date,
            # Kept for the journal export, which credits revenue and tax apart.
            "subtotal": round_money(invoice.subtotal, currency),
            "tax_total": round_money(invoice.tax_total, currency),
            "total": total,
            "amount_paid": zero(currency),
            "credited": zero(currency),
            "balance": balance,
            "status": ReceivableStatus.PAID if settled else ReceivableStatus.OPEN,
            "paid_on": invoice.invoice_date if settled else None,
        },
    )
    if receivable is None or settled:
        return receivable
    credits = await payments_repository.lock_credits(session, account_id, currency)
    draws = credit_draws(receivable.balance, credits)
    if draws:
        invoice_key = str(receivable.invoice_id)
        await apply_payments(
            session,
            [
                CreditApplication(
                    payment_id=credit.payment_id,
                    account_id=account_id,
                    currency=currency,
                    allocations=[Allocation(invoice_id=invoice_key, amount=amount)],
                    applied_on=posted_on,
                )
                for credit, amount in draws
            ],
        )
        await session.refresh(receivable)
    return receivable


async def list_receivables(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
    status: ReceivableStatus | None,
) -> tuple[list[Receivable], str | None]:
    statement = select(Receivable)
    if account_id is not None:
        statement = statement.where(Receivable.account_id == account_id)
    if invoice_id is not None:
        statement = statement.where(Receivable.invoice_id == invoice_id)
    if status is not None:
        statement = statement.where(Receivable.status == status)
    return await fetch_page(session, statement, Receivable.id, page)
