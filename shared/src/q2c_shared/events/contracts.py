"""One typed model per event type: the contract between producer and consumer.

Both sides import these models. They evolve by adding optional fields only, never by renaming
or removing, so an old consumer keeps reading a new producer's events.
"""

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from q2c_shared.events import topics
from q2c_shared.money import Amount, Percent, Quantity


class EventData(BaseModel):
    """Base of every event payload (`CloudEvent.data`)."""

    model_config = ConfigDict(extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]


# --- accounts -------------------------------------------------------------------------------


class BillingAddress(BaseModel):
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str | None = None
    country: str


class AccountSnapshot(BaseModel):
    id: str
    name: str
    currency: str
    email: str | None = None
    billing_address: BillingAddress | None = None
    payment_term: str
    legal_entity: str | None = None
    tax_exempt: bool = False


class AccountCreated(EventData):
    event_type = "AccountCreated"
    topic = topics.ACCOUNTS
    account: AccountSnapshot


class AccountUpdated(EventData):
    event_type = "AccountUpdated"
    topic = topics.ACCOUNTS
    account: AccountSnapshot


# --- quotes ---------------------------------------------------------------------------------


class ChargeSnapshot(BaseModel):
    """The billing fields a quote line hands to its order product (CONTRACT.md, order-svc)."""

    id: str
    product_id: str
    sku: str
    product_name: str
    charge_type: str
    billing_type: str
    billing_frequency: str | None = None
    tax_code: str | None = None
    quantity: Quantity
    net_unit_price: Amount
    monthly_amount: Amount | None = Field(None, description="Per month, recurring charges.")
    amount: Amount | None = Field(None, description="Once, one-time charges.")
    billing_account_id: str | None = None
    invoice_grouping: str | None = None
    invoice_group_id: str | None = None


class QuoteLineSnapshot(ChargeSnapshot):
    list_unit_price: Amount
    net_total: Amount
    discount_percent: Percent | None = None
    discount_amount: Amount | None = None
    subscription_id: str | None = Field(
        None, description="Amendments and renewals: the contract's subscription the line changes."
    )
    quantity_delta: Quantity | None = Field(
        None,
        description="Amendments: the change of quantity (new total - current; negative lowers "
        "it). The line's amounts are for this delta.",
    )


class QuoteSnapshot(BaseModel):
    id: str
    number: str
    type: str = "new"
    account_id: str
    price_book_id: str
    currency: str
    start_date: date
    end_date: date
    term_months: int
    billing_day_of_month: int | None = None
    payment_term: str
    billing_account_id: str | None = None
    po_number: str | None = None
    legal_entity: str | None = None
    contract_id: str | None = None
    one_time_total: Amount
    monthly_recurring_total: Amount
    total_contract_value: Amount
    lines: list[QuoteLineSnapshot]


class QuoteAccepted(EventData):
    event_type = "QuoteAccepted"
    topic = topics.QUOTES
    quote: QuoteSnapshot
    account: AccountSnapshot


# --- orders ---------------------------------------------------------------------------------


class OrderProductSnapshot(ChargeSnapshot):
    start_date: date
    end_date: date | None = None
    subscription_id: str | None = None


class OrderSnapshot(BaseModel):
    id: str
    number: str
    type: str = Field(
        "new", description="new, amendment (delta order products) or renewal (the next term)."
    )
    contract_id: str | None = Field(
        None, description="The contract the order created, amended or renewed."
    )
    account_id: str
    billing_account_id: str | None = None
    quote_id: str | None = None
    currency: str
    payment_term: str
    po_number: str | None = None
    legal_entity: str | None = None
    billing_day_of_month: int | None = None
    activated_on: date | None = None
    order_products: list[OrderProductSnapshot]


class SubscriptionSnapshot(BaseModel):
    id: str
    product_id: str
    quantity: Quantity
    net_unit_price: Amount
    start_date: date
    end_date: date | None = None


class ContractSnapshot(BaseModel):
    id: str
    number: str
    account_id: str
    start_date: date
    end_date: date | None = None
    subscriptions: list[SubscriptionSnapshot]


class OrderActivated(EventData):
    event_type = "OrderActivated"
    topic = topics.ORDERS
    order: OrderSnapshot
    contract: ContractSnapshot


