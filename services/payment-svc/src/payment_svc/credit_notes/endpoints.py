"""Received credit notes' route: thin, parse, call one service function, return a schema."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from payment_svc.credit_notes import service
from payment_svc.credit_notes.schemas import ReceivedCreditNotePublic
from q2c_shared.db import SessionDep
from q2c_shared.pagination import Page, PageDep

# Not /v1/credit-notes: invoice-svc owns that prefix (one ingress routes by path, CONTRACT.md).
received_credit_notes = APIRouter(prefix="/received-credit-notes", tags=["credit notes"])


@received_credit_notes.get("", summary="List received credit notes")
async def list_received_credit_notes(
    session: SessionDep,
    page: PageDep,
    account_id: Annotated[uuid.UUID | None, Query(description="Only this account's.")] = None,
    invoice_id: Annotated[
        uuid.UUID | None, Query(description="Only the credit notes of this invoice.")
    ] = None,
) -> Page[ReceivedCreditNotePublic]:
    """Credit notes invoice-svc issued (`CreditNoteIssued`), newest first, as payment-svc
    applied them: `applied` to the invoice's receivable, `excess` kept as the account's credit
    (the `credit_note` payment `credit_payment_id`). A `cursor` this API did not give out: 422.
    """
    items, next_cursor = await service.list_received_credit_notes(
        session, page, account_id=account_id, invoice_id=invoice_id
    )
    return Page(items=items, next_cursor=next_cursor)
