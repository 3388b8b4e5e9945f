"""payment-svc API schemas: Create / Public shapes, apart from the tables."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from payment_svc.ledger import JournalSourceType
from payment_svc.reports import StatementEntryType
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
    """How the money arrived. `credit_note` is no money: the account's credit from a credit
    note that took more than its invoice's balance (or credits no invoice), recorded by
    payment-svc from `CreditNoteIssued`; nobody records one by hand."""

    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CHECK = "check"
    CASH = "cash"
    OTHER = "other"
    CREDIT_NOTE = "credit_note"


def _recordable(method: PaymentMethod) -> PaymentMethod:
    if method == PaymentMethod.CREDIT_NOTE:
        raise ValueError(
            "credit_note payments are made by payment-svc from invoice-svc's credit notes; "
            "issue a credit note in invoice-svc instead"
        )
    return method


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
    subtotal: Amount = Field(description="The invoice's total before tax.")
    tax_total: Amount = Field(description="The invoice's tax; subtotal + tax_total = total.")
    total: Amount = Field(description="The invoice's total, tax included.")
    amount_paid: Amount = Field(description="What payments allocated to the invoice covered.")
    credited: Amount = Field(
        description="What credit notes of the invoice took off it (at most what was still owed "
        "when each was issued; the rest became the account's credit). amount_paid + credited + "
        "balance = total."
    )
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
        description="`bank_transfer`, `card`, `check`, `cash` or `other` (`credit_note`: 422, "
        "only payment-svc makes those, from credit notes).",
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

    _method_recordable = field_validator("method")(_recordable)

    @model_validator(mode="after")
    def _rounded_to_the_currency(self) -> "PaymentCreate":
        self.amount = round_money(self.amount, self.currency)
        if self.amount <= 0:
            raise ValueError(f"amount must be positive in {self.currency}, got {self.amount}")
        for allocation in self.allocations or []:
            allocation.amount = round_money(allocation.amount, self.currency)
        return self


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


# --- payment batches ------------------------------------------------------------------------


class PaymentBatchItem(BaseModel):
    account_id: uuid.UUID = Field(description="The paying account: a quote-svc account.")
    amount: Amount = Field(gt=0, description="Positive, in the currency's minor units.")
    currency: CurrencyCode
    method: PaymentMethod = Field(
        description="`bank_transfer`, `card`, `check`, `cash` or `other`.",
        examples=["bank_transfer"],
    )
    reference: str | None = Field(
        None, max_length=255, description="The payer's or the bank's reference."
    )
    received_on: date = Field(description="When the money arrived; ISO date YYYY-MM-DD.")

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
        max_length=10_000,
        description="The payments, applied in this order; each to its account's open invoices "
        "in its currency, oldest due date first, the rest kept as the account's credit.",
    )


class PaymentBatchPublic(BaseModel):
    payments_recorded: int = Field(description="How many payments the batch recorded.")
    allocations_created: int = Field(description="Allocations made to open invoices.")
    invoices_paid: int = Field(description="Invoices the batch paid in full.")
    payment_ids: list[uuid.UUID] = Field(description="The payments' ids, in the batch's order.")


# --- payment gateway webhooks ---------------------------------------------------------------


class WebhookStatus(StrEnum):
    """What a webhook delivery did."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    UNMATCHED = "unmatched"


class WebhookReceipt(BaseModel):
    status: WebhookStatus = Field(
        description="`recorded`: a payment was recorded from it (`payment_id`). `duplicate`: "
        "the event, or another event of the same payment, arrived before; nothing more was "
        "recorded (`payment_id`: the payment, if that delivery recorded one). `ignored`: an "
        "event type that records nothing. `unmatched`: a succeeded payment whose metadata names "
        "no invoice or account q2c knows, or an invoice in another currency: kept for finance "
        "to look at, no payment recorded.",
        examples=["recorded"],
    )
    payment_id: uuid.UUID | None = Field(
        None, description="The payment recorded from the event (`GET /v1/payments/{id}`)."
    )


