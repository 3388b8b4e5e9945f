"""A quote's way from draft to accepted: submit, review (approve or reject), accept, and the
`QuoteAccepted` that hands it to order-svc.

Functions flush, never commit: the request's unit of work commits (q2c_shared.db).
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.outbox import enqueue
from quote_svc import events
from quote_svc.accounts.service import get_account
from quote_svc.core.approval import LineDiscount, submitted
from quote_svc.errors import QuoteEmpty, QuoteExpired, QuoteNotApproved, QuoteNotInReview
from quote_svc.models import Quote
from quote_svc.quotes import lines, repository
from quote_svc.quotes.service import draft_quote, locked_quote
from quote_svc.settings import QuoteSettings
from quote_svc.statuses import QuoteStatus

_NOT_APPROVED_HINTS = {
    QuoteStatus.DRAFT: "submit it first",
    QuoteStatus.IN_REVIEW: "it awaits approval",
    QuoteStatus.REJECTED: "it was rejected",
    QuoteStatus.ACCEPTED: "it was already accepted",
}


async def submit(session: AsyncSession, quote_id: uuid.UUID, settings: QuoteSettings) -> Quote:
    quote = await draft_quote(session, quote_id, action="submit")
    quote_lines = await repository.lines(session, quote.id)
    if not quote_lines:
        raise QuoteEmpty(f"Quote {quote.number} has no lines; add at least one before submitting.")
    percents = await lines.discount_percents(session, quote, quote_lines)
    outcome = submitted(
        [
            LineDiscount(position=line.position, sku=line.sku, percent=percent)
            for line, percent in zip(quote_lines, percents, strict=True)
        ],
        settings.approval_discount_threshold_percent,
    )
    quote.status = outcome.status
    quote.status_reason = outcome.reason
    await session.flush()
    return quote


async def review(
    session: AsyncSession, quote_id: uuid.UUID, *, approve: bool, reason: str | None
) -> Quote:
    quote = await locked_quote(session, quote_id)
    action = "approve" if approve else "reject"
    if quote.status != QuoteStatus.IN_REVIEW:
        raise QuoteNotInReview(
            f"Quote {quote.number} is {quote.status}; only a quote in review can be {action}d."
        )
    quote.status = QuoteStatus.APPROVED if approve else QuoteStatus.REJECTED
    quote.status_reason = reason
    await session.flush()
    return quote


async def accept(session: AsyncSession, quote_id: uuid.UUID, *, today: date) -> Quote:
    """Accept an approved quote and emit `QuoteAccepted`, built from the rows (events.py)."""
    quote = await locked_quote(session, quote_id)
    if quote.status != QuoteStatus.APPROVED:
        hint = _NOT_APPROVED_HINTS.get(QuoteStatus(quote.status), "")
        raise QuoteNotApproved(f"Quote {quote.number} is {quote.status}, not approved: {hint}.")
    if quote.expires_on is not None and today > quote.expires_on:
        raise QuoteExpired(
            f"Quote {quote.number} expired on {quote.expires_on}; create a new quote."
        )
    quote.status = QuoteStatus.ACCEPTED
    quote.accepted_at = datetime.now(UTC)
    await session.flush()
    account = await get_account(session, quote.account_id)
    await enqueue(
        session,
        events.quote_accepted(quote, await repository.lines(session, quote.id), account),
        key=str(quote.account_id),
        subject=str(quote.id),
    )
    return quote
