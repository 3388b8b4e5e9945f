"""Dunning runs: record the reminders due on a day, then e-mail them, each exactly once as far
as the database can tell (docs/adr/0012-dunning.md).

A run has two steps, each with its own transactions (not the request's: a reminder's fate must
be committed as soon as it is known, whatever happens to the rest of the run):

1. Record: in one transaction, every open overdue invoice due for a reminder (`dunning.py`
   decides which level) gets a `pending` notice, inserted ON CONFLICT (invoice, level) DO
   NOTHING; commit. A second run for the same day finds every level recorded and adds nothing.
2. Send: every notice still `pending`, this run's and any an earlier run left behind (it
   crashed), and every `failed` one with tries left, in its own small transaction: lock it
   (FOR UPDATE SKIP LOCKED, so two concurrent runs never both take it), hand the mail to the
   SMTP server, mark it `sent` (or `failed` with the error), commit.

A crash can resend a reminder only between the SMTP server's acceptance and that commit: there
delivery is at least once. The message keeps the same `Message-ID` on every try.
"""

import asyncio
import logging
import smtplib
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.core import dunning
from payment_svc.dunning import repository
from payment_svc.dunning.mail import Reminder, Sender, compose_reminder
from payment_svc.dunning.mailer import MailServerUnavailable, SmtpMailer, describe_error
from payment_svc.dunning.schemas import DunningNoticePublic, DunningRunPublic
from payment_svc.models import CustomerAccount, DunningNotice, Receivable
from payment_svc.settings import PaymentSettings
from payment_svc.statuses import DunningNoticeStatus, ReceivableStatus
from q2c_shared.db import Database
from q2c_shared.pagination import PageRequest, fetch_page

logger = logging.getLogger(__name__)

RECORD_BATCH_SIZE = 1000
"""Receivables read, and notices inserted, per statement while recording."""

_MAX_ERROR_LENGTH = 2000  # dunning_notices.last_error


async def run_dunning(
    database: Database, settings: PaymentSettings, *, as_of: date
) -> DunningRunPublic:
    """Record the reminders due on `as_of`, then send every reminder waiting to be sent."""
    async with database.transaction() as session:
        recorded = await record_notices_due(session, as_of)
    async with database.transaction() as session:
        notice_ids = await repository.dunning_notice_ids_to_send(
            session, max_attempts=settings.dunning_max_attempts
        )
    handled = await _send_notices(database, settings, notice_ids)
    counts = {status: 0 for status in DunningNoticeStatus}
    for notice in handled:
        counts[notice.status] += 1
    logger.info(
        "dunning run as of %s: %d recorded, %d sent, %d failed, %d cancelled",
        as_of,
        recorded,
        counts[DunningNoticeStatus.SENT],
        counts[DunningNoticeStatus.FAILED],
        counts[DunningNoticeStatus.CANCELLED],
    )
    return DunningRunPublic(
        as_of=as_of,
        recorded=recorded,
        sent=counts[DunningNoticeStatus.SENT],
        failed=counts[DunningNoticeStatus.FAILED],
        skipped=counts[DunningNoticeStatus.CANCELLED],
        notices=handled,
    )


async def record_notices_due(session: AsyncSession, as_of: date) -> int:
    """Step 1: a `pending` notice for each open invoice due for a reminder on `as_of`; how many
    were recorded. Flushes only: the caller's transaction commits."""
    recorded = 0
    after_id: uuid.UUID | None = None
    while True:
        receivables = await repository.overdue_receivables(
            session, due_before=as_of, after_id=after_id, limit=RECORD_BATCH_SIZE
        )
        if not receivables:
            return recorded
        after_id = receivables[-1].id
        levels = await repository.dunning_levels_of(
            session, [receivable.invoice_id for receivable in receivables]
        )
        by_invoice = {receivable.invoice_id: receivable for receivable in receivables}
        due = dunning.notices_due(
            (
                dunning.DunnableInvoice(
                    invoice_id=receivable.invoice_id,
                    due_date=receivable.due_date,
                    balance=receivable.balance,
                    levels_already_sent=levels.get(receivable.invoice_id, frozenset()),
                )
                for receivable in receivables
            ),
            as_of,
        )
        recorded += await repository.insert_dunning_notices(
            session,
            [
                {
                    "receivable_id": receivable.id,
                    "invoice_id": receivable.invoice_id,
                    "account_id": receivable.account_id,
                    "level": notice.level,
                    "as_of": as_of,
                    "days_past_due": notice.days_past_due,
                    "currency": receivable.currency,
                    "amount_due": receivable.balance,
                    "email": receivable.email,
                    "status": DunningNoticeStatus.PENDING,
                }
                for notice in due
                for receivable in (by_invoice[notice.invoice.invoice_id],)
            ],
        )


