"""Invoice runs as the API sees them: queued, listed."""

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.core.invoice_dates import InvoiceDateRefused, check_run_dates
from invoice_svc.errors import run_date_refused
from invoice_svc.models import InvoiceRun
from invoice_svc.runs import repository
from invoice_svc.runs.schemas import InvoiceRunCreate
from invoice_svc.statuses import InvoiceRunStatus
from q2c_shared.pagination import PageRequest


async def create_invoice_run(session: AsyncSession, body: InvoiceRunCreate) -> InvoiceRun:
    """Queue a run; a worker (runs/worker.py) picks it up once this transaction commits. An
    invoice date that breaks docs/adr/0022's rules: 422, nothing queued."""
    try:
        invoice_date = check_run_dates(target_date=body.target_date, invoice_date=body.invoice_date)
    except InvoiceDateRefused as refused:
        raise run_date_refused(refused) from None
    run = InvoiceRun(
        status=InvoiceRunStatus.QUEUED,
        target_date=body.target_date,
        invoice_date=invoice_date,
        account_ids=sorted(set(body.account_ids)) if body.account_ids is not None else None,
        post=body.post,
    )
    session.add(run)
    await session.flush()
    await session.refresh(run)
    return run


async def list_invoice_runs(
    session: AsyncSession, page: PageRequest, *, status: InvoiceRunStatus | None
) -> tuple[list[InvoiceRun], str | None]:
    return await repository.page_of_runs(session, page, status=status)
