"""payment-svc's status and kind enumerations, shared by tables, schemas and the pure core."""

from enum import StrEnum


class ReceivableStatus(StrEnum):
    """`open` while a balance is owed; `paid` once it reached zero."""

    OPEN = "open"
    PAID = "paid"


class PaymentMethod(StrEnum):
    """How the money arrived. `credit_note` is no money: the account's credit from a credit
    note that took more than its invoice's balance (or credits no invoice), recorded by
    payment-svc from `CreditNoteIssued`; nobody records one by hand."""

    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CHECK = "check"
    CASH = "cash"
    OTHER = "other"
    CREDIT_NOTE = "credit_note"


class WebhookStatus(StrEnum):
    """What a webhook delivery did."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    UNMATCHED = "unmatched"


class UnmatchedReason(StrEnum):
    """Why a gateway's payment was kept unmatched rather than credited to an account."""

    UNKNOWN_INVOICE = "unknown_invoice"
    """The metadata names no invoice payment-svc knows, and no account."""
    UNKNOWN_ACCOUNT = "unknown_account"
    """The metadata names no invoice payment-svc knows, and an account it does not know."""
    CURRENCY_MISMATCH = "currency_mismatch"
    """The invoice named is in another currency than the payment."""
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    """More than 18 digits before the point: no ledger holds it."""
    NOTHING_RECEIVED = "nothing_received"
    """The amount received is zero (or less)."""


class DunningNoticeStatus(StrEnum):
    """Where a reminder is: `pending` (recorded by a run, not yet handed to the SMTP server),
    `sent` (the SMTP server accepted it), `failed` (not sent: see `last_error`; later runs try
    again until `DUNNING_MAX_ATTEMPTS`), `cancelled` (no longer due before it was sent: the
    invoice was paid, or a higher level was recorded for it)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
