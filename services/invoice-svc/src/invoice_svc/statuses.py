"""invoice-svc's statuses: where a billing period, an invoice run, an invoice and a credit note
are in their lives (the tables and the API schemas both use them)."""

from enum import StrEnum


class PeriodStatus(StrEnum):
    """`pending` until an invoice run bills the period, then `invoiced`."""

    PENDING = "pending"
    INVOICED = "invoiced"


class InvoiceRunStatus(StrEnum):
    """Where a run is: `queued`, `running`, then `completed` or `failed`."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class InvoiceStatus(StrEnum):
    """`draft` (no number, can change) until posted; `posted` (numbered, sent, final)."""

    DRAFT = "draft"
    POSTED = "posted"


class PaymentStatus(StrEnum):
    """How much of the invoice's total payments have covered."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class CreditNoteStatus(StrEnum):
    """`draft` (a run that left its invoices as drafts; no number yet) until issued; `issued`
    (numbered, final)."""

    DRAFT = "draft"
    ISSUED = "issued"