class StripeWebhookEvent(BaseModel):
    """A Stripe event as Stripe sends it (the fields payment-svc reads). The route reads the raw
    body itself: the signature covers its exact bytes."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "id": "evt_3Q2c0042aBcDeFgH",
                    "object": "event",
                    "type": "payment_intent.succeeded",
                    "created": 1770715800,
                    "data": {
                        "object": {
                            "id": "pi_3Q2c0042aBcDeFgH",
                            "object": "payment_intent",
                            "amount": 110250,
                            "amount_received": 110250,
                            "currency": "usd",
                            "metadata": {
                                "invoice_id": _JANUARY_INVOICE_ID,
                                "account_id": _ACCOUNT_ID,
                            },
                        }
                    },
                }
            ]
        },
    )

    id: str = Field(description="The event's id (`evt_...`), the same on every delivery of it.")
    object: Literal["event"] = Field(description="Always `event`.")
    type: str = Field(
        description="`payment_intent.succeeded` records a payment; any other type is "
        "acknowledged (`ignored`) and recorded nothing."
    )
    created: int = Field(
        description="When Stripe created the event, in Unix seconds; its UTC day is the "
        "payment's `received_on`."
    )
    data: dict[str, Any] = Field(
        description="`object`: the payment intent. Its `id` (`pi_...`) is the payment's "
        "reference; `amount_received` is in the currency's minor units as Stripe counts them "
        "(cents; yen for JPY); `currency` is lower case; `metadata.invoice_id` names the q2c "
        "invoice paid and `metadata.account_id`, optionally, the paying account."
    )


# --- credit notes received ------------------------------------------------------------------


class ReceivedCreditNotePublic(Public):
    """A credit note invoice-svc issued, as payment-svc applied it (`CreditNoteIssued`)."""

    id: uuid.UUID = Field(description="payment-svc's id of the received credit note.")
    credit_note_id: uuid.UUID = Field(
        description="invoice-svc's credit note id (`GET /v1/credit-notes/{id}` of invoice-svc)."
    )
    number: str = Field(description="The credit note's number.", examples=["CN-000001"])
    account_id: uuid.UUID = Field(description="The bill-to account credited.")
    invoice_id: uuid.UUID | None = Field(
        description="The invoice credited; null for an invoice run's credit note, which credits "
        "the account."
    )
    receivable_id: uuid.UUID | None = Field(
        description="The receivable of the invoice credited (`GET /v1/receivables/{id}`)."
    )
    currency: str = Field(description="ISO 4217 code of every amount here.")
    issue_date: date = Field(description="When it was issued; ISO date YYYY-MM-DD.")
    reason: str = Field(description="Why it was issued, as invoice-svc recorded it.")
    subtotal: Amount = Field(description="Credited before tax.")
    tax_total: Amount = Field(description="Tax credited.")
    total: Amount = Field(description="Credited in all, tax included (positive); applied + excess.")
    applied: Amount = Field(
        description="Taken off the invoice's receivable: at most its balance when the credit "
        "note arrived (its `credited`)."
    )
    excess: Amount = Field(
        description="What the invoice no longer owed (it was paid) or all of it without an "
        "invoice: the account's credit, held by the `credit_note` payment `credit_payment_id`, "
        "which pays the account's open invoices oldest due date first."
    )
    credit_payment_id: uuid.UUID | None = Field(
        None,
        description="The `credit_note` payment holding the excess (`GET /v1/payments/{id}`); "
        "null when there is no excess.",
    )
    created_at: datetime = Field(
        description="When payment-svc received it; ISO 8601 date-time, UTC."
    )


# --- reports --------------------------------------------------------------------------------

_PERIOD_START = "The first day of the period; ISO date YYYY-MM-DD."
_PERIOD_END = "The last day of the period (included); ISO date YYYY-MM-DD."


class OutputFormat(StrEnum):
    """A report's media type, when the `Accept` header is not the one to decide."""

    JSON = "json"
    PDF = "pdf"
    CSV = "csv"


