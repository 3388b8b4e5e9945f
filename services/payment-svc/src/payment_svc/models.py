"""payment-svc tables: receivables (from posted invoices), payments, their allocations, refunds,
and the read model of the customer accounts (from quote-svc's account events).

The money invariants live in CHECK constraints, so no code path (a bug, a race, a hand-written
UPDATE) can pay an invoice beyond its total or spend a payment twice.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, DateTime, Integer, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from q2c_shared import columns
from q2c_shared.idempotency import IdempotencyKey  # noqa: F401 - a table of this service
from q2c_shared.inbox import InboxEvent  # noqa: F401 - a table of this service
from q2c_shared.outbox import OutboxEvent  # noqa: F401 - a table of this service

RECEIVABLES_FILLFACTOR = 50
"""Percent of a receivables page that inserts fill (migration 0005)."""


class Receivable(SQLModel, table=True):
    """What an account owes on one posted invoice (one row per invoice, from `InvoicePosted`)."""

    __tablename__ = "receivables"
    __table_args__ = (
        CheckConstraint("amount_paid >= 0", name="ck_receivables_amount_paid_not_negative"),
        CheckConstraint("amount_paid <= total", name="ck_receivables_paid_within_total"),
        CheckConstraint("balance >= 0", name="ck_receivables_balance_not_negative"),
        CheckConstraint("credited >= 0", name="ck_receivables_credited_not_negative"),
        CheckConstraint(
            "amount_paid + credited + balance = total", name="ck_receivables_parts_add_up"
        ),
        CheckConstraint(
            "(status = 'open' AND balance > 0) OR (status = 'paid' AND balance = 0)",
            name="ck_receivables_status_matches_balance",
        ),
        # The journal export's invoice entry balances only if this holds (ledger.py).
        CheckConstraint(
            "subtotal + tax_total = total", name="ck_receivables_total_is_subtotal_plus_tax"
        ),
        # Half of each page left free, and no index on a column a payment changes, so that
        # paying a receivable rewrites it on its own page and touches no index (a HOT update):
        # migration 0005, ADR 0014.
        {"postgresql_with": {"fillfactor": RECEIVABLES_FILLFACTOR}},
    )

    id: uuid.UUID = columns.id_column()
    invoice_id: uuid.UUID = columns.reference(unique=True)
    invoice_number: str = columns.text(50, nullable=False)
    account_id: uuid.UUID = columns.reference()
    currency: str = columns.text(3, nullable=False)
    invoice_date: date = columns.day()
    due_date: date = columns.day()
    subtotal: Decimal = columns.money()
    """The invoice's total before tax (revenue, in the journal export)."""
    tax_total: Decimal = columns.money()
    """The invoice's tax (tax payable, in the journal export); subtotal + tax_total = total."""
    total: Decimal = columns.money()
    amount_paid: Decimal = columns.money()
    credited: Decimal = columns.money()
    """What credit notes of the invoice took off its balance."""
    balance: Decimal = columns.money()
    status: str = columns.text(20, nullable=False)
    paid_on: date | None = columns.day(nullable=True)
    created_at: datetime = columns.created_at()


class Payment(SQLModel, table=True):
    """Money received from an account; what is not allocated (nor refunded) is its credit."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_payments_amount_positive"),
        CheckConstraint(
            "allocated >= 0 AND unallocated >= 0 AND refunded >= 0",
            name="ck_payments_parts_not_negative",
        ),
        CheckConstraint(
            "allocated + unallocated + refunded = amount", name="ck_payments_parts_add_up"
        ),
        # A gateway's payment is recorded once, however often its webhook is delivered.
        UniqueConstraint("gateway", "gateway_reference", name="uq_payments_gateway_reference"),
    )

    id: uuid.UUID = columns.id_column()
    account_id: uuid.UUID = columns.reference()
    currency: str = columns.text(3, nullable=False)
    amount: Decimal = columns.money()
    allocated: Decimal = columns.money()
    unallocated: Decimal = columns.money()
    refunded: Decimal = columns.money()
    method: str = columns.text(20, nullable=False)
    reference: str | None = columns.text()
    received_on: date = columns.day()
    gateway: str | None = columns.text(30)
    """The payment gateway it came through (`stripe`), null for payments recorded by hand."""
    gateway_reference: str | None = columns.text()
    """The gateway's id of the payment (a Stripe payment intent id)."""
    source_credit_note_id: uuid.UUID | None = columns.reference(
        nullable=True, index=False, unique=True
    )
    """Method `credit_note`: the credit note whose excess over its invoice's balance (or all of
    it, for a credit note of no invoice) this credit of the account holds."""
    created_at: datetime = columns.created_at()


class PaymentAllocation(SQLModel, table=True):
    """Part of a payment applied to a receivable, when the payment came in or when a later
    invoice drew on the account's credit."""

    __tablename__ = "payment_allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_payment_allocations_amount_positive"),)

    id: uuid.UUID = columns.id_column()
    payment_id: uuid.UUID = columns.reference("payments.id")
    receivable_id: uuid.UUID = columns.reference("receivables.id")
    invoice_id: uuid.UUID = columns.reference(index=False)
    amount: Decimal = columns.money()
    created_at: datetime = columns.created_at()
    unapplied_at: datetime | None = columns.timestamp()
    """Set when the allocation was taken back: its money is the payment's again."""


