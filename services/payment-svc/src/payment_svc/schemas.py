"""payment-svc API schemas: Create / Public shapes, apart from the tables."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from q2c_shared.money import Amount, CurrencyCode, round_money

# Ids the request examples use: the same account as quote-svc's examples, and its invoices.
_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"
_JANUARY_INVOICE_ID = "0191e5f6-9a0b-7c1d-8e2f-3a4b5c6d7e80"
_FEBRUARY_INVOICE_ID = "0191e5f6-9a0b-7c1d-8e2f-3a4b5c6d7e81"

_CREATED_AT = "When it was recorded; ISO 8601 date-time, UTC."


class ReceivableStatus(StrEnum):
    """`open` while a balance is owed; `paid` once it reached zero."""

    OPEN = "open"
    PAID = "paid"


class PaymentMethod(StrEnum):
    """How the money arrived."""

    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CHECK = "check"
    CASH = "cash"
    OTHER = "other"


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- receivables ----------------------------------------------------------------------------


class ReceivablePublic(Public):
    id: uuid.UUID = Field(description="The receivable's id.")
    invoice_id: uuid.UUID = Field(description="The invoice-svc invoice owed; one receivable each.")
    invoice_number: str = Field(description="The invoice's number.", examples=["INV-000001"])
    account_id: uuid.UUID = Field(description="The bill-to account that owes it.")
    currency: str = Field(description="ISO 4217 code of the invoice and of every amount here.")
    invoice_date: date = Field(description="The invoice's date; ISO date YYYY-MM-DD.")
    due_date: date = Field(
        description="When payment is due: invoice date + the payment term's days; ISO date "
        "YYYY-MM-DD."
    )
    total: Amount = Field(description="The invoice's total, tax included.")
    amount_paid: Amount = Field(description="What payments allocated to the invoice covered.")
    balance: Amount = Field(description="What is still owed.")
    status: ReceivableStatus = Field(
        description="`open` while a balance is owed; `paid` once the balance is zero."
    )
    paid_on: date | None = Field(description="When the balance reached zero.")
    created_at: datetime = Field(
        description="When payment-svc learned of the posted invoice; ISO 8601 date-time, UTC."
    )


# --- payments -------------------------------------------------------------------------------


class AllocationRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"invoice_id": _JANUARY_INVOICE_ID, "amount": "1102.50"}]}
    )

    invoice_id: uuid.UUID = Field(description="An open invoice of the account, in its currency.")
    amount: Amount = Field(
        description="How much of the payment goes to it: at most its balance; rounded to the "
        "payment's currency."
    )


class PaymentCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": _ACCOUNT_ID,
                    "amount": "2205.00",
                    "currency": "USD",
                    "method": "bank_transfer",
                    "reference": "WIRE-2026-0042",
                    "received_on": "2026-02-10",
                },
                {
                    "account_id": _ACCOUNT_ID,
                    "amount": "1500.00",
                    "currency": "USD",
                    "method": "card",
                    "reference": "ch_3Q2c0042",
                    "received_on": "2026-02-12",
                    "allocations": [
                        {"invoice_id": _JANUARY_INVOICE_ID, "amount": "1102.50"},
                        {"invoice_id": _FEBRUARY_INVOICE_ID, "amount": "397.50"},
                    ],
                },
            ]
        }
    )

    account_id: uuid.UUID = Field(description="The paying account: a quote-svc account.")
    amount: Amount = Field(description="Positive; rounded half-up to the currency's minor units.")
    currency: CurrencyCode
    method: PaymentMethod = Field(
        description="`bank_transfer`, `card`, `check`, `cash` or `other`.",
        examples=["bank_transfer"],
    )
    reference: str | None = Field(
        None,
        max_length=255,
        examples=["WIRE-2026-0042"],
        description="The payer's or the bank's reference.",
    )
    received_on: date = Field(
        description="When the money arrived; ISO date YYYY-MM-DD.", examples=["2026-02-10"]
    )
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
    invoice_id: uuid.UUID = Field(description="The invoice paid.")
    amount: Amount = Field(description="How much of the payment went to it.")


class PaymentPublic(Public):
    id: uuid.UUID = Field(description="The payment's id (UUIDv7).")
    account_id: uuid.UUID = Field(description="The paying account.")
    amount: Amount = Field(description="The money received, in the payment's currency.")
    currency: str = Field(description="ISO 4217 code of every amount of the payment.")
    method: PaymentMethod = Field(
        description="How it arrived: `bank_transfer`, `card`, `check`, `cash` or `other`."
    )
    reference: str | None = Field(description="The payer's or the bank's reference.")
    received_on: date = Field(description="When the money arrived; ISO date YYYY-MM-DD.")
    allocated: Amount = Field(description="Applied to invoices.")
    unallocated: Amount = Field(description="The credit this payment leaves on the account.")
    refunded: Amount = Field(description="Given back; allocated + unallocated + refunded = amount.")
    allocations: list[AllocationPublic] = Field(
        description="The invoices it paid and how much of each."
    )
    created_at: datetime = Field(description=_CREATED_AT)


class RefundCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": "250.00"}]})

    amount: Amount = Field(
        gt=0,
        description="At most the payment's unallocated amount; rounded to the payment's currency.",
    )


class RefundPublic(Public):
    id: uuid.UUID = Field(description="The refund's id.")
    payment_id: uuid.UUID = Field(description="The payment whose unallocated money it returns.")
    amount: Amount = Field(description="The money given back, in the payment's currency.")
    currency: str = Field(description="ISO 4217 code: the payment's.")
    created_at: datetime = Field(description=_CREATED_AT)


# --- balances -------------------------------------------------------------------------------


class AccountBalance(BaseModel):
    account_id: uuid.UUID = Field(description="The account.")
    currency: str = Field(
        description="ISO 4217 code of both amounts; balances are per currency, never added up."
    )
    open_total: Amount = Field(description="Sum of the balances of the open receivables.")
    credit_balance: Amount = Field(description="Sum of the unallocated money of the payments.")
    account_name: str | None = Field(
        None, description="The account's name, from quote-svc's account events; null until known."
    )
    email: str | None = Field(
        None, description="The account's billing e-mail, from its account events; null if unknown."
    )
