"""Invoices as the API shows them: listed and shown with their lines and bill-to."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bill_to_accounts.repository import bill_to_accounts
from invoice_svc.bill_to_accounts.schemas import BillToPublic
from invoice_svc.errors import InvoiceNotFound
from invoice_svc.invoices import repository
from invoice_svc.invoices.schemas import InvoiceLinePublic, InvoicePublic
from invoice_svc.models import BillToAccount, Invoice
from invoice_svc.statuses import InvoiceStatus
from q2c_shared.pagination import PageRequest


async def list_invoices(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    invoice_run_id: uuid.UUID | None,
    status: InvoiceStatus | None,
) -> tuple[list[InvoicePublic], str | None]:
    invoices, next_cursor = await repository.page_of_invoices(
        session,
        page,
        account_id=account_id,
        order_id=order_id,
        invoice_run_id=invoice_run_id,
        status=status,
    )
    lines = await repository.lines_by_invoice(session, [invoice.id for invoice in invoices])
    bill_tos = await bill_to_accounts(session, list({invoice.account_id for invoice in invoices}))
    items = [
        _invoice_public(invoice.model_dump(), lines[invoice.id], bill_tos.get(invoice.account_id))
        for invoice in invoices
    ]
    return items, next_cursor


async def invoice_public(session: AsyncSession, invoice: Invoice) -> InvoicePublic:
    lines = await repository.lines_by_invoice(session, [invoice.id])
    bill_tos = await bill_to_accounts(session, [invoice.account_id])
    return _invoice_public(
        invoice.model_dump(), lines[invoice.id], bill_tos.get(invoice.account_id)
    )


def _invoice_public(
    invoice: dict[str, Any], lines: Sequence[Any], bill_to: BillToAccount | None = None
) -> InvoicePublic:
    return InvoicePublic.model_validate(
        {
            **invoice,
            "lines": [InvoiceLinePublic.model_validate(line) for line in lines],
            "bill_to": BillToPublic.model_validate(bill_to) if bill_to is not None else None,
        }
    )


async def get_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice:
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    return invoice