class AgingBuckets(BaseModel):
    """Open balances by how many days past their due date they are on the report's date."""

    current: Amount = Field(description="Not yet due: due on or after the report's date.")
    days_1_30: Amount = Field(alias="1_30", description="1 to 30 days past due.")
    days_31_60: Amount = Field(alias="31_60", description="31 to 60 days past due.")
    days_61_90: Amount = Field(alias="61_90", description="61 to 90 days past due.")
    over_90: Amount = Field(description="More than 90 days past due.")
    total: Amount = Field(description="The sum of the buckets: everything still owed.")


class AgingTotals(AgingBuckets):
    """The whole report's buckets, in its one currency."""

    currency: str | None = Field(
        description="ISO 4217 code of every amount of the report; null when nothing is owed "
        "(no currency named, no open balance)."
    )


class AgingAccount(AgingBuckets):
    """One account's open balances by bucket."""

    account_id: uuid.UUID = Field(description="The bill-to account that owes them.")
    name: str | None = Field(
        description="The account's name, from quote-svc's account events; null until known."
    )
    currency: str = Field(description="ISO 4217 code of the amounts: the report's currency.")


class ArAgingReport(BaseModel):
    as_of: date = Field(
        description="The day the report is as of: balances at its end, days past due counted "
        "to it; ISO date YYYY-MM-DD."
    )
    currency: str | None = Field(
        description="ISO 4217 code of every amount; null when nothing is owed and no currency "
        "was named."
    )
    totals: AgingTotals = Field(description="Every account's open balances added up, by bucket.")
    accounts: list[AgingAccount] = Field(
        description="Every account owing something at `as_of`, by account id."
    )


class StatementEntry(BaseModel):
    entry_date: date = Field(
        description="The invoice's date, the credit note's issue date, the day the payment "
        "arrived (`received_on`) or the day of the refund (UTC); ISO date YYYY-MM-DD."
    )
    type: StatementEntryType = Field(
        description="`invoice`, `credit_note`, `payment` (money received; a credit note's "
        "excess is no payment, its credit note shows it) or `refund`."
    )
    document_id: uuid.UUID = Field(
        description="The invoice id, the invoice-svc credit note id, the payment id or the "
        "refund id."
    )
    number: str | None = Field(
        description="The invoice's or credit note's number, the payment's reference (a "
        "refund's: its payment's)."
    )
    description: str = Field(description="The line as the customer reads it.")
    due_date: date | None = Field(description="An invoice's due date; null for the others.")
    amount: Amount = Field(
        description="What the entry adds to the balance: positive for invoices and refunds, "
        "negative for credit notes and payments."
    )
    balance: Amount = Field(description="The running balance after this entry.")


class StatementTotals(BaseModel):
    invoiced: Amount = Field(description="The period's invoices added up.")
    credited: Amount = Field(description="The period's credit notes added up (positive).")
    paid: Amount = Field(description="The period's payments added up (positive).")
    refunded: Amount = Field(description="The period's refunds added up.")


class CustomerStatement(BaseModel):
    """An account's statement for a period, in one currency."""

    account_id: uuid.UUID = Field(description="The account.")
    name: str | None = Field(
        description="The account's name, from quote-svc's account events; null until known."
    )
    email: str | None = Field(description="The account's billing e-mail address, if known.")
    currency: str = Field(description="ISO 4217 code of every amount of the statement.")
    period_start: date = Field(alias="from", description=_PERIOD_START)
    period_end: date = Field(alias="to", description=_PERIOD_END)
    opening_balance: Amount = Field(
        description="What the account owed at the end of the day before `from`, net of its "
        "unused credit: invoices - credit notes - payments + refunds until then."
    )
    entries: list[StatementEntry] = Field(
        description="The period's invoices, credit notes, payments and refunds, by date (then "
        "in that order, then by number), each with the running balance."
    )
    closing_balance: Amount = Field(
        description="What the account owes at the end of `to`, net of its unused credit: the "
        "opening balance plus every entry. Negative: the account is in credit."
    )
    totals: StatementTotals = Field(description="The period's entries added up by type.")
    aging: AgingBuckets = Field(
        description="The account's invoices still open at the end of `to`, by days past due "
        "then (as `GET /v1/reports/ar-aging` shows them)."
    )
    unapplied_credit: Amount = Field(
        description="Payments and credit not applied to any invoice at the end of `to`: the "
        "open invoices (`aging.total`) less the closing balance."
    )


