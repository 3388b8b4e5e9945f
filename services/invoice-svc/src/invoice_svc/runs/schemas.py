"""Invoice run API schemas."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from invoice_svc.api_texts import ACCOUNT_ID, CREATED_AT
from invoice_svc.statuses import InvoiceRunStatus


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

    target_date: date = Field(
        description="Bill every pending period billable on or before it.", examples=["2026-02-01"]
    )
    invoice_date: date | None = Field(
        None,
        description="The invoices' date, from which due dates count; ISO date YYYY-MM-DD. "
        "Default: the target date.",
    )
    account_ids: list[uuid.UUID] | None = Field(
        None,
        min_length=1,
        max_length=10_000,
        description="Only these bill-to accounts; omit for all.",
    )
    post: bool = Field(False, description="Post (number and send) the invoices in the same run.")


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
    error: str | None = Field(description="Why the run failed; batches before it stay billed.")
    created_at: datetime = Field(description=CREATED_AT)
    started_at: datetime | None = Field(
        description="When a worker started it; ISO 8601 date-time, UTC; null while queued."
    )
    finished_at: datetime | None = Field(
        description="When it completed or failed; ISO 8601 date-time, UTC; null until then."
    )
