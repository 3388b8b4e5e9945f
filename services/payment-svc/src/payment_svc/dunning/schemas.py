"""Dunning runs' and notices' API shapes."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from payment_svc.payments.schemas import _CREATED_AT
from payment_svc.statuses import DunningNoticeStatus
from q2c_shared.bounds import BusinessDate
from q2c_shared.money import Amount


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DunningRunCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2026-03-08"}]})

    as_of: BusinessDate | None = Field(
        None,
        description="The day to remind as of: an invoice is `as_of - due_date` days past due. "
        "ISO date YYYY-MM-DD, 1900-01-01 to 2199-12-31; default: today (UTC).",
    )


class DunningNoticePublic(Public):
    id: uuid.UUID = Field(description="The notice's id.")
    receivable_id: uuid.UUID = Field(description="The receivable reminded of.")
    invoice_id: uuid.UUID = Field(description="Its invoice; one notice per invoice and level.")
    account_id: uuid.UUID = Field(description="The account reminded.")
    level: int = Field(description="The dunning level: 1, 7, 14 or 30 days past due.", examples=[7])
    as_of: date = Field(description="The day of the run that recorded it; ISO date YYYY-MM-DD.")
    days_past_due: int = Field(description="How late the invoice was on `as_of`.")
    currency: str = Field(description="ISO 4217 code of `amount_due`.")
    amount_due: Amount = Field(
        description="The invoice's balance the reminder names (refreshed when it is sent)."
    )
    email: str | None = Field(
        description="Where it was (or will be) sent: the account's e-mail address from its "
        "account events; null while payment-svc knows none."
    )
    status: DunningNoticeStatus = Field(
        description="`pending`, `sent`, `failed` (see `last_error`) or `cancelled`."
    )
    attempts: int = Field(description="How many times sending it was tried.")
    last_error: str | None = Field(
        description="Why it was not sent (the SMTP server's answer, no e-mail address, or why "
        "it was cancelled); null once sent."
    )
    created_at: datetime = Field(description=_CREATED_AT)
    sent_at: datetime | None = Field(
        description="When the SMTP server accepted it; ISO 8601 date-time, UTC. Null until then."
    )


class DunningRunPublic(BaseModel):
    as_of: date = Field(description="The day the run reminded as of; ISO date YYYY-MM-DD.")
    recorded: int = Field(
        description="Reminders this run found due and recorded (`pending`), one per open "
        "invoice that reached a level higher than any it was reminded of."
    )
    sent: int = Field(description="Reminders the SMTP server accepted during this run.")
    failed: int = Field(
        description="Reminders this run could not send (`failed`); the next run tries again."
    )
    skipped: int = Field(
        description="Recorded reminders no longer due when their turn came (the invoice was "
        "paid, or a higher level was recorded since): `cancelled`, never sent."
    )
    notices: list[DunningNoticePublic] = Field(
        description="Every notice this run sent, failed or cancelled: the new ones and those "
        "left `pending` or `failed` by earlier runs."
    )
