"""Billing schedule routes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from invoice_svc.schedules import service
from invoice_svc.schedules.schemas import BillingSchedulePublic
from q2c_shared.db import SessionDep
from q2c_shared.pagination import Page, PageDep

router = APIRouter(prefix="/billing-schedules", tags=["billing schedules"])


@router.get("", summary="List billing schedules")
async def list_billing_schedules(
    session: SessionDep,
    page: PageDep,
    order_id: Annotated[
        uuid.UUID | None, Query(description="Only the schedules of this order.")
    ] = None,
    account_id: Annotated[
        uuid.UUID | None, Query(description="Only the schedules of this account's orders.")
    ] = None,
    bill_to_account_id: Annotated[
        uuid.UUID | None, Query(description="Only the schedules this account is invoiced for.")
    ] = None,
) -> Page[BillingSchedulePublic]:
    """One schedule per order product of the activated orders, with its billing periods
    (`pending` until an invoice run bills them). `account_id` is the order's account;
    `bill_to_account_id` the account invoiced. A `cursor` this API did not give out: 422.
    """
    items, next_cursor = await service.list_billing_schedules(
        session,
        page,
        order_id=order_id,
        account_id=account_id,
        bill_to_account_id=bill_to_account_id,
    )
    return Page(items=items, next_cursor=next_cursor)
