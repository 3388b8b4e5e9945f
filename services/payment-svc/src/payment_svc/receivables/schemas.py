"""Receivables' API shapes."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from payment_svc.statuses import ReceivableStatus
from q2c_shared.money import Amount


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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