async def _send_notices(
    database: Database, settings: PaymentSettings, notice_ids: list[uuid.UUID]
) -> list[DunningNoticePublic]:
    """Step 2: each notice in its own transaction; the ones this run handled, as they ended."""
    sender = _sender(settings)
    mailer = SmtpMailer(settings)
    unavailable: str | None = None
    handled = []
    try:
        for notice_id in notice_ids:
            async with database.transaction() as session:
                notice = await repository.claim_dunning_notice(
                    session, notice_id, max_attempts=settings.dunning_max_attempts
                )
                if notice is None:  # sent meanwhile, or another run is sending it
                    continue
                unavailable = await _deliver(session, notice, mailer, sender, unavailable)
                await session.flush()
                handled.append(DunningNoticePublic.model_validate(notice))
    finally:
        await asyncio.to_thread(mailer.close)
    return handled


async def _deliver(
    session: AsyncSession,
    notice: DunningNotice,
    mailer: SmtpMailer,
    sender: Sender,
    unavailable: str | None,
) -> str | None:
    """Send one claimed notice, or say why not, on the notice; the SMTP server's unavailability
    as this run knows it so far."""
    receivable = await session.get(Receivable, notice.receivable_id)
    assert receivable is not None  # a foreign key
    if receivable.status != ReceivableStatus.OPEN:
        _cancel(notice, f"invoice {receivable.invoice_number} was paid before it was sent")
        return unavailable
    highest = await repository.highest_dunning_level(session, notice.invoice_id)
    if highest is not None and highest > notice.level:
        _cancel(notice, f"superseded by the level {highest} reminder")
        return unavailable
    account = await session.get(CustomerAccount, notice.account_id)
    # The address (and the amount) as they are now: an account's e-mail may have arrived, or a
    # part payment may have come in, since the notice was recorded.
    notice.email = account.email if account is not None else None
    notice.amount_due = receivable.balance
    if not notice.email:
        _fail(notice, f"no e-mail address for account {notice.account_id}")
        return unavailable
    if unavailable is not None:
        # Not tried: the server was unreachable a moment ago. The try is not counted.
        _fail(notice, f"not attempted: {unavailable}", attempted=False)
        return unavailable
    sent_at = datetime.now(UTC)
    message = compose_reminder(
        Reminder(
            notice_id=str(notice.id),
            level=notice.level,
            invoice_number=receivable.invoice_number,
            due_date=receivable.due_date,
            days_past_due=notice.days_past_due,
            amount_due=receivable.balance,
            currency=receivable.currency,
            to_address=notice.email,
            customer_name=account.name if account is not None else None,
        ),
        sender,
        sent_at=sent_at,
    )
    try:
        await asyncio.to_thread(mailer.send, message)
    except MailServerUnavailable as error:
        _fail(notice, str(error))
        return str(error)
    except (smtplib.SMTPException, OSError) as error:
        _fail(notice, f"SMTP server refused the reminder: {describe_error(error)}")
        return unavailable
    notice.status = DunningNoticeStatus.SENT
    notice.attempts += 1
    notice.sent_at = sent_at
    notice.last_error = None
    return unavailable


def _cancel(notice: DunningNotice, reason: str) -> None:
    notice.status = DunningNoticeStatus.CANCELLED
    notice.last_error = reason


def _fail(notice: DunningNotice, reason: str, *, attempted: bool = True) -> None:
    notice.status = DunningNoticeStatus.FAILED
    notice.last_error = reason[:_MAX_ERROR_LENGTH]
    if attempted:
        notice.attempts += 1
    logger.warning(
        "dunning notice %s (invoice %s, level %d) not sent: %s",
        notice.id,
        notice.invoice_id,
        notice.level,
        reason,
    )


def _sender(settings: PaymentSettings) -> Sender:
    brand = settings.statement_brand
    if settings.dunning_payment_instructions:
        instructions = tuple(settings.dunning_payment_instructions.strip().splitlines())
    else:
        instructions = tuple(brand.payment_instructions)
    return Sender(
        from_address=settings.smtp_from,
        company_name=brand.legal_name or brand.display_name,
        reply_to=brand.email,
        payment_instructions=instructions,
    )


async def list_dunning_notices(
    session: AsyncSession,
    page: PageRequest,
    *,
    invoice_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    level: int | None,
    status: DunningNoticeStatus | None,
) -> tuple[list[DunningNoticePublic], str | None]:
    statement = select(DunningNotice)
    if invoice_id is not None:
        statement = statement.where(DunningNotice.invoice_id == invoice_id)
    if account_id is not None:
        statement = statement.where(DunningNotice.account_id == account_id)
    if level is not None:
        statement = statement.where(DunningNotice.level == level)
    if status is not None:
        statement = statement.where(DunningNotice.status == status)
    rows, next_cursor = await fetch_page(session, statement, DunningNotice.id, page)
    return [DunningNoticePublic.model_validate(row) for row in rows], next_cursor


def today() -> date:
    """The default `as_of`: today in UTC, as the reports count days."""
    return datetime.now(UTC).date()
