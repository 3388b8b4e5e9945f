"""An account's balance, as the API shows it."""

import uuid

from pydantic import BaseModel, Field

from q2c_shared.money import Amount


class AccountBalance(BaseModel):
    account_id: uuid.UUID = Field(description="The account.")
    currency: str = Field(
        description="ISO 4217 code of both amounts; balances are per currency, never added up."
    )
    open_total: Amount = Field(description="Sum of the balances of the open receivables.")
    credit_balance: Amount = Field(
        description="Sum of the unallocated money of the payments, credit notes' excess "
        "(`credit_note` payments) included."
    )
    account_name: str | None = Field(
        None, description="The account's name, from quote-svc's account events; null until known."
    )
    email: str | None = Field(
        None, description="The account's billing e-mail, from its account events; null if unknown."
    )
