"""Received credit notes' API shape."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from q2c_shared.money import Amount


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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