# --- invoices -------------------------------------------------------------------------------


class InvoiceLineSnapshot(BaseModel):
    id: str
    order_id: str | None = None
    order_product_id: str | None = None
    product_id: str | None = None
    description: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    quantity: Quantity
    amount: Amount
    tax_amount: Amount
    tax_rate_percent: Percent | None = Field(
        None, description="The rate the line was taxed at; null when it bears no tax."
    )


class InvoiceSnapshot(BaseModel):
    id: str
    number: str
    account_id: str
    legal_entity: str | None = None
    invoice_date: date
    due_date: date
    currency: str
    payment_term: str
    subtotal: Amount
    tax_total: Amount
    total: Amount
    balance: Amount
    lines: list[InvoiceLineSnapshot]


class InvoicePosted(EventData):
    event_type = "InvoicePosted"
    topic = topics.INVOICES
    invoice: InvoiceSnapshot


class CreditNoteLineSnapshot(BaseModel):
    id: str
    invoice_line_id: str | None = Field(None, description="The invoice line credited, if any.")
    order_id: str | None = None
    order_product_id: str | None = None
    product_id: str | None = None
    description: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    quantity: Quantity
    amount: Amount = Field(description="Credited, before tax; negative for a charge netted in.")
    tax_rate_percent: Percent | None = None
    tax_amount: Amount


class CreditNoteSnapshot(BaseModel):
    """Amounts are what is credited: positive."""

    id: str
    number: str
    account_id: str = Field(description="The bill-to account credited.")
    legal_entity: str | None = None
    invoice_id: str | None = Field(
        None, description="The invoice credited; null for an invoice run's credit note."
    )
    invoice_number: str | None = None
    issue_date: date
    currency: str
    reason: str
    subtotal: Amount
    tax_total: Amount
    total: Amount
    lines: list[CreditNoteLineSnapshot]


class CreditNoteIssued(EventData):
    """A credit note was issued: it lowers the credited invoice's balance (what it credits
    beyond that balance, or without an invoice, is the account's credit)."""

    event_type = "CreditNoteIssued"
    topic = topics.INVOICES
    credit_note: CreditNoteSnapshot
    invoice_balance: Amount | None = Field(
        None, description="The credited invoice's balance after the credit note."
    )


# --- payments -------------------------------------------------------------------------------


class PaymentSnapshot(BaseModel):
    id: str
    account_id: str
    amount: Amount
    currency: str
    method: str
    reference: str | None = None
    received_on: date


class PaymentReceived(EventData):
    event_type = "PaymentReceived"
    topic = topics.PAYMENTS
    payment: PaymentSnapshot


class PaymentAllocated(EventData):
    event_type = "PaymentAllocated"
    topic = topics.PAYMENTS
    allocation_id: str
    payment_id: str
    account_id: str
    invoice_id: str
    currency: str
    amount: Amount
    invoice_amount_paid: Amount
    invoice_balance: Amount


class PaymentUnapplied(EventData):
    """An allocation was taken back: its amount is the payment's unallocated money again and
    the invoice owes it again. The amounts after it, like `PaymentAllocated`'s."""

    event_type = "PaymentUnapplied"
    topic = topics.PAYMENTS
    allocation_id: str = Field(description="The allocation unapplied (`PaymentAllocated`'s id).")
    payment_id: str
    account_id: str
    invoice_id: str
    currency: str
    amount: Amount = Field(description="Taken back from the invoice: the allocation's amount.")
    invoice_amount_paid: Amount = Field(description="What payments cover of the invoice now.")
    invoice_balance: Amount = Field(description="What the invoice owes now.")


class InvoicePaid(EventData):
    event_type = "InvoicePaid"
    topic = topics.PAYMENTS
    invoice_id: str
    account_id: str
    currency: str
    amount_paid: Amount
    paid_on: date


EVENT_TYPES: dict[str, type[EventData]] = {
    model.event_type: model
    for model in (
        AccountCreated,
        AccountUpdated,
        QuoteAccepted,
        OrderActivated,
        InvoicePosted,
        CreditNoteIssued,
        PaymentReceived,
        PaymentAllocated,
        PaymentUnapplied,
        InvoicePaid,
    )
}
