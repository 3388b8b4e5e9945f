"""quote-svc use cases: accounts, catalog, and the quote lifecycle up to `QuoteAccepted`.

Functions flush, never commit: the request's unit of work commits (q2c_shared.db).
"""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import term_end_date
from q2c_shared.db import get_or_404
from q2c_shared.events import contracts
from q2c_shared.outbox import enqueue
from q2c_shared.pagination import PageRequest, fetch_page
from q2c_shared.problems import Conflict, NotFound, Unprocessable
from quote_svc import repository
from quote_svc.models import Account, PriceBook, PriceBookEntry, Product, Quote, QuoteLine
from quote_svc.pricing import (
    PriceTier,
    PricingModel,
    effective_discount_percent,
    line_net_total,
    price_line,
    quote_totals,
)
from quote_svc.schemas import (
    AccountCreate,
    AccountPublic,
    AccountUpdate,
    PriceBookCreate,
    PriceBookEntryCreate,
    ProductCreate,
    QuoteCreate,
    QuoteLineCreate,
    QuoteLinePublic,
    QuoteLineUpdate,
    QuotePublic,
    QuoteStatus,
)
from quote_svc.settings import QuoteSettings

# --- accounts -------------------------------------------------------------------------------


def account_snapshot(account: Account) -> contracts.AccountSnapshot:
    return contracts.AccountSnapshot.model_validate(
        AccountPublic.model_validate(account).model_dump() | {"id": str(account.id)}
    )


async def create_account(session: AsyncSession, body: AccountCreate) -> Account:
    account = Account.model_validate(body.model_dump(mode="json"))
    session.add(account)
    await session.flush()
    await session.refresh(account)
    await enqueue(
        session,
        contracts.AccountCreated(account=account_snapshot(account)),
        key=str(account.id),
        subject=str(account.id),
    )
    return account


async def update_account(
    session: AsyncSession, account_id: uuid.UUID, body: AccountUpdate
) -> Account:
    account = await get_or_404(session, Account, account_id, label="account", for_update=True)
    for field, value in body.model_dump(mode="json", exclude_unset=True).items():
        setattr(account, field, value)
    account.updated_at = datetime.now(UTC)
    await session.flush()
    await enqueue(
        session,
        contracts.AccountUpdated(account=account_snapshot(account)),
        key=str(account.id),
        subject=str(account.id),
    )
    return account


async def list_accounts(
    session: AsyncSession, page: PageRequest
) -> tuple[list[Account], str | None]:
    return await fetch_page(session, select(Account), Account.id, page)


async def list_quotes(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    status: QuoteStatus | None,
) -> tuple[list[Quote], str | None]:
    statement = select(Quote)
    if account_id is not None:
        statement = statement.where(Quote.account_id == account_id)
    if status is not None:
        statement = statement.where(Quote.status == status)
    return await fetch_page(session, statement, Quote.id, page)


async def list_products(
    session: AsyncSession, page: PageRequest
) -> tuple[list[Product], str | None]:
    return await fetch_page(session, select(Product), Product.id, page)


# --- catalog --------------------------------------------------------------------------------


async def create_product(session: AsyncSession, body: ProductCreate) -> Product:
    product = Product.model_validate(body.model_dump(mode="json"))
    try:
        async with session.begin_nested():
            session.add(product)
    except IntegrityError:
        raise Conflict(
            f"A product with sku {body.sku!r} already exists.", code="sku_taken"
        ) from None
    await session.refresh(product)
    return product


async def create_price_book(session: AsyncSession, body: PriceBookCreate) -> PriceBook:
    price_book = PriceBook.model_validate(body.model_dump(mode="json"))
    session.add(price_book)
    await session.flush()
    await session.refresh(price_book)
    return price_book


async def add_price_book_entry(
    session: AsyncSession, price_book_id: uuid.UUID, body: PriceBookEntryCreate
) -> PriceBookEntry:
    await get_or_404(session, PriceBook, price_book_id, label="price book")
    product = await session.get(Product, body.product_id)
    if product is None:
        raise Unprocessable(f"Product {body.product_id} does not exist.", code="unknown_product")
    entry = PriceBookEntry.model_validate(
        body.model_dump(mode="json") | {"price_book_id": price_book_id}
    )
    entry.unit_price = body.unit_price
    try:
        async with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        raise Conflict(
            f"Product {product.sku} already has a price in this price book.", code="entry_exists"
        ) from None
    await session.refresh(entry)
    return entry


# --- quotes ---------------------------------------------------------------------------------


async def quote_public(session: AsyncSession, quote: Quote) -> QuotePublic:
    lines = await repository.quote_lines(session, quote.id)
    return QuotePublic.model_validate(
        {**quote.model_dump(), "lines": [QuoteLinePublic.model_validate(line) for line in lines]}
    )


