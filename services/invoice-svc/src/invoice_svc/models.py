"""invoice-svc tables: billing schedules and their periods, invoice runs, invoices, number series.

Ids of other services' rows (orders, order products, products, accounts, contracts) carry no
foreign key: those tables live in other databases, and invoice-svc knows them from events only.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import Field, SQLModel

from q2c_shared import columns
from q2c_shared.idempotency import IdempotencyKey  # noqa: F401 - a table of this service
from q2c_shared.inbox import InboxEvent  # noqa: F401 - a table of this service
from q2c_shared.outbox import OutboxEvent  # noqa: F401 - a table of this service


def _counter() -> Any:
    return Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


def _percent() -> Any:
    return Field(default=None, sa_column=Column(Numeric(), nullable=True))


class BillingSchedule(SQLModel, table=True):
    """One order product as invoice-svc bills it: the split context copied from `OrderActivated`
    (so a run never asks order-svc anything) and the pricing its periods were cut from."""

    __tablename__ = "billing_schedules"

    id: uuid.UUID = columns.id_column()
    order_id: uuid.UUID = columns.reference()
    order_number: str | None = columns.text(50)
    # new | amendment | renewal. An amendment's schedule bills a change of quantity: from the
    # amendment's start to the contract's end, negative (credits) when seats were removed.
    order_type: str = columns.text(20, nullable=False, server_default="new")
    order_product_id: uuid.UUID = columns.reference(unique=True)
    product_id: uuid.UUID = columns.reference(index=False)
    subscription_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    sku: str = columns.text(100, nullable=False)
    description: str = columns.text(nullable=False)
    account_id: uuid.UUID = columns.reference()
    order_billing_account_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    product_billing_account_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    bill_to_account_id: uuid.UUID = columns.reference()
    currency: str = columns.text(3, nullable=False)
    payment_term: str = columns.text(20, nullable=False)
    po_number: str | None = columns.text(100)
    legal_entity: str | None = columns.text()
    invoice_grouping: str | None = columns.text(30)
    invoice_group_id: str | None = columns.text(100)
    contract_id: uuid.UUID | None = columns.reference(nullable=True, index=False)
    contract_number: str | None = columns.text(50)
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
    billing_day_of_month: int | None = columns.integer()
    created_at: datetime = columns.created_at()


class BillingPeriod(SQLModel, table=True):
    """A billable slice of a schedule; `invoiced` once an invoice line carries it."""

    __tablename__ = "billing_periods"
    __table_args__ = (
        UniqueConstraint("billing_schedule_id", "sequence"),
        # What an invoice line's foreign key names: its period, and the period's schedule.
        UniqueConstraint("id", "billing_schedule_id", name="uq_billing_periods_id_schedule"),
        # What an invoice run scans: the pending periods due by its target date.
        Index(
            "ix_billing_periods_pending_due",
            "billable_date",
            postgresql_where=sql_text("status = 'pending'"),
        ),
        # How a run finds them for a batch of bill-to accounts: per schedule, straight to the
        # pending periods due, instead of reading every period of the schedule.
        # Partial: a run updates every period it bills, and an entry for each null credit note
        # would be written with every update.
        Index(
            "ix_billing_periods_credit_note_id",
            "credit_note_id",
            postgresql_where=sql_text("credit_note_id IS NOT NULL"),
        ),
        Index(
            "ix_billing_periods_pending_by_schedule",
            "billing_schedule_id",
            "billable_date",
            postgresql_where=sql_text("status = 'pending'"),
        ),
    )

    id: uuid.UUID = columns.id_column()
    billing_schedule_id: uuid.UUID = columns.reference(
        "billing_schedules.id", index=False, ondelete="CASCADE"
    )
    sequence: int = columns.integer(nullable=False)
    period_start: date = columns.day()
    period_end: date = columns.day()
    billable_date: date = columns.day()
    amount: Decimal = columns.money()
    status: str = columns.text(20, nullable=False)
    invoice_id: uuid.UUID | None = columns.reference("invoices.id", nullable=True, index=False)
    """Set when a run bills the period. Not indexed: nothing looks periods up by invoice (an
    invoice's lines name their periods) and invoices are never deleted, while every period a
    run bills would write an entry."""
    credit_note_id: uuid.UUID | None = columns.reference(
        "credit_notes.id", nullable=True, index=False
    )
    """Set instead of `invoice_id` when a run's credits for a bill-to outweighed its charges."""


class InvoiceRun(SQLModel, table=True):
    """A background job billing every pending period due by `target_date`."""

    __tablename__ = "invoice_runs"
    __table_args__ = (
        # What the workers poll: the queued runs, oldest first.
        Index(
            "ix_invoice_runs_queued", "created_at", postgresql_where=sql_text("status = 'queued'")
        ),
        # ... and the running ones, which a worker takes over when their process died.
        Index(
            "ix_invoice_runs_claimable",
            "created_at",
            postgresql_where=sql_text("status IN ('queued', 'running')"),
        ),
    )

    id: uuid.UUID = columns.id_column()
    status: str = columns.text(20, nullable=False)
    target_date: date = columns.day()
    invoice_date: date = columns.day()
    account_ids: list[uuid.UUID] | None = Field(
        default=None, sa_column=Column(ARRAY(UUID(as_uuid=True)), nullable=True)
    )
    post: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    invoices_created: int = _counter()
    lines_created: int = _counter()
    invoices_posted: int = _counter()
    credit_notes_created: int = _counter()
    periods_deferred: int = _counter()
    """Due periods left pending: they start after their invoice would fall due (ADR 0022)."""
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = columns.created_at()
    started_at: datetime | None = columns.timestamp()
    finished_at: datetime | None = columns.timestamp()


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        # Numbers are unique per legal entity ("no legal entity" is one series too); drafts
        # have no number yet.
        Index(
            "uq_invoices_legal_entity_number",
            "legal_entity",
            "number",
            unique=True,
            postgresql_nulls_not_distinct=True,
            postgresql_where=sql_text("number IS NOT NULL"),
        ),
        # Business dates (ADR 0022): dated in the business range, falling due on or after
        # the invoice date and by the last business date.
        CheckConstraint(
            "invoice_date >= DATE '1900-01-01' AND due_date >= invoice_date "
            "AND due_date <= DATE '2199-12-31'",
            name="ck_invoices_business_dates",
        ),
    )

    id: uuid.UUID = columns.id_column()
    number: str | None = columns.text(30)
    status: str = columns.text(20, nullable=False, index=True)
    account_id: uuid.UUID = columns.reference()
    """The bill-to account."""
    legal_entity: str | None = columns.text()
    currency: str = columns.text(3, nullable=False)
    payment_term: str = columns.text(20, nullable=False)
    invoice_date: date = columns.day()
    due_date: date = columns.day()
    subtotal: Decimal = columns.money()
    tax_total: Decimal = columns.money()
    total: Decimal = columns.money()
    credited_total: Decimal = columns.money()
    """What the invoice's credit notes took off its total, tax included."""
    amount_paid: Decimal = columns.money()
    balance: Decimal = columns.money()
    payment_status: str = columns.text(20, nullable=False)
    grouping: dict[str, Any] = columns.json_document(nullable=False)
    invoice_run_id: uuid.UUID | None = columns.reference("invoice_runs.id", nullable=True)
    created_at: datetime = columns.created_at()
    posted_at: datetime | None = columns.timestamp()


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        # One foreign key for both: the line bills an existing period, and names that
        # period's own schedule (one check per line, where a key each took two).
        ForeignKeyConstraint(
            ["billing_period_id", "billing_schedule_id"],
            ["billing_periods.id", "billing_periods.billing_schedule_id"],
            name="invoice_lines_billing_period_fkey",
        ),
    )

    id: uuid.UUID = columns.id_column()
    invoice_id: uuid.UUID = columns.reference("invoices.id", ondelete="CASCADE")
    position: int = columns.integer(nullable=False)
    # UNIQUE: a period is never invoiced twice, whatever races past the run's row locks.
    billing_period_id: uuid.UUID = columns.reference(unique=True)
    billing_schedule_id: uuid.UUID = columns.reference(index=False)
    order_id: uuid.UUID = columns.reference()
    order_product_id: uuid.UUID = columns.reference(index=False)
    product_id: uuid.UUID = columns.reference(index=False)
    description: str = columns.text(nullable=False)
    period_start: date = columns.day()
    period_end: date = columns.day()
    quantity: Decimal = columns.quantity()
    amount: Decimal = columns.money()
    tax_rate_percent: Decimal | None = _percent()
    """The rate the line was taxed at; null when it bears no tax (tax.py)."""
    tax_amount: Decimal = columns.money()


