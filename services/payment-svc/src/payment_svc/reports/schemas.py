"""The AR reports' and the journal export's API shapes."""

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from payment_svc.core.ledger import JournalSourceType
from payment_svc.core.reports import StatementEntryType
from payment_svc.statuses import PaymentMethod
from q2c_shared.money import Amount

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
