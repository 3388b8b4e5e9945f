"""Payments', refunds' and payment batches' API shapes, apart from the tables."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from payment_svc.statuses import PaymentMethod
from q2c_shared.bounds import BusinessDate, Text
from q2c_shared.money import Amount, CurrencyCode, PositiveAmount

_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"


_JANUARY_INVOICE_ID = "0191e5f6-9a0b-7c1d-8e2f-3a4b5c6d7e80"


_FEBRUARY_INVOICE_ID = "0191e5f6-9a0b-7c1d-8e2f-3a4b5c6d7e81"


_CREATED_AT = "When it was recorded; ISO 8601 date-time, UTC."

CURRENCY_PATTERN = "^[A-Z]{3}$"
"""An ISO 4217 code as the schema shows it (which codes are known: `CurrencyCode`)."""
MAX_ALLOCATIONS = 1_000
"""Most invoices one payment may name (as many as a quote or an order has lines)."""
MAX_BATCH_PAYMENTS = 10_000
"""Most payments one batch may carry."""


def _recordable(method: PaymentMethod) -> PaymentMethod:
    if method == PaymentMethod.CREDIT_NOTE:
        raise ValueError(
            "credit_note payments are made by payment-svc from invoice-svc's credit notes; "
            "issue a credit note in invoice-svc instead"
        )
    return method


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AllocationRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"invoice_id": _JANUARY_INVOICE_ID, "amount": "1102.50"}]}
    )

    invoice_id: uuid.UUID = Field(
        description="An open invoice of the account, in its currency (an invoice payment-svc "
        "has no receivable of: 422 `unknown_invoice`; another account's: "
        "`invoice_of_another_account`; in another currency: `invoice_in_another_currency`)."
    )
    amount: PositiveAmount = Field(
        description="How much of the payment goes to it: positive, at most its balance, with at "
        "most the payment's currency's decimals (more: 422 `too_many_decimals`).",
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

    account_id: uuid.UUID = Field(
        description="The paying account: a quote-svc account payment-svc knows (from its "
        "account events or an invoice posted to it); else 422 `unknown_account`."
    )
    amount: PositiveAmount = Field(
        description="Positive, with at most the currency's decimals (USD 2, JPY 0, KWD 3; more: "
        "422 `too_many_decimals`).",
    )
    currency: CurrencyCode = Field(pattern=CURRENCY_PATTERN)
    method: PaymentMethod = Field(
        description="`bank_transfer`, `card`, `check`, `cash` or `other` (`credit_note`: 422, "
        "only payment-svc makes those, from credit notes).",
        examples=["bank_transfer"],
    )
    reference: Text | None = Field(
        None,
        max_length=200,
        examples=["WIRE-2026-0042"],
        description="The payer's or the bank's reference.",
    )
    received_on: BusinessDate = Field(
        description="When the money arrived; ISO date YYYY-MM-DD, 1900-01-01 to 2199-12-31."
    )
    allocations: list[AllocationRequest] | None = Field(
        None,
        max_length=MAX_ALLOCATIONS,
        description="Which invoices to pay and how much of each. Omitted: the payment pays the "
        "account's open invoices in its currency, oldest due date first. Given (even empty): "
        "exactly these, and the rest stays unallocated as the account's credit.",
    )

    _method_recordable = field_validator("method")(_recordable)


class AllocationPublic(Public):
    id: uuid.UUID = Field(
        description="The allocation's id (`PaymentAllocated`'s `allocation_id`); take it back "
        "with `POST /v1/payments/{payment_id}/allocations/{id}/unapply`."
    )
    invoice_id: uuid.UUID = Field(description="The invoice paid.")
    amount: Amount = Field(description="How much of the payment went to it.")


class PaymentPublic(Public):
    id: uuid.UUID = Field(description="The payment's id (UUIDv7).")
    account_id: uuid.UUID = Field(description="The paying account.")
    amount: Amount = Field(description="The money received, in the payment's currency.")
    currency: str = Field(description="ISO 4217 code of every amount of the payment.")
    method: PaymentMethod = Field(
        description="How it arrived: `bank_transfer`, `card`, `check`, `cash` or `other`; "
        "`credit_note` for the credit a credit note left on the account (`reference`: the "
        "credit note's number, `received_on`: its issue date)."
    )
    reference: str | None = Field(description="The payer's or the bank's reference.")
    received_on: date = Field(description="When the money arrived; ISO date YYYY-MM-DD.")
    allocated: Amount = Field(description="Applied to invoices.")
    unallocated: Amount = Field(description="The credit this payment leaves on the account.")
    refunded: Amount = Field(description="Given back; allocated + unallocated + refunded = amount.")
    allocations: list[AllocationPublic] = Field(
        description="The invoices it pays and how much of each: its active allocations only, "
        "so they add up to `allocated`. An unapplied allocation is left out; its amount is back "
        "in `unallocated` (the `PaymentUnapplied` event records it)."
    )
    source_credit_note_id: uuid.UUID | None = Field(
        None,
        description="Method `credit_note`: the invoice-svc credit note this credit came from "
        "(`GET /v1/received-credit-notes`); null for money received.",
    )
    created_at: datetime = Field(description=_CREATED_AT)


class RefundCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": "250.00"}]})

    amount: PositiveAmount = Field(
        description="At most the payment's unallocated amount, with at most the payment's "
        "currency's decimals (more: 422 `too_many_decimals`).",
    )


class RefundPublic(Public):
    id: uuid.UUID = Field(description="The refund's id.")
    payment_id: uuid.UUID = Field(description="The payment whose unallocated money it returns.")
    amount: Amount = Field(description="The money given back, in the payment's currency.")
    currency: str = Field(description="ISO 4217 code: the payment's.")
    created_at: datetime = Field(description=_CREATED_AT)


class PaymentBatchItem(BaseModel):
    account_id: uuid.UUID = Field(
        description="The paying account, one payment-svc knows (else 422 `unknown_account`)."
    )
    amount: PositiveAmount = Field(
        description="Positive, with at most the currency's decimals (USD 2, JPY 0)."
    )
    currency: CurrencyCode = Field(pattern=CURRENCY_PATTERN)
    method: PaymentMethod = Field(
        description="`bank_transfer`, `card`, `check`, `cash` or `other`.",
        examples=["bank_transfer"],
    )
    reference: Text | None = Field(
        None, max_length=200, description="The payer's or the bank's reference."
    )
    received_on: BusinessDate = Field(
        description="When the money arrived; ISO date YYYY-MM-DD, 1900-01-01 to 2199-12-31."
    )

    _method_recordable = field_validator("method")(_recordable)


class PaymentBatchCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "payments": [
                        {
                            "account_id": _ACCOUNT_ID,
                            "amount": "2205.00",
                            "currency": "USD",
                            "method": "bank_transfer",
                            "reference": "STMT-2026-02-10/17",
                            "received_on": "2026-02-10",
                        }
                    ]
                }
            ]
        }
    )

    payments: list[PaymentBatchItem] = Field(
        min_length=1,
        max_length=MAX_BATCH_PAYMENTS,
        description="The payments, applied in this order; each to its account's open invoices "
        "in its currency, oldest due date first, the rest kept as the account's credit. At "
        "most 10,000, and the body at most 1 MiB (413 beyond: about 6,000 payments without "
        "allocations fit).",
    )


class PaymentBatchPublic(BaseModel):
    payments_recorded: int = Field(description="How many payments the batch recorded.")
    allocations_created: int = Field(description="Allocations made to open invoices.")
    invoices_paid: int = Field(description="Invoices the batch paid in full.")
    payment_ids: list[uuid.UUID] = Field(description="The payments' ids, in the batch's order.")
