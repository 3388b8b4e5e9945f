"""Contract API schemas: contracts with their subscriptions."""

import uuid
from datetime import date

from pydantic import Field

from order_svc import api_docs as docs
from order_svc.api_docs import Public
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.money import Amount, Quantity


class SubscriptionPublic(Public):
    id: uuid.UUID = Field(description="The subscription's id; amendment quotes name it.")
    product_id: uuid.UUID = Field(description="The quote-svc product subscribed to.")
    sku: str = Field(description="The product's SKU.")
    quantity: Quantity = Field(description="Now; 0 once cancelled by an amendment.")
    net_unit_price: Amount = Field(
        description="Price of one unit after discount: per month for recurring, once for "
        "one-time; in the contract's currency. Amendments keep it; renewals may uplift it."
    )
    start_date: date = Field(description="First day of the subscription; ISO date YYYY-MM-DD.")
    end_date: date | None = Field(description="A cancelled one: the day before it was cancelled.")


class ContractPublic(Public):
    id: uuid.UUID = Field(description="The contract's id (UUIDv7).")
    number: str = Field(
        description="Human-readable contract number; invoices can group by it.",
        examples=["C-000001"],
    )
    status: str = Field(description="`activated`: the contract is in force.")
    account_id: uuid.UUID = Field(description="The customer: a quote-svc account.")
    currency: str = Field(description="ISO 4217 code of every amount on the contract.")
    start_date: date = Field(description="First day of the contract; ISO date YYYY-MM-DD.")
    end_date: date | None = Field(
        description="Last day of the contract (renewals move it); ISO date YYYY-MM-DD."
    )
    term_months: int | None = Field(description="The original term; renewals default to it.")
    billing_day_of_month: int = Field(
        description="Periods align to it; amendments and renewals bill on it too."
    )
    payment_term: PaymentTerm = Field(description=docs.PAYMENT_TERM)
    billing_account_id: uuid.UUID | None = Field(
        description="The account invoiced, when not `account_id`."
    )
    po_number: str | None = Field(description="The customer's purchase order number.")
    legal_entity: str | None = Field(description="Your selling entity; invoices number per entity.")
    quote_id: uuid.UUID | None = Field(description="The quote that created the contract, if any.")
    subscriptions: list[SubscriptionPublic] = Field(
        description="What the customer subscribes to, cancelled ones included."
    )
