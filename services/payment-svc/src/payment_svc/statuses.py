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


class DunningNoticeStatus(StrEnum):
    """Where a reminder is: `pending` (recorded by a run, not yet handed to the SMTP server),
    `sent` (the SMTP server accepted it), `failed` (not sent: see `last_error`; later runs try
    again until `DUNNING_MAX_ATTEMPTS`), `cancelled` (no longer due before it was sent: the
    invoice was paid, or a higher level was recorded for it)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