async def create_quote(session: AsyncSession, body: QuoteCreate) -> Quote:
    account = await repository.existing_account(session, body.account_id, role="account")
    price_book = await session.get(PriceBook, body.price_book_id)
    if price_book is None:
        raise Unprocessable(
            f"Price book {body.price_book_id} does not exist.", code="unknown_price_book"
        )
    if price_book.currency != account.currency:
        raise Unprocessable(
            f"Price book {price_book.name!r} is in {price_book.currency} but the account pays "
            f"in {account.currency}; pick a {account.currency} price book.",
            code="currency_mismatch",
        )
    if body.billing_account_id is not None:
        await repository.existing_account(session, body.billing_account_id, role="billing account")
    quote = Quote(
        number=await repository.next_quote_number(session),
        type="new",
        status=QuoteStatus.DRAFT,
        account_id=account.id,
        price_book_id=price_book.id,
        currency=price_book.currency,
        start_date=body.start_date,
        term_months=body.term_months,
        end_date=term_end_date(body.start_date, body.term_months),
        billing_day_of_month=body.billing_day_of_month,
        payment_term=body.payment_term or account.payment_term,
        billing_account_id=body.billing_account_id,
        po_number=body.po_number,
        legal_entity=body.legal_entity or account.legal_entity,
        expires_on=body.expires_on,
    )
    session.add(quote)
    await session.flush()
    for line in body.lines:
        await _add_line(session, quote, line)
    await _recalculate(session, quote)
    return quote


async def add_line(session: AsyncSession, quote_id: uuid.UUID, body: QuoteLineCreate) -> Quote:
    quote = await _draft_quote(session, quote_id)
    await _add_line(session, quote, body)
    await _recalculate(session, quote)
    return quote


