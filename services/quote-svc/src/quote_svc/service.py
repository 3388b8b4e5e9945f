"""quote-svc use cases: accounts, catalog, and the quote lifecycle up to `QuoteAccepted`.

Quotes are new business, amendments of a running contract (co-terminated with it, lines stating
the new total per subscription, priced as deltas) or renewals (the contract's next term). The
contract comes from order-svc over HTTP (order_client); everything else is quote-svc's own.

Functions flush, never commit: the request's unit of work commits (q2c_shared.db).
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.billing import charges
from q2c_shared.billing.periods import months_covering, term_end_date
from q2c_shared.db import get_or_404
from q2c_shared.outbox import enqueue
from q2c_shared.pagination import PageRequest, fetch_page
from q2c_shared.problems import Conflict, NotFound, Unprocessable
from quote_svc import events, order_client, repository
from quote_svc.models import Account, PriceBook, PriceBookEntry, Product, Quote, QuoteLine
from quote_svc.pricing import (
    PriceTier,
    PricingModel,
    co_terminated_net_total,
    co_terminated_totals,
    effective_discount_percent,
    extended_amount,
    line_net_total,
    price_line,
    quote_totals,
    uplifted_unit_price,
)
from quote_svc.schemas import (
    AccountCreate,
    AccountUpdate,
    AmendmentLineCreate,
    AmendmentQuoteCreate,
    PriceBookCreate,
    PriceBookEntryCreate,
    ProductCreate,
    QuoteCreate,
    QuoteLineCreate,
    QuoteLinePublic,
    QuoteLineUpdate,
    QuotePublic,
    QuoteStatus,
    QuoteType,
    RenewalQuoteCreate,
)
from quote_svc.settings import QuoteSettings

# --- accounts -------------------------------------------------------------------------------


async def create_account(session: AsyncSession, body: AccountCreate) -> Account:
    account = Account.model_validate(body.model_dump(mode="json"))
    session.add(account)
    await session.flush()
    await session.refresh(account)
    await enqueue(
        session,
        events.account_created(account),
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
        events.account_updated(account),
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


async def create_quote(
    session: AsyncSession,
    body: QuoteCreate | AmendmentQuoteCreate | RenewalQuoteCreate,
    settings: QuoteSettings,
) -> Quote:
    """A draft quote of any type; amendments and renewals read their contract from order-svc."""
    if isinstance(body, AmendmentQuoteCreate):
        return await _create_amendment_quote(session, body, settings)
    if isinstance(body, RenewalQuoteCreate):
        return await _create_renewal_quote(session, body, settings)
    return await _create_new_quote(session, body)


async def _create_new_quote(session: AsyncSession, body: QuoteCreate) -> Quote:
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
        type=QuoteType.NEW,
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


async def _create_amendment_quote(
    session: AsyncSession, body: AmendmentQuoteCreate, settings: QuoteSettings
) -> Quote:
    """Co-terminated with the contract: from `start_date` to the contract's end. Each line names
    a subscription's new total (priced as the delta at its net unit price, never repriced) or a
    product to add (priced from the price book)."""
    contract = await order_client.fetch_contract(settings, body.contract_id)
    account = await _account_of_contract(session, contract, body.account_id)
    contract_end = _contract_end(contract)
    if not contract.start_date <= body.start_date <= contract_end:
        raise Unprocessable(
            f"Contract {contract.number} runs from {contract.start_date} to {contract_end}; an "
            f"amendment starts within it (a renewal starts after it).",
            code="amendment_outside_contract",
        )
    quote = await _contract_quote(
        session,
        contract,
        account,
        await _price_book_for_contract(session, contract, body.price_book_id),
        quote_type=QuoteType.AMENDMENT,
        start_date=body.start_date,
        end_date=contract_end,
        term_months=months_covering(body.start_date, contract_end),
        po_number=body.po_number,
        expires_on=body.expires_on,
    )
    subscriptions = {subscription.id: subscription for subscription in contract.subscriptions}
    changed: set[uuid.UUID] = set()
    for line in body.lines:
        if line.product_id is not None:
            await _add_line(session, quote, _added_product(line))
            continue
        subscription = _amendable(contract, subscriptions, line, body.start_date, changed)
        if line.quantity == subscription.quantity:
            continue  # listed as it is: nothing to change, nothing to bill
        await _add_subscription_line(
            session,
            quote,
            subscription,
            quantity=line.quantity,
            quantity_delta=line.quantity - subscription.quantity,
            net_unit_price=subscription.net_unit_price,
            line=line,
        )
    await _recalculate(session, quote)
    return quote


async def _create_renewal_quote(
    session: AsyncSession, body: RenewalQuoteCreate, settings: QuoteSettings
) -> Quote:
    """The next term, from the day after the contract ends: the subscriptions still running at
    its end, same quantities, net unit prices raised by the uplift."""
    contract = await order_client.fetch_contract(settings, body.contract_id)
    account = await _account_of_contract(session, contract, body.account_id)
    contract_end = _contract_end(contract)
    term_months = (
        body.term_months
        or contract.term_months
        or months_covering(contract.start_date, contract_end)
    )
    start_date = contract_end + timedelta(days=1)
    renewing = [
        subscription
        for subscription in contract.subscriptions
        if subscription.quantity > 0
        and (subscription.end_date is None or subscription.end_date >= contract_end)
    ]
    if not renewing:
        raise Unprocessable(
            f"Contract {contract.number} has no subscription running at its end to renew.",
            code="nothing_to_renew",
        )
    quote = await _contract_quote(
        session,
        contract,
        account,
        await _price_book_for_contract(session, contract, body.price_book_id),
        quote_type=QuoteType.RENEWAL,
        start_date=start_date,
        end_date=term_end_date(start_date, term_months),
        term_months=term_months,
        po_number=body.po_number,
        expires_on=body.expires_on,
        uplift_percent=body.uplift_percent,
    )
    for subscription in renewing:
        await _add_subscription_line(
            session,
            quote,
            subscription,
            quantity=subscription.quantity,
            quantity_delta=None,
            net_unit_price=uplifted_unit_price(
                subscription.net_unit_price, body.uplift_percent, contract.currency
            ),
        )
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
    if line.subscription_id is not None:
        _change_subscription_line(quote, line, changes)
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
    lines = await repository.quote_lines(session, quote.id)
    await enqueue(
        session,
        events.quote_accepted(quote, lines, account),
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


def _contract_end(contract: order_client.Contract) -> date:
    if contract.end_date is None:
        raise Unprocessable(
            f"Contract {contract.number} has no end date, so nothing can be co-terminated with "
            "or renewed after it.",
            code="contract_without_end_date",
        )
    return contract.end_date


async def _account_of_contract(
    session: AsyncSession, contract: order_client.Contract, account_id: uuid.UUID | None
) -> Account:
    if account_id is not None and account_id != contract.account_id:
        raise Unprocessable(
            f"Contract {contract.number} belongs to another account than {account_id}.",
            code="contract_of_another_account",
        )
    return await repository.existing_account(session, contract.account_id, role="account")


async def _price_book_for_contract(
    session: AsyncSession, contract: order_client.Contract, price_book_id: uuid.UUID | None
) -> PriceBook:
    """The price book that prices products added to the contract: the one asked for, else the
    one of the quote the contract came from."""
    if price_book_id is None and contract.quote_id is not None:
        original = await session.get(Quote, contract.quote_id)
        price_book_id = original.price_book_id if original is not None else None
    if price_book_id is None:
        raise Unprocessable(
            f"Contract {contract.number} did not come from a quote here, so there is no price "
            f"book to default to: give price_book_id (a {contract.currency} price book).",
            code="price_book_required",
        )
    price_book = await session.get(PriceBook, price_book_id)
    if price_book is None:
        raise Unprocessable(
            f"Price book {price_book_id} does not exist.", code="unknown_price_book"
        )
    if price_book.currency != contract.currency:
        raise Unprocessable(
            f"Price book {price_book.name!r} is in {price_book.currency} but contract "
            f"{contract.number} is in {contract.currency}.",
            code="currency_mismatch",
        )
    return price_book


async def _contract_quote(
    session: AsyncSession,
    contract: order_client.Contract,
    account: Account,
    price_book: PriceBook,
    *,
    quote_type: QuoteType,
    start_date: date,
    end_date: date,
    term_months: int,
    po_number: str | None,
    expires_on: date | None,
    uplift_percent: Decimal | None = None,
) -> Quote:
    """An amendment or renewal quote: the contract's billing terms, its billing day above all,
    so the change bills on the same dates as what it changes."""
    quote = Quote(
        number=await repository.next_quote_number(session),
        type=quote_type,
        status=QuoteStatus.DRAFT,
        account_id=account.id,
        price_book_id=price_book.id,
        currency=contract.currency,
        start_date=start_date,
        term_months=term_months,
        end_date=end_date,
        billing_day_of_month=contract.billing_day_of_month or contract.start_date.day,
        payment_term=contract.payment_term or account.payment_term,
        billing_account_id=contract.billing_account_id,
        po_number=po_number or contract.po_number,
        legal_entity=contract.legal_entity or account.legal_entity,
        expires_on=expires_on,
        contract_id=contract.id,
        uplift_percent=uplift_percent,
    )
    session.add(quote)
    await session.flush()
    return quote


def _added_product(line: AmendmentLineCreate) -> QuoteLineCreate:
    return QuoteLineCreate.model_validate(
        line.model_dump(exclude={"subscription_id"}, exclude_none=True)
    )


def _amendable(
    contract: order_client.Contract,
    subscriptions: dict[uuid.UUID, order_client.ContractSubscription],
    line: AmendmentLineCreate,
    start_date: date,
    changed: set[uuid.UUID],
) -> order_client.ContractSubscription:
    """The subscription a line changes, once it is known to be changeable from `start_date`."""
    assert line.subscription_id is not None
    subscription = subscriptions.get(line.subscription_id)
    if subscription is None:
        raise Unprocessable(
            f"Contract {contract.number} has no subscription {line.subscription_id}.",
            code="unknown_subscription",
        )
    if subscription.id in changed:
        raise Unprocessable(
            f"Subscription {subscription.id} is listed twice; give its new total once.",
            code="subscription_listed_twice",
        )
    changed.add(subscription.id)
    if subscription.start_date > start_date:
        raise Unprocessable(
            f"Subscription {subscription.id} ({subscription.sku}) starts on "
            f"{subscription.start_date}; an amendment of it starts then or later.",
            code="subscription_not_started",
        )
    if subscription.end_date is not None and subscription.end_date < start_date:
        raise Unprocessable(
            f"Subscription {subscription.id} ({subscription.sku}) ended on "
            f"{subscription.end_date}; add the product again with product_id instead.",
            code="subscription_ended",
        )
    return subscription


async def _add_subscription_line(
    session: AsyncSession,
    quote: Quote,
    subscription: order_client.ContractSubscription,
    *,
    quantity: Decimal,
    quantity_delta: Decimal | None,
    net_unit_price: Decimal,
    line: AmendmentLineCreate | None = None,
) -> QuoteLine:
    """A line for an existing subscription, at its net unit price (uplifted for a renewal)."""
    product = await session.get(Product, subscription.product_id)
    if product is None:
        raise Unprocessable(
            f"Subscription {subscription.id} is of product {subscription.product_id}, which is "
            "not in the catalog.",
            code="unknown_product",
        )
    if line is not None and line.billing_account_id is not None:
        await repository.existing_account(session, line.billing_account_id, role="billing account")
    quote_line = QuoteLine(
        quote_id=quote.id,
        position=await repository.next_line_position(session, quote.id),
        product_id=product.id,
        sku=product.sku,
        product_name=product.name,
        charge_type=product.charge_type,
        billing_type=product.billing_type,
        billing_frequency=product.billing_frequency,
        tax_code=product.tax_code,
        # Whatever the product's price book model, a subscription changes at its unit price.
        pricing_model=PricingModel.PER_UNIT,
        quantity=quantity,
        quantity_delta=quantity_delta,
        list_unit_price=net_unit_price,
        net_unit_price=net_unit_price,
        subscription_id=subscription.id,
        subscription_start_date=subscription.start_date,
        billing_account_id=line.billing_account_id if line else None,
        invoice_grouping=line.invoice_grouping if line else None,
        invoice_group_id=line.invoice_group_id if line else None,
    )
    session.add(quote_line)
    await _price(session, quote, quote_line)
    return quote_line


def _change_subscription_line(quote: Quote, line: QuoteLine, changes: dict[str, Any]) -> None:
    """What a line edit means for a subscription's line: its price is the subscription's, and
    on an amendment a new quantity is a new total, so the delta moves with it."""
    if changes.get("discount_percent") is not None or changes.get("discount_amount") is not None:
        raise Unprocessable(
            "A subscription keeps its net unit price: discounts apply to added products only.",
            code="subscription_price_fixed",
        )
    if quote.type != QuoteType.AMENDMENT or changes.get("quantity") is None:
        return
    assert line.quantity_delta is not None
    current = line.quantity - line.quantity_delta
    if changes["quantity"] == current:
        raise Unprocessable(
            f"The subscription has {current} now: remove the line to leave it as it is.",
            code="no_quantity_change",
        )
    line.quantity_delta = changes["quantity"] - current


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
    if line.subscription_id is not None:
        # An existing subscription is not repriced: its (renewal: uplifted) net unit price x
        # the change of quantity on an amendment, x the quantity on a renewal.
        basis = line.quantity_delta if quote.type == QuoteType.AMENDMENT else line.quantity
        assert basis is not None
        amount = extended_amount(line.net_unit_price, basis, quote.currency)
    else:
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
        amount = price.amount
        if quote.type == QuoteType.AMENDMENT:
            line.quantity_delta = line.quantity  # an added product is all new
    split = charges.line_amounts(charge_type=line.charge_type, net_amount=amount)
    line.monthly_amount = split.monthly_amount
    line.amount = split.amount
    line.net_total = _net_total(quote, line, amount)
    await session.flush()


def _net_total(quote: Quote, line: QuoteLine, amount: Decimal) -> Decimal:
    """What the line is worth over the quote's term; an amendment's term ends with the contract,
    mid-period as a rule, so its recurring lines are worth exactly what the periods will bill."""
    if quote.type != QuoteType.AMENDMENT:
        return line_net_total(line.charge_type, amount, quote.term_months)
    return co_terminated_net_total(
        charge_type=line.charge_type,
        amount=amount,
        start_date=quote.start_date,
        end_date=quote.end_date,
        billing_day_of_month=quote.billing_day_of_month,
        billing_frequency=line.billing_frequency,
        currency=quote.currency,
        grid_start=line.subscription_start_date,
    )


async def _discount_percent_of(session: AsyncSession, quote: Quote, line: QuoteLine) -> Decimal:
    """The line's discount as a percent of its priced amount (a per-unit discount counts too)."""
    if line.subscription_id is not None:
        return Decimal(0)  # a subscription keeps its price: nothing is discounted
    return effective_discount_percent(
        **await _pricing_of(session, quote, line),
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
    )


async def _recalculate(session: AsyncSession, quote: Quote) -> None:
    lines = await repository.quote_lines(session, quote.id)
    amounts = [
        (
            line.charge_type,
            line.monthly_amount if line.monthly_amount is not None else line.amount or Decimal(0),
        )
        for line in lines
    ]
    if quote.type == QuoteType.AMENDMENT:
        totals = co_terminated_totals(
            [
                (charge_type, amount, line.net_total)
                for (charge_type, amount), line in zip(amounts, lines, strict=True)
            ],
            quote.currency,
        )
    else:
        totals = quote_totals(amounts, quote.term_months, quote.currency)
    quote.one_time_total = totals.one_time_total
    quote.monthly_recurring_total = totals.monthly_recurring_total
    quote.total_contract_value = totals.total_contract_value
    await session.flush()
