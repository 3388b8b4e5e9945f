"""Dunning runs' and notices' routes: thin, parse, call one service function, return a schema."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from payment_svc.dunning import service as dunning_runs
from payment_svc.dunning.schemas import DunningNoticePublic, DunningRunCreate, DunningRunPublic
from payment_svc.statuses import DunningNoticeStatus
from q2c_shared.db import SessionDep
from q2c_shared.pagination import Page, PageDep

dunning = APIRouter(prefix="/dunning-runs", tags=["dunning"])
dunning_notices = APIRouter(prefix="/dunning-notices", tags=["dunning"])


@dunning.post("", summary="Run dunning: e-mail the payment reminders due")
async def run_dunning(body: DunningRunCreate, request: Request) -> DunningRunPublic:
    """E-mail a payment reminder for every open invoice that has reached a dunning level (1, 7,
    14 or 30 days past due at `as_of`) higher than any it was reminded of: one reminder per
    invoice, for the highest level reached. A level passed over between two runs is not sent
    later. The mail, sent over SMTP (`SMTP_HOST`, `SMTP_PORT`) to the account's e-mail address,
    names the invoice number, the amount due, the due date, how late it is and how to pay.

    Synchronous: answers once every reminder was handed to the SMTP server or failed, with the
    run's counts and notices. Safe to repeat: a second run for the same `as_of` records and
    sends nothing new (no `Idempotency-Key` needed). It does send reminders left `pending` by
    an interrupted run, and tries `failed` ones again (an SMTP server that was down, an account
    without an e-mail address that has one now) up to `DUNNING_MAX_ATTEMPTS` tries. Reminders
    no longer due when their turn comes (the invoice was paid) are `cancelled`.
    """
    return await dunning_runs.run_dunning(
        request.app.state.database,
        request.app.state.settings,
        as_of=body.as_of or dunning_runs.today(),
    )


@dunning_notices.get("", summary="List dunning notices")
async def list_dunning_notices(
    session: SessionDep,
    page: PageDep,
    invoice_id: Annotated[uuid.UUID | None, Query(description="Only this invoice's.")] = None,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
    level: Annotated[
        int | None, Query(ge=1, le=30, description="Only this dunning level (1, 7, 14 or 30).")
    ] = None,
    status: Annotated[
        DunningNoticeStatus | None,
        Query(description="`pending`, `sent`, `failed` or `cancelled`."),
    ] = None,
) -> Page[DunningNoticePublic]:
    """The payment reminders dunning runs recorded, newest first: their `level`, the run's
    `as_of`, `status` and `sent_at`, and why one was not sent (`last_error`). A `cursor` this
    API did not give out: 422.
    """
    items, next_cursor = await dunning_runs.list_dunning_notices(
        session, page, invoice_id=invoice_id, account_id=account_id, level=level, status=status
    )
    return Page(items=items, next_cursor=next_cursor)
