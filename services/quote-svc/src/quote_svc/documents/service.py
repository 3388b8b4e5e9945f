"""The quote document, put together: the quote and its account from the database, its first
invoices from invoice-svc, laid out as a PDF."""

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from quote_svc.accounts import repository as accounts
from quote_svc.accounts.schemas import AccountPublic
from quote_svc.accounts.service import get_account
from quote_svc.documents import first_invoices
from quote_svc.documents.invoice_client import preview_invoices
from quote_svc.documents.render import render_quote_pdf
from quote_svc.quotes import repository
from quote_svc.quotes.service import get_quote, quote_public
from quote_svc.settings import QuoteSettings


@dataclass(frozen=True)
class QuoteDocument:
    number: str
    pdf: bytes


async def quote_document(
    session: AsyncSession, settings: QuoteSettings, quote_id: uuid.UUID
) -> QuoteDocument:
    """The quote as a PDF, its first invoices (and credit notes) drafted by invoice-svc.
    Unknown quote: 404; invoice-svc away: 503, nothing rendered."""
    row = await get_quote(session, quote_id)
    lines = await repository.lines(session, row.id)
    quote = await quote_public(session, row)
    account = AccountPublic.model_validate(await get_account(session, quote.account_id))
    previews = await preview_invoices(
        settings,
        [
            first_invoices.preview_request(row, lines, billing_date)
            for billing_date in first_invoices.billing_dates(row, lines)
        ],
    )
    documents = first_invoices.documents_of_each_date(previews, payment_term=row.payment_term)
    # Another payer (the quote's or a line's billing account) is named on the invoices it pays.
    bill_to_names = {}
    for bill_to_id in {document.account_id for document in documents} - {account.id}:
        bill_to = await accounts.get(session, bill_to_id)
        if bill_to is not None:
            bill_to_names[bill_to_id] = bill_to.name
    # Laying out a PDF is CPU work: keep it off the event loop.
    pdf = await asyncio.to_thread(
        render_quote_pdf,
        quote=quote,
        account=account,
        settings=settings,
        first_invoices=documents,
        bill_to_names=bill_to_names,
    )
    return QuoteDocument(number=quote.number, pdf=pdf)
