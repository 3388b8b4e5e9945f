"""Quotes: drafts of any type, and their lines while they are drafts.

A quote is new business, an amendment of a running contract or its renewal; the two last are
`contract_quotes`' to build. Functions flush, never commit: the request's unit of work commits
(q2c_shared.db).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.billing.periods import term_end_date
from q2c_shared.bounds import check_business_date
from q2c_shared.pagination import PageRequest
from quote_svc.accounts.service import existing_account
from quote_svc.catalog.service import existing_price_book
from quote_svc.contract_quotes import service as contract_quotes
from quote_svc.contract_quotes.schemas import AmendmentQuoteCreate, RenewalQuoteCreate
from quote_svc.errors import CurrencyMismatch, QuoteLineNotFound, QuoteNotDraft, QuoteNotFound
from quote_svc.models import Quote, QuoteLine
from quote_svc.quotes import lines, repository
from quote_svc.quotes.schemas import (
    QuoteCreate,
    QuoteLineCreate,
    QuoteLinePublic,
    QuoteLineUpdate,
    QuotePublic,
)
from quote_svc.settings import QuoteSettings
from quote_svc.statuses import QuoteStatus, QuoteType


async def quote_public(session: AsyncSession, quote: Quote) -> QuotePublic:
    quote_lines = await repository.lines(session, quote.id)
    return QuotePublic.model_validate(
        {
            **quote.model_dump(),
            "lines": [QuoteLinePublic.model_validate(line) for line in quote_lines],
        }
    )


async def get_quote(session: AsyncSession, quote_id: uuid.UUID) -> Quote:
    quote = await repository.get(session, quote_id)
    if quote is None:
        raise QuoteNotFound(f"No quote with id {quote_id}.")
    return quote


async def locked_quote(session: AsyncSession, quote_id: uuid.UUID) -> Quote:
    """The quote, locked for a status change or a line edit (one writer at a time)."""
    quote = await repository.get(session, quote_id, for_update=True)
    if quote is None:
        raise QuoteNotFound(f"No quote with id {quote_id}.")
    return quote


async def draft_quote(session: AsyncSession, quote_id: uuid.UUID, *, action: str = "edit") -> Quote:
    """The quote, locked, once it is known to be a draft (the only state lines change in)."""
    quote = await locked_quote(session, quote_id)
    if quote.status != QuoteStatus.DRAFT:
        raise QuoteNotDraft(
            f"Quote {quote.number} is {quote.status}; only a draft quote can be {action}ed."
        )
    return quote


async def list_quotes(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    status: QuoteStatus | None,
) -> tuple[list[Quote], str | None]:
    return await repository.page(session, page, account_id=account_id, status=status)


async def create_quote(
    session: AsyncSession,
    body: QuoteCreate | AmendmentQuoteCreate | RenewalQuoteCreate,
    settings: QuoteSettings,
) -> Quote:
    """A draft quote of any type; amendments and renewals read their contract from order-svc."""
    if isinstance(body, AmendmentQuoteCreate):
        return await contract_quotes.create_amendment_quote(session, body, settings)
    if isinstance(body, RenewalQuoteCreate):
        return await contract_quotes.create_renewal_quote(session, body, settings)
    return await _create_new_quote(session, body)


async def _create_new_quote(session: AsyncSession, body: QuoteCreate) -> Quote:
    account = await existing_account(session, body.account_id, role="account")
    price_book = await existing_price_book(session, body.price_book_id)
    if price_book.currency != account.currency:
        raise CurrencyMismatch(
            f"Price book {price_book.name!r} is in {price_book.currency} but the account pays "
            f"in {account.currency}; pick a {account.currency} price book."
        )
    if body.billing_account_id is not None:
        await existing_account(session, body.billing_account_id, role="billing account")
    end_date = term_end_date(body.start_date, body.term_months)
    check_business_date(end_date, field="end_date")
    lines.check_discounts(body.lines, price_book.currency, path="lines")
    quote = Quote(
        number=await repository.next_quote_number(session),
        type=QuoteType.NEW,
        status=QuoteStatus.DRAFT,
        account_id=account.id,
        price_book_id=price_book.id,
        currency=price_book.currency,
        start_date=body.start_date,
        term_months=body.term_months,
        end_date=end_date,
        billing_day_of_month=body.billing_day_of_month,
        payment_term=body.payment_term or account.payment_term,
        billing_account_id=body.billing_account_id,
        po_number=body.po_number,
        legal_entity=body.legal_entity or account.legal_entity,
        expires_on=body.expires_on,
        **lines.zero_totals(price_book.currency),
    )
    session.add(quote)
    await session.flush()
    await lines.add_lines(session, quote, body.lines)
    await lines.recalculate(session, quote)
    return quote


async def add_line(session: AsyncSession, quote_id: uuid.UUID, body: QuoteLineCreate) -> Quote:
    quote = await draft_quote(session, quote_id)
    lines.check_discounts([body], quote.currency, path=None)
    await lines.add_lines(session, quote, [body])
    await lines.recalculate(session, quote)
    return quote


async def update_line(
    session: AsyncSession, quote_id: uuid.UUID, line_id: uuid.UUID, body: QuoteLineUpdate
) -> Quote:
    quote = await draft_quote(session, quote_id)
    line = await _line_of(session, quote, line_id)
    lines.check_discounts([body], quote.currency, path=None)
    changes = body.model_dump(exclude_unset=True)
    if line.subscription_id is not None:
        contract_quotes.change_subscription_line(quote, line, changes)
    if changes.get("discount_percent") is not None:
        line.discount_amount = None
    if changes.get("discount_amount") is not None:
        line.discount_percent = None
    for field, value in changes.items():
        setattr(line, field, value)
    if line.billing_account_id is not None:
        await existing_account(session, line.billing_account_id, role="billing account")
    await lines.price(session, quote, line)
    await lines.recalculate(session, quote)
    return quote


async def remove_line(session: AsyncSession, quote_id: uuid.UUID, line_id: uuid.UUID) -> Quote:
    quote = await draft_quote(session, quote_id)
    await session.delete(await _line_of(session, quote, line_id))
    await session.flush()
    await lines.recalculate(session, quote)
    return quote


async def _line_of(session: AsyncSession, quote: Quote, line_id: uuid.UUID) -> QuoteLine:
    line = await repository.line(session, line_id)
    if line is None or line.quote_id != quote.id:
        raise QuoteLineNotFound(f"Quote {quote.number} has no line {line_id}.")
    return line
