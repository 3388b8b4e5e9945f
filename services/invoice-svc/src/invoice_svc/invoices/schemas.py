"""Invoice API schemas."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from invoice_svc.api_texts import CREATED_AT, PAYMENT_TERM
from invoice_svc.bill_to_accounts.schemas import BillToPublic
from invoice_svc.statuses import InvoiceStatus, PaymentStatus
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, Percent, Quantity


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InvoiceLinePublic(Public):
    id: uuid.UUID = Field(description="The line's id.")
    order_id: uuid.UUID = Field(description="The order-svc order billed.")
    order_product_id: uuid.UUID = Field(description="The order product billed.")
    product_id: uuid.UUID = Field(description="The quote-svc product billed.")
    billing_period_id: uuid.UUID = Field(description="The billing schedule period it bills.")
    description: str = Field(description="What the line says: the product's name.")
    period_start: date = Field(description="First day of the service billed; ISO date YYYY-MM-DD.")
    period_end: date = Field(
        description="Last day of the service billed, inclusive; ISO date YYYY-MM-DD."
    )
    quantity: Quantity = Field(description="Units billed; negative for a credited reduction.")
    amount: Amount = Field(
        description="Before tax, in the invoice's currency: the period's amount, prorated for a "
        "part-period; negative for a credit."
    )
    tax_rate_percent: Percent | None = Field(
        description="The rate of the bill-to address and the product's tax code the line was "
        "taxed at; null when it bears no tax (tax-exempt account, no address, no tax code, or no "
        "rate for them).",
        examples=["19"],
    )
    tax_amount: Amount = Field(
        description="Tax on the line: amount x rate, rounded half-up per line, in the invoice's "
        "currency."
    )


class InvoicePublic(Public):
    id: uuid.UUID = Field(description="The invoice's id (UUIDv7).")
    number: str | None = Field(
        description="Null while draft; given at posting.", examples=["INV-000001"]
    )
    status: InvoiceStatus = Field(
        description="`draft`: no number yet; `posted`: numbered, sent and final."
    )
    account_id: uuid.UUID = Field(description="The bill-to account.")
    legal_entity: str | None = Field(
        description="Your selling entity, whose gapless series numbers the invoice."
    )
    currency: str = Field(description="ISO 4217 code of every amount on the invoice.")
    payment_term: PaymentTerm = Field(description=PAYMENT_TERM)
    invoice_date: date = Field(description="The invoice's date; ISO date YYYY-MM-DD.")
    due_date: date = Field(
        description="Invoice date + the payment term's days; ISO date YYYY-MM-DD."
    )
    lines: list[InvoiceLinePublic] = Field(description="What is billed, period by period.")
    subtotal: Amount = Field(description="Sum of the lines' amounts, before tax.")
    tax_total: Amount = Field(description="Sum of the lines' tax amounts.")
    total: Amount = Field(description="Subtotal + tax total: what the customer owes.")
    credited_total: Amount = Field(
        description="What credit notes of this invoice took off, tax included."
    )
    amount_paid: Amount = Field(description="What payments allocated to it have covered.")
    balance: Amount = Field(
        description="Still owed: total - credited total - amount paid, never below zero."
    )
    payment_status: PaymentStatus = Field(
        description="`unpaid`, `partially_paid` or `paid` (balance zero)."
    )
    grouping: dict[str, Any] = Field(
        description="Why these lines share this invoice (bill-to, currency, payment term, "
        "invoice grouping)."
    )
    invoice_run_id: uuid.UUID | None = Field(description="The invoice run that created it.")
    created_at: datetime = Field(description=CREATED_AT)
    posted_at: datetime | None = Field(
        description="When it was posted; ISO 8601 date-time, UTC; null while draft."
    )
    bill_to: BillToPublic | None = Field(
        None,
        description="The bill-to account's name, e-mail, billing address and tax exemption, as "
        "its latest account event told invoice-svc; null while no such event has arrived.",
    )
