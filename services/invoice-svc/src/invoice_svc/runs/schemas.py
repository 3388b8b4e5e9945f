"""Invoice run API schemas."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from invoice_svc.api_texts import ACCOUNT_ID, CREATED_AT
from invoice_svc.core.invoice_dates import LATEST_INVOICE_DATE, MAX_DAYS_FROM_TARGET
from invoice_svc.statuses import InvoiceRunStatus
from q2c_shared.bounds import BusinessDate, Flag

MAX_RUN_ACCOUNTS = 1_000
"""Most bill-to accounts one run may name; a run of more bills every account (omit the list)."""


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InvoiceRunCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"target_date": "2026-02-01", "post": False},
                {
                    "target_date": "2026-02-01",
                    "invoice_date": "2026-02-02",
                    "account_ids": [ACCOUNT_ID],
                    "post": True,
                },
            ]
        }
    )

    target_date: BusinessDate = Field(
        description="Bill every pending period billable on or before it; ISO date YYYY-MM-DD, "
        "1900-01-01 to 2199-12-31.",
        examples=["2026-02-01"],
    )
    invoice_date: BusinessDate | None = Field(
        None,
        description="The invoices' date, from which due dates count; ISO date YYYY-MM-DD. "
        f"Default: the target date. At most {MAX_DAYS_FROM_TARGET} days from the target date "
        f"and on or before {LATEST_INVOICE_DATE} (so that even a net_90 invoice falls due by "
        "2199-12-31), else 422. A due period starting after the date its invoice would fall due "
        "stays pending (`periods_deferred`).",
    )
    account_ids: list[uuid.UUID] | None = Field(
        None,
        min_length=1,
        max_length=MAX_RUN_ACCOUNTS,
        description=f"Only these bill-to accounts, at most {MAX_RUN_ACCOUNTS:,}; omit for all.",
    )
    post: Flag = Field(False, description="Post (number and send) the invoices in the same run.")


class InvoiceRunPublic(Public):
    id: uuid.UUID = Field(description="The run's id; poll `GET /v1/invoice-runs/{id}`.")
    status: InvoiceRunStatus = Field(
        description="`queued` (accepted, not started), `running`, `completed` or `failed` "
        "(see `error`)."
    )
    target_date: date = Field(
        description="Bills every pending period billable on or before it; ISO date YYYY-MM-DD."
    )
    invoice_date: date = Field(description="The invoices' date; ISO date YYYY-MM-DD.")
    account_ids: list[uuid.UUID] | None = Field(
        description="The only bill-to accounts billed; null: all."
    )
    post: bool = Field(description="True: the run posts the invoices it creates.")
    invoices_created: int = Field(description="Invoices created so far.")
    lines_created: int = Field(description="Invoice lines created so far.")
    invoices_posted: int = Field(description="Invoices posted so far (when `post`).")
    credit_notes_created: int = Field(
        description="Credit notes created so far: for bill-tos whose credits outweighed their "
        "charges (issued when `post`, else drafts)."
    )
    periods_deferred: int = Field(
        0,
        description="Due periods left pending so far because they start after the date their "
        "invoice would fall due (invoice date + payment term): a run with a later invoice date "
        "bills them.",
    )
    error: str | None = Field(description="Why the run failed; batches before it stay billed.")
    created_at: datetime = Field(description=CREATED_AT)
    started_at: datetime | None = Field(
        description="When a worker started it; ISO 8601 date-time, UTC; null while queued."
    )
    finished_at: datetime | None = Field(
        description="When it completed or failed; ISO 8601 date-time, UTC; null until then."
    )
