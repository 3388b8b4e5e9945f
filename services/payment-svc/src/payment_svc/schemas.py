"""payment-svc API schemas: Create / Public shapes, apart from the tables."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from q2c_shared.money import Amount, CurrencyCode, round_money


class ReceivableStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CHECK = "check"
    CASH = "cash"
    OTHER = "other"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- receivables ----------------------------------------------------------------------------


class ReceivablePublic(Public):
    id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_number: str = Field(examples=["INV-000001"])
    account_id: uuid.UUID
    currency: str
    invoice_date: date
    due_date: date
    total: Amount
    amount_paid: Amount
    balance: Amount = Field(description="What is still owed.")
    status: ReceivableStatus
    paid_on: date | None = Field(description="When the balance reached zero.")
    created_at: datetime


# --- payments -------------------------------------------------------------------------------


class AllocationRequest(BaseModel):
    invoice_id: uuid.UUID
    amount: Amount = Field(description="Rounded to the payment's currency.")


class PaymentCreate(BaseModel):
    account_id: uuid.UUID
    amount: Amount = Field(description="Positive; rounded half-up to the currency's minor units.")
    currency: CurrencyCode
    method: PaymentMethod = Field(examples=["bank_transfer"])
    reference: str | None = Field(
        None,
        max_length=255,
        examples=["WIRE-2026-0042"],
        description="The payer's or the bank's reference.",
    )
    received_on: date = Field(examples=["2026-02-10"])
    allocations: list[AllocationRequest] | None = Field(
        None,
        description="Which invoices to pay and how much of each. Omitted: the payment pays the "
        "account's open invoices in its currency, oldest due date first. Given (even empty): "
        "exactly these, and the rest stays unallocated as the account's credit.",
    )

    @model_validator(mode="after")
    def _rounded_to_the_currency(self) -> "PaymentCreate":
        self.amount = round_money(self.amount, self.currency)
        if self.amount <= 0:
            raise ValueError(f"amount must be positive in {self.currency}, got {self.amount}")
        for allocation in self.allocations or []:
            allocation.amount = round_money(allocation.amount, self.currency)
        return self


class AllocationPublic(Public):
    invoice_id: uuid.UUID
    amount: Amount


class PaymentPublic(Public):
    id: uuid.UUID
    account_id: uuid.UUID
    amount: Amount
    currency: str
    method: PaymentMethod
    reference: str | None
    received_on: date
    allocated: Amount = Field(description="Applied to invoices.")
    unallocated: Amount = Field(description="The credit this payment leaves on the account.")
    refunded: Amount = Field(description="Given back; allocated + unallocated + refunded = amount.")
    allocations: list[AllocationPublic]
    created_at: datetime


class RefundCreate(BaseModel):
    amount: Amount = Field(
        gt=0,
        description="At most the payment's unallocated amount; rounded to the payment's currency.",
    )


class RefundPublic(Public):
    id: uuid.UUID
    payment_id: uuid.UUID
    amount: Amount
    currency: str
    created_at: datetime


# --- balances -------------------------------------------------------------------------------


class AccountBalance(BaseModel):
    account_id: uuid.UUID
    currency: str
    open_total: Amount = Field(description="Sum of the balances of the open receivables.")
    credit_balance: Amount = Field(description="Sum of the unallocated money of the payments.")
    account_name: str | None = Field(
        None, description="The account's name, from quote-svc's account events; null until known."
    )
    email: str | None = Field(
        None, description="The account's billing e-mail, from its account events; null if unknown."
    )
