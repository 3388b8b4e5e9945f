"""Billing schedule data access: schedules and their periods."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bulk_sql import one_of, rows_by
from invoice_svc.models import BillingPeriod, BillingSchedule
from q2c_shared.pagination import PageRequest, fetch_page

_schedules = BillingSchedule.__table__
_periods = BillingPeriod.__table__


async def insert_schedules(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> dict[uuid.UUID, uuid.UUID]:
    """Insert the schedules whose order product has none yet; `{order_product_id: id}` of the
    ones inserted (an order product already scheduled is left as it is)."""
    if not rows:
        return {}
    result = await session.execute(
        insert(_schedules)
        .on_conflict_do_nothing(index_elements=["order_product_id"])
        .returning(_schedules.c.order_product_id, _schedules.c.id),
        rows,
    )
    return {order_product_id: schedule_id for order_product_id, schedule_id in result}


async def insert_periods(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(_periods), rows)


async def periods_by_schedule(
    session: AsyncSession, schedule_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[BillingPeriod]]:
    result = await session.execute(
        select(BillingPeriod)
        .where(one_of(BillingPeriod.billing_schedule_id, schedule_ids))
        .order_by(BillingPeriod.billing_schedule_id, BillingPeriod.sequence)
    )
    return rows_by(result.scalars(), "billing_schedule_id")


async def page_of_schedules(
    session: AsyncSession,
    page: PageRequest,
    *,
    order_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    bill_to_account_id: uuid.UUID | None,
) -> tuple[list[BillingSchedule], str | None]:
    """A page of billing schedules, newest first, by the filters given (None: not filtered)."""
    statement = select(BillingSchedule)
    if order_id is not None:
        statement = statement.where(BillingSchedule.order_id == order_id)
    if account_id is not None:
        statement = statement.where(BillingSchedule.account_id == account_id)
    if bill_to_account_id is not None:
        statement = statement.where(BillingSchedule.bill_to_account_id == bill_to_account_id)
    return await fetch_page(session, statement, BillingSchedule.id, page)
