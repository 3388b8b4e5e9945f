"""quote-svc tables: accounts, the catalog (products, price books) and quotes."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from q2c_shared import columns
from q2c_shared.idempotency import IdempotencyKey  # noqa: F401 - a table of this service
from q2c_shared.inbox import InboxEvent  # noqa: F401 - a table of this service
from q2c_shared.outbox import OutboxEvent  # noqa: F401 - a table of this service


class Account(SQLModel, table=True):
    __tablename__ = "accounts"

    id: uuid.UUID = columns.id_column()
    name: str = columns.text(nullable=False)
    currency: str = columns.text(3, nullable=False)
    email: str | None = columns.text()
    billing_address: dict[str, Any] | None = columns.json_document()
    payment_term: str = columns.text(20, nullable=False)
    legal_entity: str | None = columns.text()
    tax_exempt: bool = Field(default=False)
    created_at: datetime = columns.created_at()
    updated_at: datetime = columns.created_at()


class Product(SQLModel, table=True):
    __tablename__ = "products"

    id: uuid.UUID = columns.id_column()
    sku: str = columns.text(100, nullable=False, unique=True)
    name: str = columns.text(nullable=False)
    charge_type: str = columns.text(20, nullable=False)
    billing_type: str = columns.text(20, nullable=False)
    billing_frequency: str | None = columns.text(20)
    tax_code: str | None = columns.text(50)
    created_at: datetime = columns.created_at()


class PriceBook(SQLModel, table=True):
    __tablename__ = "price_books"

    id: uuid.UUID = columns.id_column()
    name: str = columns.text(nullable=False)
    currency: str = columns.text(3, nullable=False)
    created_at: datetime = columns.created_at()


class PriceBookEntry(SQLModel, table=True):
    __tablename__ = "price_book_entries"
    __table_args__ = (UniqueConstraint("price_book_id", "product_id"),)

    id: uuid.UUID = columns.id_column()
    price_book_id: uuid.UUID = columns.reference("price_books.id")
    product_id: uuid.UUID = columns.reference("products.id")
    unit_price: Decimal = columns.money()
    pricing_model: str = columns.text(20, nullable=False)
    tiers: list[dict[str, Any]] | None = columns.json_document()
    created_at: datetime = columns.created_at()


class Quote(SQLModel, table=True):
    __tablename__ = "quotes"

    id: uuid.UUID = columns.id_column()
    number: str = columns.text(20, nullable=False, unique=True)
    type: str = columns.text(20, nullable=False)
    status: str = columns.text(20, nullable=False, index=True)
    account_id: uuid.UUID = columns.reference("accounts.id")
    price_book_id: uuid.UUID = columns.reference("price_books.id")
    currency: str = columns.text(3, nullable=False)
    start_date: date = columns.day()
    term_months: int = columns.integer(nullable=False)
    end_date: date = columns.day()
    billing_day_of_month: int | None = columns.integer()
    payment_term: str = columns.text(20, nullable=False)
    billing_account_id: uuid.UUID | None = columns.reference("accounts.id", nullable=True)
    po_number: str | None = columns.text(100)
    legal_entity: str | None = columns.text()
    expires_on: date | None = columns.day(nullable=True)
    # Amendments and renewals: the order-svc contract they change (no foreign key: another
    # service's row).
    contract_id: uuid.UUID | None = columns.reference(nullable=True)
    uplift_percent: Decimal | None = columns.money(nullable=True)
    """Renewals: the price increase applied to the subscriptions' net unit prices."""
    one_time_total: Decimal = columns.money()
    monthly_recurring_total: Decimal = columns.money()
    total_contract_value: Decimal = columns.money()
    status_reason: str | None = columns.text(1000)
    created_at: datetime = columns.created_at()
    accepted_at: datetime | None = columns.timestamp()


class QuoteLine(SQLModel, table=True):
    __tablename__ = "quote_lines"

    id: uuid.UUID = columns.id_column()
    quote_id: uuid.UUID = columns.reference("quotes.id", ondelete="CASCADE")
    position: int = columns.integer(nullable=False)
    product_id: uuid.UUID = columns.reference("products.id")
    sku: str = columns.text(100, nullable=False)
    product_name: str = columns.text(nullable=False)
    charge_type: str = columns.text(20, nullable=False)
    billing_type: str = columns.text(20, nullable=False)
    billing_frequency: str | None = columns.text(20)
    tax_code: str | None = columns.text(50)
    pricing_model: str = columns.text(20, nullable=False)
    quantity: Decimal = columns.quantity()
    discount_percent: Decimal | None = columns.money(nullable=True)
    discount_amount: Decimal | None = columns.money(nullable=True)
    list_unit_price: Decimal = columns.money()
    net_unit_price: Decimal = columns.money()
    monthly_amount: Decimal | None = columns.money(nullable=True)
    amount: Decimal | None = columns.money(nullable=True)
    net_total: Decimal = columns.money()
    billing_account_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    invoice_grouping: str | None = columns.text(30)
    invoice_group_id: str | None = columns.text(100)
    subscription_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    """Amendments and renewals: the contract's subscription this line changes or renews."""
    subscription_start_date: date | None = columns.day(nullable=True)
    """Amendments: the subscription's start, where the period grid its change is billed on
    begins."""
    quantity_delta: Decimal | None = Field(default=None, sa_column=Column(Numeric(), nullable=True))
    """Amendments: new total - current quantity; the line's amounts are for this delta."""