async def update_line(
    session: AsyncSession, quote_id: uuid.UUID, line_id: uuid.UUID, body: QuoteLineUpdate
) -> Quote:
    quote = await _draft_quote(session, quote_id)
    line = await _line_of(session, quote, line_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("discount_percent") is not None:
        line.discount_amount = None
    if changes.get("discount_amount") is not None:
        line.discount_percent = None
    for field, value in changes.items():
        setattr(line, field, value)
    if line.billing_account_id is not None:
        await repository.existing_account(session, line.billing_account_id, role="billing account")
    await _price(session, quote, line)
    await _recalculate(session, quote)
    return quote


async def remove_line(session: AsyncSession, quote_id: uuid.UUID, line_id: uuid.UUID) -> Quote:
    quote = await _draft_quote(session, quote_id)
    await session.delete(await _line_of(session, quote, line_id))
    await session.flush()
    await _recalculate(session, quote)
    return quote


async def submit(session: AsyncSession, quote_id: uuid.UUID, settings: QuoteSettings) -> Quote:
    quote = await _draft_quote(session, quote_id, action="submit")
    lines = await repository.quote_lines(session, quote.id)
    if not lines:
        raise Conflict(
            f"Quote {quote.number} has no lines; add at least one before submitting.",
            code="quote_empty",
        )
    threshold = settings.approval_discount_threshold_percent
    discounts = [(line, await _discount_percent_of(session, quote, line)) for line in lines]
    over = [(line, percent) for line, percent in discounts if percent > threshold]
    if over:
        quote.status = QuoteStatus.IN_REVIEW
        quote.status_reason = "; ".join(
            f"line {line.position} ({line.sku}) discount {percent:.2f}% exceeds {threshold}%"
            for line, percent in over
        )
    else:
        quote.status = QuoteStatus.APPROVED
        quote.status_reason = None
    await session.flush()
    return quote


async def review(
    session: AsyncSession, quote_id: uuid.UUID, *, approve: bool, reason: str | None
) -> Quote:
    quote = await repository.lock_quote(session, quote_id)
    action = "approve" if approve else "reject"
    if quote.status != QuoteStatus.IN_REVIEW:
        raise Conflict(
            f"Quote {quote.number} is {quote.status}; only a quote in review can be {action}d.",
            code="quote_not_in_review",
        )
    quote.status = QuoteStatus.APPROVED if approve else QuoteStatus.REJECTED
    quote.status_reason = reason
    await session.flush()
    return quote


async def accept(session: AsyncSession, quote_id: uuid.UUID, *, today: date) -> Quote:
    quote = await repository.lock_quote(session, quote_id)
    if quote.status != QuoteStatus.APPROVED:
        hint = {
            QuoteStatus.DRAFT: "submit it first",
            QuoteStatus.IN_REVIEW: "it awaits approval",
            QuoteStatus.REJECTED: "it was rejected",
            QuoteStatus.ACCEPTED: "it was already accepted",
        }.get(QuoteStatus(quote.status), "")
        raise Conflict(
            f"Quote {quote.number} is {quote.status}, not approved: {hint}.",
            code="quote_not_approved",
        )
    if quote.expires_on is not None and today > quote.expires_on:
        raise Conflict(
            f"Quote {quote.number} expired on {quote.expires_on}; create a new quote.",
            code="quote_expired",
        )
    quote.status = QuoteStatus.ACCEPTED
    quote.accepted_at = datetime.now(UTC)
    await session.flush()
    account = await get_or_404(session, Account, quote.account_id, label="account")
    public = await quote_public(session, quote)
    snapshot = contracts.QuoteSnapshot.model_validate(public.model_dump(mode="json"))
    await enqueue(
        session,
        contracts.QuoteAccepted(quote=snapshot, account=account_snapshot(account)),
        key=str(quote.account_id),
        subject=str(quote.id),
    )
    return quote


# --- internals ------------------------------------------------------------------------------


async def _draft_quote(
    session: AsyncSession, quote_id: uuid.UUID, *, action: str = "edit"
) -> Quote:
    quote = await repository.lock_quote(session, quote_id)
    if quote.status != QuoteStatus.DRAFT:
        raise Conflict(
            f"Quote {quote.number} is {quote.status}; only a draft quote can be {action}ed.",
            code="quote_not_draft",
        )
    return quote


async def _line_of(session: AsyncSession, quote: Quote, line_id: uuid.UUID) -> QuoteLine:
    line = await session.get(QuoteLine, line_id)
    if line is None or line.quote_id != quote.id:
        raise NotFound(f"Quote {quote.number} has no line {line_id}.", code="quote_line_not_found")
    return line


async def _add_line(session: AsyncSession, quote: Quote, body: QuoteLineCreate) -> QuoteLine:
    product = await session.get(Product, body.product_id)
    if product is None:
        raise Unprocessable(f"Product {body.product_id} does not exist.", code="unknown_product")
    if body.billing_account_id is not None:
        await repository.existing_account(session, body.billing_account_id, role="billing account")
    line = QuoteLine(
        quote_id=quote.id,
        position=await repository.next_line_position(session, quote.id),
        product_id=product.id,
        sku=product.sku,
        product_name=product.name,
        charge_type=product.charge_type,
        billing_type=product.billing_type,
        billing_frequency=product.billing_frequency,
        tax_code=product.tax_code,
        pricing_model=PricingModel.PER_UNIT,
        quantity=body.quantity,
        discount_percent=body.discount_percent,
        discount_amount=body.discount_amount,
        billing_account_id=body.billing_account_id,
        invoice_grouping=body.invoice_grouping,
        invoice_group_id=body.invoice_group_id,
    )
    session.add(line)
    await _price(session, quote, line)
    return line


async def _pricing_of(session: AsyncSession, quote: Quote, line: QuoteLine) -> dict[str, Any]:
    """What the price book says for the line's product: model, unit price and tiers."""
    entry = await repository.price_book_entry(session, quote.price_book_id, line.product_id)
    tiers = [
        PriceTier(
            up_to=None if tier["up_to"] is None else Decimal(tier["up_to"]),
            unit_price=Decimal(tier["unit_price"]),
        )
        for tier in entry.tiers or []
    ]
    return {
        "pricing_model": PricingModel(entry.pricing_model),
        "unit_price": entry.unit_price,
        "tiers": tiers,
        "quantity": line.quantity,
    }


async def _price(session: AsyncSession, quote: Quote, line: QuoteLine) -> None:
    pricing = await _pricing_of(session, quote, line)
    price = price_line(
        **pricing,
        currency=quote.currency,
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
    )
    line.pricing_model = pricing["pricing_model"]
    line.list_unit_price = price.list_unit_price
    line.net_unit_price = price.net_unit_price
    recurring = line.charge_type == ChargeType.RECURRING
    line.monthly_amount = price.amount if recurring else None
    line.amount = None if recurring else price.amount
    line.net_total = line_net_total(line.charge_type, price.amount, quote.term_months)
    await session.flush()


async def _discount_percent_of(session: AsyncSession, quote: Quote, line: QuoteLine) -> Decimal:
    """The line's discount as a percent of its priced amount (a per-unit discount counts too)."""
    return effective_discount_percent(
        **await _pricing_of(session, quote, line),
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
    )


async def _recalculate(session: AsyncSession, quote: Quote) -> None:
    lines = await repository.quote_lines(session, quote.id)
    totals = quote_totals(
        [
            (
                line.charge_type,
                line.monthly_amount
                if line.monthly_amount is not None
                else line.amount or Decimal(0),
            )
            for line in lines
        ],
        quote.term_months,
        quote.currency,
    )
    quote.one_time_total = totals.one_time_total
    quote.monthly_recurring_total = totals.monthly_recurring_total
    quote.total_contract_value = totals.total_contract_value
    await session.flush()
