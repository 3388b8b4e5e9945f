"""The quote document route: a quote as the customer signs it, as a PDF."""

import asyncio
import uuid

from fastapi import APIRouter, Response

from q2c_shared.db import SessionDep
from quote_svc.accounts.schemas import AccountPublic
from quote_svc.accounts.service import get_account
from quote_svc.documents.render import render_quote_pdf
from quote_svc.errors import QuoteNotFound, problem_responses
from quote_svc.quotes import repository
from quote_svc.quotes.service import get_quote, quote_public
from quote_svc.settings import SettingsDep

router = APIRouter(prefix="/quotes", tags=["quotes"])


@router.get(
    "/{quote_id}/pdf",
    summary="Get a quote as a signable PDF document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problem_responses(QuoteNotFound)},
)
async def get_quote_pdf(
    quote_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> Response:
    """The quote as the customer signs it: lines, totals, first invoices, terms, signature."""
    quote = await quote_public(session, await get_quote(session, quote_id))
    account = AccountPublic.model_validate(await get_account(session, quote.account_id))
    subscription_starts = {
        line.id: line.subscription_start_date
        for line in await repository.lines(session, quote.id)
        if line.subscription_start_date is not None
    }
    # Laying out a PDF is CPU work: keep it off the event loop.
    content = await asyncio.to_thread(
        render_quote_pdf,
        quote=quote,
        account=account,
        settings=settings,
        subscription_starts=subscription_starts,
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{quote.number}.pdf"'},
    )