class CreditNote(SQLModel, table=True):
    """What the seller owes back: a posted invoice credited in full or by line, or a run's
    credits for a bill-to that outweighed its charges. Amounts are positive: what is credited.

    Issued credit notes are numbered from their legal entity's gapless `CN-` series; a run that
    leaves its invoices as drafts leaves its credit notes as drafts too.
    """

    __tablename__ = "credit_notes"
    __table_args__ = (
        Index(
            "uq_credit_notes_legal_entity_number",
            "legal_entity",
            "number",
            unique=True,
            postgresql_nulls_not_distinct=True,
            postgresql_where=sql_text("number IS NOT NULL"),
        ),
        CheckConstraint("total >= 0", name="ck_credit_notes_total_not_negative"),
    )

    id: uuid.UUID = columns.id_column()
    number: str | None = columns.text(30)
    status: str = columns.text(20, nullable=False, index=True)
    account_id: uuid.UUID = columns.reference()
    """The bill-to account credited."""
    legal_entity: str | None = columns.text()
    currency: str = columns.text(3, nullable=False)
    invoice_id: uuid.UUID | None = columns.reference("invoices.id", nullable=True)
    """The invoice credited; null for a run's credit note, which credits the account."""
    invoice_run_id: uuid.UUID | None = columns.reference("invoice_runs.id", nullable=True)
    reason: str = columns.text(500, nullable=False)
    issue_date: date = columns.day()
    subtotal: Decimal = columns.money()
    tax_total: Decimal = columns.money()
    total: Decimal = columns.money()
    grouping: dict[str, Any] | None = columns.json_document()
    created_at: datetime = columns.created_at()
    issued_at: datetime | None = columns.timestamp()


