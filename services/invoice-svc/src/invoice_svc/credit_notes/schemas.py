"""Credit note API schemas."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from invoice_svc.api_texts import CREATED_AT
from invoice_svc.statuses import CreditNoteStatus
from q2c_shared.bounds import MAX_LINES, BusinessDate, Text
from q2c_shared.money import Amount, Percent, PositiveAmount, Quantity


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CreditNoteLineCreate(BaseModel):
    invoice_line_id: uuid.UUID = Field(description="The invoice line to credit.")
    amount: PositiveAmount = Field(
        description="How much of the line to credit, before tax, in the invoice currency's minor "
        "units; at most what is left of it. Its tax is credited with it, at the line's rate.",
        examples=["31.00"],
    )


class CreditNoteCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reason": "Service outage in March: the whole invoice is credited."},
                {
                    "reason": "Two seats were never used",
                    "lines": [
                        {
                            "invoice_line_id": "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a71",
                            "amount": "62.00",
                        }
                    ],
                    "issue_date": "2026-03-05",
                },
            ]
        }
    )

    lines: list[CreditNoteLineCreate] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LINES,
        description="What to credit, line by line (at most one entry per invoice line, "
        f"{MAX_LINES:,} at most); omit to credit everything left on the invoice.",
    )
    reason: Text = Field(
        min_length=1, max_length=500, description="Why: printed on the credit note."
    )
    issue_date: BusinessDate | None = Field(
        None,
        description="The credit note's date; ISO date YYYY-MM-DD, on or after the invoice's "
        "date (else 422 `issue_date_before_invoice_date`). Default: today (UTC), or the invoice's "
        "date when that is later.",
    )


class CreditNoteLinePublic(Public):
    id: uuid.UUID = Field(description="The line's id.")
    invoice_line_id: uuid.UUID | None = Field(
        description="The invoice line credited; null on an invoice run's credit note."
    )
    billing_period_id: uuid.UUID | None = Field(
        description="The billing period an invoice run credited; null when an invoice line is."
    )
    order_id: uuid.UUID = Field(description="The order-svc order credited.")
    order_product_id: uuid.UUID = Field(description="The order product credited.")
    product_id: uuid.UUID = Field(description="The quote-svc product credited.")
    description: str = Field(description="What the line says: the product's name.")
    period_start: date = Field(description="First day of the service credited; ISO date.")
    period_end: date = Field(description="Last day of the service credited, inclusive.")
    quantity: Quantity = Field(description="The units of the credited line.")
    amount: Amount = Field(
        description="Credited, before tax; negative for a charge an invoice run netted against "
        "its credits."
    )
    tax_rate_percent: Percent | None = Field(description="The rate of the tax credited.")
    tax_amount: Amount = Field(description="Tax credited with the line.")


class CreditNotePublic(Public):
    id: uuid.UUID = Field(description="The credit note's id (UUIDv7).")
    number: str | None = Field(
        description="From the legal entity's gapless credit note series; null while draft.",
        examples=["CN-000001"],
    )
    status: CreditNoteStatus = Field(description="`draft` or `issued`.")
    account_id: uuid.UUID = Field(description="The bill-to account credited.")
    legal_entity: str | None = Field(description="Your selling entity, whose series numbers it.")
    currency: str = Field(description="ISO 4217 code of every amount on it.")
    invoice_id: uuid.UUID | None = Field(
        description="The invoice it credits; null when an invoice run issued it for credits "
        "that outweighed the charges of a bill-to (it then credits the account)."
    )
    invoice_number: str | None = Field(None, description="The credited invoice's number.")
    invoice_run_id: uuid.UUID | None = Field(description="The invoice run that created it.")
    reason: str = Field(description="Why it was issued.")
    issue_date: date = Field(description="Its date; ISO date YYYY-MM-DD.")
    lines: list[CreditNoteLinePublic] = Field(description="What is credited, line by line.")
    subtotal: Amount = Field(description="Sum of the lines' amounts, before tax.")
    tax_total: Amount = Field(description="Sum of the lines' tax amounts.")
    total: Amount = Field(description="Subtotal + tax total: what is credited.")
    grouping: dict[str, Any] | None = Field(
        description="An invoice run's credit note: why these lines share it (as on invoices)."
    )
    created_at: datetime = Field(description=CREATED_AT)
    issued_at: datetime | None = Field(
        description="When it was issued; ISO 8601 date-time, UTC; null while draft."
    )
