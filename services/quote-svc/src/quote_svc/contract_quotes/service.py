"""Quotes that change a running contract: amendments (co-terminated with it, lines stating the
new total per subscription, priced as deltas at the subscription's net unit price) and renewals
(its next term, at net unit prices raised by the uplift).

The contract comes from order-svc over HTTP (`order_client`): order-svc owns contracts, quote-svc
keeps no copy. Functions flush, never commit: the request's unit of work commits.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from q2c_shared.billing.periods import months_covering, term_end_date
from q2c_shared.bounds import LATEST_BUSINESS_DATE, check_business_date
from quote_svc.accounts.service import existing_account
from quote_svc.catalog.service import existing_price_book
from quote_svc.contract_quotes import order_client
from quote_svc.contract_quotes.order_client import Contract, ContractSubscription
from quote_svc.contract_quotes.schemas import (
    AmendmentLineCreate,
    AmendmentQuoteCreate,
    RenewalQuoteCreate,
)
from quote_svc.core.pricing import uplifted_unit_price
from quote_svc.errors import (
    AmendmentOutsideContract,
    ContractOfAnotherAccount,
    ContractWithoutEndDate,
    CurrencyMismatch,
    NoQuantityChange,
    NothingToRenew,
    PriceBookRequired,
    SubscriptionEnded,
    SubscriptionListedTwice,
    SubscriptionNotStarted,
    SubscriptionPriceFixed,
    UnknownSubscription,
)
from quote_svc.models import Account, PriceBook, Quote, QuoteLine
from quote_svc.quotes import lines, repository
from quote_svc.quotes.schemas import QuoteLineCreate
from quote_svc.settings import QuoteSettings
from quote_svc.statuses import QuoteStatus, QuoteType


async def create_amendment_quote(
    session: AsyncSession, body: AmendmentQuoteCreate, settings: QuoteSettings
) -> Quote:
    """Co-terminated with the contract: from `start_date` to the contract's end. Each line names
    a subscription's new total (priced as the delta at its net unit price, never repriced) or a
    product to add (priced from the price book)."""
    contract = await order_client.fetch_contract(settings, body.contract_id)
    account = await _account_of_contract(session, contract, body.account_id)
    contract_end = _contract_end(contract)
    if not contract.start_date <= body.start_date <= contract_end:
        raise AmendmentOutsideContract(
            f"Contract {contract.number} runs from {contract.start_date} to {contract_end}; an "
            f"amendment starts within it (a renewal starts after it)."
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
    lines.check_discounts(body.lines, quote.currency, path="lines")
    subscriptions = {subscription.id: subscription for subscription in contract.subscriptions}
    changed: set[uuid.UUID] = set()
    new_lines: list[lines.NewLine] = []
    for line in body.lines:
        if line.product_id is not None:
            new_lines.append(_added_product(line))
            continue
        subscription = _amendable(contract, subscriptions, line, body.start_date, changed)
        if line.quantity == subscription.quantity:
            continue  # listed as it is: nothing to change, nothing to bill
        new_lines.append(
            lines.SubscriptionChange(
                subscription,
                quantity=line.quantity,
                quantity_delta=line.quantity - subscription.quantity,
                net_unit_price=subscription.net_unit_price,
                billing_account_id=line.billing_account_id,
                invoice_grouping=line.invoice_grouping,
                invoice_group_id=line.invoice_group_id,
            )
        )
    await lines.add_lines(session, quote, new_lines)
    await lines.recalculate(session, quote)
    return quote


async def create_renewal_quote(
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
    # The renewal's first and last days are business dates too: a contract ending on
    # 2199-12-31 has no renewal the calendar holds.
    start_date = min(contract_end, LATEST_BUSINESS_DATE) + timedelta(days=1)
    check_business_date(start_date, field="start_date")
    end_date = term_end_date(start_date, term_months)
    check_business_date(end_date, field="end_date")
    renewing = [
        subscription
        for subscription in contract.subscriptions
        if subscription.quantity > 0
        and (subscription.end_date is None or subscription.end_date >= contract_end)
    ]
    if not renewing:
        raise NothingToRenew(
            f"Contract {contract.number} has no subscription running at its end to renew."
        )
    quote = await _contract_quote(
        session,
        contract,
        account,
        await _price_book_for_contract(session, contract, body.price_book_id),
        quote_type=QuoteType.RENEWAL,
        start_date=start_date,
        end_date=end_date,
        term_months=term_months,
        po_number=body.po_number,
        expires_on=body.expires_on,
        uplift_percent=body.uplift_percent,
    )
    await lines.add_lines(
        session,
        quote,
        [
            lines.SubscriptionChange(
                subscription,
                quantity=subscription.quantity,
                quantity_delta=None,
                net_unit_price=uplifted_unit_price(
                    subscription.net_unit_price, body.uplift_percent, contract.currency
                ),
            )
            for subscription in renewing
        ],
    )
    await lines.recalculate(session, quote)
    return quote


def change_subscription_line(quote: Quote, line: QuoteLine, changes: dict[str, Any]) -> None:
    """What a line edit means for a subscription's line: its price is the subscription's, and
    on an amendment a new quantity is a new total, so the delta moves with it."""
    if changes.get("discount_percent") is not None or changes.get("discount_amount") is not None:
        raise SubscriptionPriceFixed(
            "A subscription keeps its net unit price: discounts apply to added products only."
        )
    if quote.type != QuoteType.AMENDMENT or changes.get("quantity") is None:
        return
    assert line.quantity_delta is not None
    current = line.quantity - line.quantity_delta
    if changes["quantity"] == current:
        raise NoQuantityChange(
            f"The subscription has {current} now: remove the line to leave it as it is."
        )
    line.quantity_delta = changes["quantity"] - current


def _contract_end(contract: Contract) -> date:
    if contract.end_date is None:
        raise ContractWithoutEndDate(
            f"Contract {contract.number} has no end date, so nothing can be co-terminated with "
            "or renewed after it."
        )
    return contract.end_date


async def _account_of_contract(
    session: AsyncSession, contract: Contract, account_id: uuid.UUID | None
) -> Account:
    if account_id is not None and account_id != contract.account_id:
        raise ContractOfAnotherAccount(
            f"Contract {contract.number} belongs to another account than {account_id}."
        )
    return await existing_account(session, contract.account_id, role="account")


async def _price_book_for_contract(
    session: AsyncSession, contract: Contract, price_book_id: uuid.UUID | None
) -> PriceBook:
    """The price book that prices products added to the contract: the one asked for, else the
    one of the quote the contract came from."""
    if price_book_id is None and contract.quote_id is not None:
        original = await repository.get(session, contract.quote_id)
        price_book_id = original.price_book_id if original is not None else None
    if price_book_id is None:
        raise PriceBookRequired(
            f"Contract {contract.number} did not come from a quote here, so there is no price "
            f"book to default to: give price_book_id (a {contract.currency} price book)."
        )
    price_book = await existing_price_book(session, price_book_id)
    if price_book.currency != contract.currency:
        raise CurrencyMismatch(
            f"Price book {price_book.name!r} is in {price_book.currency} but contract "
            f"{contract.number} is in {contract.currency}."
        )
    return price_book


async def _contract_quote(
    session: AsyncSession,
    contract: Contract,
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
        **lines.zero_totals(contract.currency),
    )
    session.add(quote)
    await session.flush()
    return quote


def _added_product(line: AmendmentLineCreate) -> QuoteLineCreate:
    return QuoteLineCreate.model_validate(
        line.model_dump(exclude={"subscription_id"}, exclude_none=True)
    )


def _amendable(
    contract: Contract,
    subscriptions: dict[uuid.UUID, ContractSubscription],
    line: AmendmentLineCreate,
    start_date: date,
    changed: set[uuid.UUID],
) -> ContractSubscription:
    """The subscription a line changes, once it is known to be changeable from `start_date`."""
    assert line.subscription_id is not None
    subscription = subscriptions.get(line.subscription_id)
    if subscription is None:
        raise UnknownSubscription(
            f"Contract {contract.number} has no subscription {line.subscription_id}."
        )
    if subscription.id in changed:
        raise SubscriptionListedTwice(
            f"Subscription {subscription.id} is listed twice; give its new total once."
        )
    changed.add(subscription.id)
    if subscription.start_date > start_date:
        raise SubscriptionNotStarted(
            f"Subscription {subscription.id} ({subscription.sku}) starts on "
            f"{subscription.start_date}; an amendment of it starts then or later."
        )
    if subscription.end_date is not None and subscription.end_date < start_date:
        raise SubscriptionEnded(
            f"Subscription {subscription.id} ({subscription.sku}) ended on "
            f"{subscription.end_date}; add the product again with product_id instead."
        )
    return subscription
