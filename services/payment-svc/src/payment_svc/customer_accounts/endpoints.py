"""Account balances' route: thin, parse, call one service function, return a schema."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from payment_svc.customer_accounts import service
from payment_svc.customer_accounts.schemas import AccountBalance
from payment_svc.errors import AccountNotFound, CurrencyRequired, UnknownCurrency, problem_responses
from q2c_shared.bounds import NO_NUL_PATTERN
from q2c_shared.db import SessionDep

account_balances = APIRouter(prefix="/account-balances", tags=["balances"])


@account_balances.get(
    "/{account_id}",
    summary="Get an account's balance",
    responses=problem_responses(AccountNotFound, CurrencyRequired, UnknownCurrency),
)
async def get_account_balance(
    account_id: uuid.UUID,
    session: SessionDep,
    currency: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=3,
            pattern=NO_NUL_PATTERN,
            examples=["USD"],
            description="Required when the account has money in several currencies.",
        ),
    ] = None,
) -> AccountBalance:
    """What the account owes (`open_total`) and its unused payment and credit-note money
    (`credit_balance`), with its `account_name` and `email` (null until quote-svc's account
    events arrived).

    Amounts of different currencies are never added up: the balance is per currency. Without
    `currency` it is the account's only one; an account with money in several currencies must
    name one (422). An account with no invoice or payment shows zeros in its own currency when
    payment-svc knows it from its account events, and is a 404 otherwise. With `currency`, an
    account with nothing in it shows zeros.
    """
    return await service.account_balance(session, account_id, currency)