class MethodReceipts(BaseModel):
    method: PaymentMethod = Field(description="How the money arrived (never `credit_note`).")
    count: int = Field(description="How many payments.")
    amount: Amount = Field(description="The money they brought, in the row's currency.")


class DailyReceipts(BaseModel):
    received_on: date = Field(description="The day the money arrived; ISO date YYYY-MM-DD.")
    currency: str = Field(description="ISO 4217 code of the amounts.")
    count: int = Field(description="How many payments arrived that day in that currency.")
    amount: Amount = Field(description="The money received that day in that currency.")
    by_method: list[MethodReceipts] = Field(description="The same split by method, by method.")


class ReceiptsTotal(BaseModel):
    currency: str = Field(description="ISO 4217 code of the amounts.")
    count: int = Field(description="How many payments arrived in the period in that currency.")
    amount: Amount = Field(description="The money received in the period in that currency.")
    by_method: list[MethodReceipts] = Field(description="The same split by method, by method.")


class CashReceiptsReport(BaseModel):
    period_start: date = Field(alias="from", description=_PERIOD_START)
    period_end: date = Field(alias="to", description=_PERIOD_END)
    days: list[DailyReceipts] = Field(
        description="One row per day and currency with money received, by day then currency; "
        "days without receipts are left out. Refunds are not netted in, and a credit note's "
        "excess (a `credit_note` payment) is no receipt."
    )
    totals: list[ReceiptsTotal] = Field(description="The period's receipts per currency.")


class JournalLinePublic(BaseModel):
    ledger_account_code: str = Field(
        description="The general-ledger account: `1000` Cash, `1100` Accounts Receivable, "
        "`2200` Tax Payable, `2300` Unapplied Cash, `2400` Customer Credits, `4000` Revenue.",
        examples=["1100"],
    )
    ledger_account_name: str = Field(
        description="The ledger account's name.", examples=["Accounts Receivable"]
    )
    debit: Amount = Field(description="Debited to the ledger account; zero on a credit line.")
    credit: Amount = Field(description="Credited to the ledger account; zero on a debit line.")


class JournalEntryPublic(BaseModel):
    entry_id: str = Field(
        description="`<source_type>:<source_id>`, the same in every export: an import skips "
        "the entries it already has.",
        examples=["invoice:0191e5f6-9a0b-7c1d-8e2f-3a4b5c6d7e80"],
    )
    entry_date: date = Field(description="The day it is booked on; ISO date YYYY-MM-DD.")
    source_type: JournalSourceType = Field(
        description="`invoice` (posted, on its invoice date), `credit_note` (on its issue "
        "date), `payment` (money received, on `received_on`), `allocation` (unapplied cash or a "
        "customer credit paying an invoice later), `allocation_unapplied` (an allocation taken "
        "back) or `refund`."
    )
    source_id: uuid.UUID = Field(
        description="The invoice id, the invoice-svc credit note id, the payment id, the "
        "allocation id (both allocation types) or the refund id."
    )
    source_number: str | None = Field(
        description="The invoice's or the credit note's number, the payment's reference, the "
        "number of the invoice an allocation pays, or a refunded payment's reference."
    )
    account_id: uuid.UUID = Field(description="The customer account the entry is about.")
    currency: str = Field(description="ISO 4217 code of every line.")
    description: str = Field(description="The entry in words.")
    lines: list[JournalLinePublic] = Field(
        description="Debits first, then credits; debits and credits add up to the same amount."
    )