class ReceivedCreditNote(SQLModel, table=True):
    """A credit note invoice-svc issued (`CreditNoteIssued`): the part applied to its invoice's
    receivable, and the rest, kept as the account's credit (a `credit_note` payment)."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        CheckConstraint(
            "applied >= 0 AND excess >= 0 AND applied + excess = total",
            name="ck_credit_notes_parts_add_up",
        ),
    )

    id: uuid.UUID = columns.id_column()
    credit_note_id: uuid.UUID = columns.reference(unique=True)
    number: str = columns.text(50, nullable=False)
    account_id: uuid.UUID = columns.reference()
    invoice_id: uuid.UUID | None = columns.reference(nullable=True)
    receivable_id: uuid.UUID | None = columns.reference("receivables.id", nullable=True)
    currency: str = columns.text(3, nullable=False)
    issue_date: date = columns.day()
    reason: str = columns.text(500, nullable=False)
    subtotal: Decimal = columns.money()
    tax_total: Decimal = columns.money()
    total: Decimal = columns.money()
    applied: Decimal = columns.money()
    """Taken off the invoice's receivable."""
    excess: Decimal = columns.money()
    """Beyond the invoice's balance (or without an invoice): the account's credit."""
    created_at: datetime = columns.created_at()


class DunningNotice(SQLModel, table=True):
    """A payment reminder for one overdue invoice at one dunning level (1, 7, 14, 30 days past
    due). UNIQUE (invoice, level): a level is never reminded of twice."""

    __tablename__ = "dunning_notices"
    __table_args__ = (UniqueConstraint("invoice_id", "level", name="uq_dunning_notices_level"),)

    id: uuid.UUID = columns.id_column()
    receivable_id: uuid.UUID = columns.reference("receivables.id")
    invoice_id: uuid.UUID = columns.reference(index=False)
    account_id: uuid.UUID = columns.reference()
    level: int = columns.integer(nullable=False)
    as_of: date = columns.day()
    days_past_due: int = columns.integer(nullable=False)
    currency: str = columns.text(3, nullable=False)
    amount_due: Decimal = columns.money()
    email: str | None = columns.text()
    status: str = columns.text(20, nullable=False)
    """`pending` (recorded, not yet handed to the SMTP server), `sent`, `failed` (retried by
    later runs), or `cancelled` (no longer due when its turn came; docs/adr/0012-dunning.md)."""
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_error: str | None = columns.text(2000)
    created_at: datetime = columns.created_at()
    sent_at: datetime | None = columns.timestamp()


class GatewayEvent(SQLModel, table=True):
    """A payment gateway's webhook event, recorded once (the gateway may deliver it again)."""

    __tablename__ = "gateway_events"
    __table_args__ = (UniqueConstraint("gateway", "event_id", name="uq_gateway_events_event"),)

    id: uuid.UUID = columns.id_column()
    gateway: str = columns.text(30, nullable=False)
    event_id: str = columns.text(nullable=False)
    event_type: str = columns.text(100, nullable=False)
    payment_id: uuid.UUID | None = columns.reference("payments.id", nullable=True)
    received_at: datetime = columns.created_at()


class UnmatchedGatewayPayment(SQLModel, table=True):
    """Money a gateway reported that payment-svc could not credit to a known account: kept for
    finance to review, never credited to nobody (docs/adr/0021-unmatched-gateway-payments.md).
    One per gateway event; the event itself is in `gateway_events`, without a payment."""

    __tablename__ = "unmatched_gateway_payments"

    id: uuid.UUID = columns.id_column()
    gateway_event_id: uuid.UUID = columns.reference("gateway_events.id", unique=True)
    gateway: str = columns.text(30, nullable=False)
    event_id: str = columns.text(nullable=False)
    gateway_reference: str = columns.text(nullable=False)
    """The gateway's id of the payment (a Stripe payment intent id)."""
    currency: str = columns.text(3, nullable=False)
    amount: Decimal | None = columns.money(nullable=True)
    """In major units; null when it is out of range (more than 18 digits before the point)."""
    stated_amount: str = columns.text(60, nullable=False)
    """The amount as the gateway stated it (Stripe: an integer of minor units), shortened when
    it is absurdly long."""
    invoice_reference: str | None = columns.text(200)
    """The invoice the gateway's metadata named, as it named it."""
    account_reference: str | None = columns.text(200)
    """The account the gateway's metadata named, as it named it."""
    received_on: date = columns.day()
    reason: str = columns.text(40, nullable=False)
    """Why it was not credited: an `UnmatchedReason`."""
    detail: str = columns.text(1000, nullable=False)
    created_at: datetime = columns.created_at()


class Refund(SQLModel, table=True):
    """Unallocated payment money given back to the payer."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_refunds_amount_positive"),)

    id: uuid.UUID = columns.id_column()
    payment_id: uuid.UUID = columns.reference("payments.id")
    amount: Decimal = columns.money()
    created_at: datetime = columns.created_at()


class CustomerAccount(SQLModel, table=True):
    """Read model: what payment-svc knows of a quote-svc account (the name and e-mail address
    that balances and dunning e-mails show), fed only by `AccountCreated` / `AccountUpdated`.

    `source_event_time` is the CloudEvents `time` of the event the row was written from; a row
    is only ever overwritten by a newer event (repository.upsert_customer_account).
    """

    __tablename__ = "customer_accounts"

    account_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    name: str = columns.text(nullable=False)
    email: str | None = columns.text()
    currency: str = columns.text(3, nullable=False)
    payment_term: str = columns.text(20, nullable=False)
    source_event_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = columns.created_at()
    """When this service last wrote the row (lag behind `source_event_time` shows delay)."""
