"""order-svc tables: orders with their order products, contracts with their subscriptions."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import SQLModel

from q2c_shared import columns
from q2c_shared.idempotency import IdempotencyKey  # noqa: F401 - a table of this service
from q2c_shared.inbox import InboxEvent  # noqa: F401 - a table of this service
from q2c_shared.outbox import OutboxEvent  # noqa: F401 - a table of this service


class Order(SQLModel, table=True):
    __tablename__ = "orders"

    id: uuid.UUID = columns.id_column()
    number: str = columns.text(20, nullable=False, unique=True)
    # new | amendment (delta order products on an existing contract) | renewal (its next term)
    type: str = columns.text(20, nullable=False, server_default="new")
    status: str = columns.text(20, nullable=False, index=True)
    account_id: uuid.UUID = columns.reference()
    billing_account_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    # One order per accepted quote, whatever the broker redelivers.
    quote_id: uuid.UUID | None = columns.reference(nullable=True, unique=True)
    # The contract the order created (set on activation) or amends or renews (set from the start).
    contract_id: uuid.UUID | None = columns.reference("contracts.id", nullable=True)
    currency: str = columns.text(3, nullable=False)
    payment_term: str = columns.text(20, nullable=False)
    po_number: str | None = columns.text(100)
    legal_entity: str | None = columns.text()
    billing_day_of_month: int | None = columns.integer()
    activated_on: date | None = columns.day(nullable=True)
    created_at: datetime = columns.created_at()


class OrderProduct(SQLModel, table=True):
    __tablename__ = "order_products"

    id: uuid.UUID = columns.id_column()
    order_id: uuid.UUID = columns.reference("orders.id", ondelete="CASCADE")
    position: int = columns.integer(nullable=False)
    product_id: uuid.UUID = columns.reference(index=False)
    sku: str = columns.text(100, nullable=False)
    product_name: str = columns.text(nullable=False)
    charge_type: str = columns.text(20, nullable=False)
    billing_type: str = columns.text(20, nullable=False)
    billing_frequency: str | None = columns.text(20)
    tax_code: str | None = columns.text(50)
    quantity: Decimal = columns.quantity()
    net_unit_price: Decimal = columns.money()
    monthly_amount: Decimal | None = columns.money(nullable=True)
    amount: Decimal | None = columns.money(nullable=True)
    start_date: date = columns.day()
    end_date: date | None = columns.day(nullable=True)
    billing_account_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    invoice_grouping: str | None = columns.text(30)
    invoice_group_id: str | None = columns.text(100)
    subscription_id: uuid.UUID | None = columns.reference(nullable=True, index=False)


class Contract(SQLModel, table=True):
    """What the customer has: subscriptions from `start_date` to `end_date`, and the billing
    terms of the order that created it, which its amendments and renewals bill on too."""

    __tablename__ = "contracts"

    id: uuid.UUID = columns.id_column()
    number: str = columns.text(20, nullable=False, unique=True)
    status: str = columns.text(20, nullable=False)
    account_id: uuid.UUID = columns.reference()
    currency: str = columns.text(3, nullable=False)
    start_date: date = columns.day()
    end_date: date | None = columns.day(nullable=True)
    """Moves when the contract is renewed."""
    term_months: int | None = columns.integer()
    """The original term (renewals default to it); none for a contract without an end date."""
    billing_day_of_month: int = columns.integer(nullable=False)
    """The day periods align to (the order's, else the start date's day): changes bill on it."""
    payment_term: str = columns.text(20, nullable=False)
    billing_account_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    po_number: str | None = columns.text(100)
    legal_entity: str | None = columns.text()
    quote_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    """The quote whose order created the contract (none for a direct order)."""
    created_at: datetime = columns.created_at()


class Subscription(SQLModel, table=True):
    __tablename__ = "subscriptions"

    id: uuid.UUID = columns.id_column()
    contract_id: uuid.UUID = columns.reference("contracts.id", ondelete="CASCADE")
    product_id: uuid.UUID = columns.reference(index=False)
    sku: str = columns.text(100, nullable=False)
    quantity: Decimal = columns.quantity()
    net_unit_price: Decimal = columns.money()
    start_date: date = columns.day()
    end_date: date | None = columns.day(nullable=True)
