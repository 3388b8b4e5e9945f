"""The accounts read model (name, e-mail, as quote-svc's account events last told them) and
what an account owes and holds as credit.

Functions flush, never commit: the request's or the consumed message's unit of work commits.
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.customer_accounts import repository
from payment_svc.customer_accounts.schemas import AccountBalance
from payment_svc.errors import AccountNotFound, CurrencyRequired, UnknownCurrency
from payment_svc.models import CustomerAccount
from q2c_shared.events import contracts
from q2c_shared.money import UnknownCurrencyError, minor_units, round_money


async def account_balance(
    session: AsyncSession, account_id: uuid.UUID, currency: str | None
) -> AccountBalance:
    """What the account owes and what credit it has, in one currency (never summed across),
    with the account's name and e-mail when quote-svc's events told us about it.

    Without `currency`: the account's only currency; an account with money in several must name
    one (422). An account without invoices or payments shows zeros in its own currency when its
    account events arrived, and is a 404 when payment-svc has never heard of it.
    With `currency`: that currency, zero when there is nothing in it.
    """
    account = await session.get(CustomerAccount, account_id)
    if currency is None:
        currencies = await repository.account_currencies(session, account_id)
        if not currencies and account is not None:
            currencies = {account.currency}
        if not currencies:
            raise AccountNotFound(f"No receivables or payments of account {account_id}.")
        if len(currencies) > 1:
            raise CurrencyRequired(
                f"Account {account_id} has money in {', '.join(sorted(currencies))}; pass "
                "?currency= to pick one."
            )
        (currency,) = currencies
    else:
        try:
            minor_units(currency)
        except UnknownCurrencyError as error:
            raise UnknownCurrency(str(error)) from None
    open_total = round_money(await repository.open_total(session, account_id, currency), currency)
    credit = round_money(await repository.credit_balance(session, account_id, currency), currency)
    return AccountBalance(
        account_id=account_id,
        currency=currency,
        open_total=open_total,
        credit_balance=credit,
        account_name=account.name if account else None,
        email=account.email if account else None,
    )


async def record_account(
    session: AsyncSession, account: contracts.AccountSnapshot, *, event_time: datetime
) -> bool:
    """Keep the newest known version of a quote-svc account: written unless the row already
    holds an event at least as new (`event_time` is the CloudEvents `time`), so a redelivered
    or late older event never puts an old name or e-mail back. True when the row was written."""
    return await repository.upsert_customer_account(
        session,
        {
            "account_id": uuid.UUID(account.id),
            "name": account.name,
            "email": account.email,
            "currency": account.currency,
            "payment_term": account.payment_term,
            "source_event_time": event_time,
        },
    )
