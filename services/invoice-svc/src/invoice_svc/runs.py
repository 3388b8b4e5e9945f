"""The invoice-run job: workers claim queued runs and bill them in set-based batches.

A run moves `queued` -> `running` -> `completed` | `failed`. Workers claim runs with
`FOR UPDATE SKIP LOCKED`, so any number of processes can run workers. A run bills whole bill-to
accounts per batch, one transaction each: it locks the accounts' pending periods due by the
target date (`FOR UPDATE OF billing_periods SKIP LOCKED`), splits them into invoices with
`grouping.group_charges`, bulk-inserts invoices and lines, marks the periods invoiced, posts
the invoices when asked, and counts its progress on the run row. A period is never billed twice:
row locks keep two runs apart, and the UNIQUE constraint on `invoice_lines.billing_period_id`
stops whatever might slip past them. (Two runs at once may each take part of one account's
periods, giving it two invoices where one would do; never one period twice.)

A failed run keeps the batches it committed; a new run bills only what is still pending. A
stopping process puts its runs back in the queue between batches. A run left `running` by a
process that died stays so (requeueing stale runs is a later issue); another run with the same
target date bills what it left.
"""

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc import repository, service
from invoice_svc.drafting import DuePeriod, InvoiceDraft, draft_invoices, payment_status
from invoice_svc.grouping import BillableCharge, group_charges
from invoice_svc.models import InvoiceRun
from invoice_svc.schemas import InvoiceRunStatus, InvoiceStatus
from invoice_svc.settings import InvoiceSettings
from q2c_shared.app import ServiceRuntime
from q2c_shared.db import Database
from q2c_shared.ids import new_id
from q2c_shared.money import zero

logger = logging.getLogger(__name__)


async def invoice_run_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """`ServiceSpec.workers` entry: run `invoice_run_concurrency` claim loops until `stop`."""
    settings = cast(InvoiceSettings, runtime.settings)
    await asyncio.gather(
        *(
            _claim_loop(runtime.database, settings, stop)
            for _ in range(settings.invoice_run_concurrency)
        )
    )


async def _claim_loop(database: Database, settings: InvoiceSettings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        run_id = None
        try:
            run_id = await claim_next_run(database)
            if run_id is not None:
                await execute_run(
                    database, run_id, batch_accounts=settings.invoice_run_batch_accounts, stop=stop
                )
        except Exception:
            logger.exception("invoice-run worker hit an error; carrying on")
        if run_id is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), timeout=settings.invoice_run_poll_interval_seconds
                )


async def claim_next_run(database: Database) -> uuid.UUID | None:
    """Take the oldest queued run and mark it running; None when nothing is queued."""
    async with database.transaction() as session:
        run = await repository.claim_queued_run(session)
        if run is None:
            return None
        run.status = InvoiceRunStatus.RUNNING
        run.started_at = datetime.now(UTC)
        await session.flush()
        return run.id


async def execute_run(
    database: Database, run_id: uuid.UUID, *, batch_accounts: int, stop: asyncio.Event | None = None
) -> None:
    """Bill a claimed run batch by batch, then record it completed, or failed with the error.

    When the process is stopping, the run goes back to `queued` between two batches, and the
    next worker to claim it bills what is still pending."""
    async with database.transaction() as session:
        run = await session.get(InvoiceRun, run_id)
        if run is None:
            raise LookupError(f"invoice run {run_id} does not exist")
    logger.info("invoice run %s: billing periods due by %s", run.id, run.target_date)
    try:
        after_account: uuid.UUID | None = None
        while True:
            if stop is not None and stop.is_set():
                async with database.transaction() as session:
                    await repository.requeue_run(session, run.id)
                logger.info("invoice run %s requeued: the process is stopping", run.id)
                return
            async with database.transaction() as session:
                accounts = await repository.due_bill_to_accounts(
                    session,
                    target_date=run.target_date,
                    account_ids=run.account_ids,
                    after=after_account,
                    limit=batch_accounts,
                )
                if not accounts:
                    break
                await bill_accounts(session, run, accounts)
            after_account = accounts[-1]
    except Exception as error:
        logger.exception("invoice run %s failed", run.id)
        async with database.transaction() as session:
            await repository.finish_run(
                session,
                run.id,
                status=InvoiceRunStatus.FAILED,
                error=f"{type(error).__name__}: {error}"[:2000],
            )
        return
    async with database.transaction() as session:
        await repository.finish_run(session, run.id, status=InvoiceRunStatus.COMPLETED)
    logger.info("invoice run %s completed", run.id)