class JournalTotal(BaseModel):
    currency: str = Field(description="ISO 4217 code of the sums.")
    debit: Amount = Field(description="Every debit of the export in that currency.")
    credit: Amount = Field(description="Every credit in that currency: equal to `debit`.")


class JournalExport(BaseModel):
    period_start: date = Field(alias="from", description=_PERIOD_START)
    period_end: date = Field(alias="to", description=_PERIOD_END)
    entries: list[JournalEntryPublic] = Field(
        description="The entries dated in the period, by date, then source type (in the order "
        "of `source_type`'s list), then entry id."
    )
    totals: list[JournalTotal] = Field(description="Debits and credits per currency.")


# --- dunning --------------------------------------------------------------------------------


class DunningNoticeStatus(StrEnum):
    """Where a reminder is: `pending` (recorded by a run, not yet handed to the SMTP server),
    `sent` (the SMTP server accepted it), `failed` (not sent: see `last_error`; later runs try
    again until `DUNNING_MAX_ATTEMPTS`), `cancelled` (no longer due before it was sent: the
    invoice was paid, or a higher level was recorded for it)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DunningRunCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2026-03-08"}]})

    as_of: date | None = Field(
        None,
        description="The day to remind as of: an invoice is `as_of - due_date` days past due. "
        "ISO date YYYY-MM-DD; default: today (UTC).",
    )


class DunningNoticePublic(Public):
    id: uuid.UUID = Field(description="The notice's id.")
    receivable_id: uuid.UUID = Field(description="The receivable reminded of.")
    invoice_id: uuid.UUID = Field(description="Its invoice; one notice per invoice and level.")
    account_id: uuid.UUID = Field(description="The account reminded.")
    level: int = Field(description="The dunning level: 1, 7, 14 or 30 days past due.", examples=[7])
    as_of: date = Field(description="The day of the run that recorded it; ISO date YYYY-MM-DD.")
    days_past_due: int = Field(description="How late the invoice was on `as_of`.")
    currency: str = Field(description="ISO 4217 code of `amount_due`.")
    amount_due: Amount = Field(
        description="The invoice's balance the reminder names (refreshed when it is sent)."
    )
    email: str | None = Field(
        description="Where it was (or will be) sent: the account's e-mail address from its "
        "account events; null while payment-svc knows none."
    )
    status: DunningNoticeStatus = Field(
        description="`pending`, `sent`, `failed` (see `last_error`) or `cancelled`."
    )
    attempts: int = Field(description="How many times sending it was tried.")
    last_error: str | None = Field(
        description="Why it was not sent (the SMTP server's answer, no e-mail address, or why "
        "it was cancelled); null once sent."
    )
    created_at: datetime = Field(description=_CREATED_AT)
    sent_at: datetime | None = Field(
        description="When the SMTP server accepted it; ISO 8601 date-time, UTC. Null until then."
    )


class DunningRunPublic(BaseModel):
    as_of: date = Field(description="The day the run reminded as of; ISO date YYYY-MM-DD.")
    recorded: int = Field(
        description="Reminders this run found due and recorded (`pending`), one per open "
        "invoice that reached a level higher than any it was reminded of."
    )
    sent: int = Field(description="Reminders the SMTP server accepted during this run.")
    failed: int = Field(
        description="Reminders this run could not send (`failed`); the next run tries again."
    )
    skipped: int = Field(
        description="Recorded reminders no longer due when their turn came (the invoice was "
        "paid, or a higher level was recorded since): `cancelled`, never sent."
    )
    notices: list[DunningNoticePublic] = Field(
        description="Every notice this run sent, failed or cancelled: the new ones and those "
        "left `pending` or `failed` by earlier runs."
    )