class CreditNoteLine(SQLModel, table=True):
    __tablename__ = "credit_note_lines"

    id: uuid.UUID = columns.id_column()
    credit_note_id: uuid.UUID = columns.reference("credit_notes.id", ondelete="CASCADE")
    position: int = columns.integer(nullable=False)
    invoice_line_id: uuid.UUID | None = columns.reference("invoice_lines.id", nullable=True)
    """The invoice line credited (credit notes of an invoice)."""
    # UNIQUE, as on invoice lines: a run's credit for a period is never issued twice.
    billing_period_id: uuid.UUID | None = columns.reference(
        "billing_periods.id", nullable=True, unique=True
    )
    order_id: uuid.UUID = columns.reference(index=False)
    order_product_id: uuid.UUID = columns.reference(index=False)
    product_id: uuid.UUID = columns.reference(index=False)
    description: str = columns.text(nullable=False)
    period_start: date = columns.day()
    period_end: date = columns.day()
    quantity: Decimal = columns.quantity()
    amount: Decimal = columns.money()
    tax_rate_percent: Decimal | None = _percent()
    tax_amount: Decimal = columns.money()


class TaxRate(SQLModel, table=True):
    """The percent a product tax code bears in a country, or in one region of it."""

    __tablename__ = "tax_rates"
    __table_args__ = (
        Index(
            "uq_tax_rates_jurisdiction_tax_code",
            "country",
            "region",
            "tax_code",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint(
            "rate_percent >= 0 AND rate_percent <= 100", name="ck_tax_rates_rate_percent"
        ),
    )

    id: uuid.UUID = columns.id_column()
    country: str = columns.text(2, nullable=False)
    region: str | None = columns.text(100)
    tax_code: str = columns.text(50, nullable=False)
    rate_percent: Decimal = Field(sa_column=Column(Numeric(), nullable=False))
    created_at: datetime = columns.created_at()
    updated_at: datetime = columns.created_at()


class NumberSeries(SQLModel, table=True):
    """The last number given out per (legal entity, document kind): the gapless series.

    The row is locked while numbers are taken, so numbers are handed out one transaction at a
    time, and a rolled-back posting gives its numbers back.
    """

    __tablename__ = "number_series"

    legal_entity: str = Field(sa_column=Column(String(255), primary_key=True))
    """The selling entity; the empty string is the series of invoices without one."""
    kind: str = Field(sa_column=Column(String(20), primary_key=True))
    last_number: int = _counter()


class BillToAccount(SQLModel, table=True):
    """Read model: a quote-svc account as invoices need it (name and address on documents, tax
    exemption and address for tax), fed only by `AccountCreated` / `AccountUpdated`.

    `source_event_time` is the CloudEvents `time` of the event the row was written from; a row
    is only ever overwritten by a newer event (repository.upsert_bill_to_account).
    """

    __tablename__ = "bill_to_accounts"

    account_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    name: str = columns.text(nullable=False)
    currency: str = columns.text(3, nullable=False)
    email: str | None = columns.text()
    billing_address: dict[str, Any] | None = columns.json_document()
    payment_term: str = columns.text(20, nullable=False)
    legal_entity: str | None = columns.text()
    tax_exempt: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    source_event_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = columns.created_at()
    """When this service last wrote the row (lag behind `source_event_time` shows delay)."""


class PaymentApplication(SQLModel, table=True):
    """A payment-svc allocation as it reached an invoice: the key that makes `PaymentAllocated`
    and `PaymentUnapplied` change an invoice's amount paid once per allocation, whatever event
    id carries them (CONTRACT.md: effects are keyed on the business id)."""

    __tablename__ = "payment_applications"
    __table_args__ = (
        ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_payment_applications_invoice"
        ),
    )

    allocation_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    invoice_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False))
    payment_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False))
    amount: Decimal = columns.money()
    unapplied: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default="false")
    )
    created_at: datetime = columns.created_at()