async def bill_accounts(
    session: AsyncSession, run: InvoiceRun, bill_to_account_ids: list[uuid.UUID]
) -> None:
    """One batch: these accounts' due periods become draft (or posted) invoices."""
    due = await repository.lock_due_periods(
        session, target_date=run.target_date, bill_to_account_ids=bill_to_account_ids
    )
    drafts = draft_invoices(
        group_charges(_charge(row) for row in due), invoice_date=run.invoice_date
    )
    invoices, lines = _rows(drafts, run.id)
    await repository.insert_invoices(session, invoices, lines)
    # Drafts totalling below zero (amendment credits) are not posted: see post_invoices.
    posted = await service.post_invoices(session, [i["id"] for i in invoices]) if run.post else []
    await repository.count_run_progress(
        session, run.id, invoices=len(invoices), lines=len(lines), posted=len(posted)
    )


def _charge(row: Row[Any]) -> BillableCharge:
    return BillableCharge(
        order_id=str(row.order_id),
        order_product_id=str(row.order_product_id),
        account_id=str(row.account_id),
        currency=row.currency,
        payment_term=row.payment_term,
        order_billing_account_id=_str_or_none(row.order_billing_account_id),
        product_billing_account_id=_str_or_none(row.product_billing_account_id),
        invoice_grouping=row.invoice_grouping,
        contract_number=row.contract_number,
        po_number=row.po_number,
        legal_entity=row.legal_entity,
        invoice_group_id=row.invoice_group_id,
        ref=DuePeriod(
            billing_period_id=row.billing_period_id,
            billing_schedule_id=row.billing_schedule_id,
            order_id=row.order_id,
            order_product_id=row.order_product_id,
            product_id=row.product_id,
            description=row.description,
            period_start=row.period_start,
            period_end=row.period_end,
            quantity=row.quantity,
            amount=row.amount,
        ),
    )


def _rows(
    drafts: list[InvoiceDraft], run_id: uuid.UUID
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Invoice and line rows for one bulk insert each (ids made here, so lines can point at
    their invoice without a round trip)."""
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for draft in drafts:
        invoice_id = new_id()
        invoices.append(
            {
                "id": invoice_id,
                "number": None,
                "status": InvoiceStatus.DRAFT,
                "account_id": uuid.UUID(draft.key.bill_to_account_id),
                "legal_entity": draft.legal_entity,
                "currency": draft.key.currency,
                "payment_term": draft.key.payment_term,
                "invoice_date": draft.invoice_date,
                "due_date": draft.due_date,
                "subtotal": draft.subtotal,
                "tax_total": draft.tax_total,
                "total": draft.total,
                "amount_paid": zero(draft.key.currency),
                "balance": draft.total,
                "payment_status": payment_status(draft.total, zero(draft.key.currency)),
                "grouping": draft.key.explain(),
                "invoice_run_id": run_id,
                "posted_at": None,
            }
        )
        lines += [
            {
                "id": new_id(),
                "invoice_id": invoice_id,
                "position": position,
                "billing_period_id": line.period.billing_period_id,
                "billing_schedule_id": line.period.billing_schedule_id,
                "order_id": line.period.order_id,
                "order_product_id": line.period.order_product_id,
                "product_id": line.period.product_id,
                "description": line.period.description,
                "period_start": line.period.period_start,
                "period_end": line.period.period_end,
                "quantity": line.period.quantity,
                "amount": line.period.amount,
                "tax_amount": line.tax_amount,
            }
            for position, line in enumerate(draft.lines, start=1)
        ]
    return invoices, lines


def _str_or_none(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
