"""Billing schedules: one per order product of an activated order, with its periods cut by
`core.scheduling`; listed with their periods."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.core.grouping import BillableCharge, invoice_key
from invoice_svc.core.scheduling import periods_of
from invoice_svc.schedules import repository
from invoice_svc.schedules.schemas import BillingPeriodPublic, BillingSchedulePublic
from invoice_svc.statuses import PeriodStatus
from q2c_shared.billing.periods import BillingPeriod
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.events import contracts
from q2c_shared.ids import new_id
from q2c_shared.pagination import PageRequest


async def create_billing_schedules(
    session: AsyncSession, activated: contracts.OrderActivated
) -> int:
    """One schedule per order product of an activated order, with its periods; an order product
    that already has a schedule is skipped. Returns how many schedules were created."""
    order = activated.order
    PaymentTerm(order.payment_term)  # an unknown term cannot be billed: refuse the event
    schedules: list[dict[str, Any]] = []
    periods_by_product: dict[uuid.UUID, list[BillingPeriod]] = {}
    for product in order.order_products:
        schedules.append(_schedule_row(activated, product))
        periods_by_product[uuid.UUID(product.id)] = periods_of(order, product, activated.contract)
    created = await repository.insert_schedules(session, schedules)
    await repository.insert_periods(
        session,
        [
            {
                "id": new_id(),
                "billing_schedule_id": schedule_id,
                "sequence": sequence,
                "period_start": period.period_start,
                "period_end": period.period_end,
                "billable_date": period.billable_date,
                "amount": period.amount,
                "status": PeriodStatus.PENDING,
                "invoice_id": None,
            }
            for order_product_id, schedule_id in created.items()
            for sequence, period in enumerate(periods_by_product[order_product_id], start=1)
        ],
    )
    return len(created)


def _schedule_row(
    activated: contracts.OrderActivated, product: contracts.OrderProductSnapshot
) -> dict[str, Any]:
    order = activated.order
    bill_to = invoice_key(
        BillableCharge(
            order_id=order.id,
            order_product_id=product.id,
            account_id=order.account_id,
            currency=order.currency,
            payment_term=order.payment_term,
            order_billing_account_id=order.billing_account_id,
            product_billing_account_id=product.billing_account_id,
            invoice_grouping=product.invoice_grouping,
            contract_number=activated.contract.number,
            po_number=order.po_number,
            legal_entity=order.legal_entity,
            invoice_group_id=product.invoice_group_id,
        )
    ).bill_to_account_id
    return {
        "id": new_id(),
        "order_id": uuid.UUID(order.id),
        "order_number": order.number,
        "order_type": order.type,
        "order_product_id": uuid.UUID(product.id),
        "product_id": uuid.UUID(product.product_id),
        "subscription_id": _uuid_or_none(product.subscription_id),
        "sku": product.sku,
        "description": product.product_name,
        "account_id": uuid.UUID(order.account_id),
        "order_billing_account_id": _uuid_or_none(order.billing_account_id),
        "product_billing_account_id": _uuid_or_none(product.billing_account_id),
        "bill_to_account_id": uuid.UUID(bill_to),
        "currency": order.currency,
        "payment_term": order.payment_term,
        "po_number": order.po_number,
        "legal_entity": order.legal_entity,
        "invoice_grouping": product.invoice_grouping,
        "invoice_group_id": product.invoice_group_id,
        "contract_id": _uuid_or_none(activated.contract.id),
        "contract_number": activated.contract.number,
        "charge_type": product.charge_type,
        "billing_type": product.billing_type,
        "billing_frequency": product.billing_frequency,
        "tax_code": product.tax_code,
        "quantity": product.quantity,
        "net_unit_price": product.net_unit_price,
        "monthly_amount": product.monthly_amount,
        "amount": product.amount,
        "start_date": product.start_date,
        "end_date": product.end_date,
        "billing_day_of_month": order.billing_day_of_month,
    }


async def list_billing_schedules(
    session: AsyncSession,
    page: PageRequest,
    *,
    order_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    bill_to_account_id: uuid.UUID | None,
) -> tuple[list[BillingSchedulePublic], str | None]:
    schedules, next_cursor = await repository.page_of_schedules(
        session,
        page,
        order_id=order_id,
        account_id=account_id,
        bill_to_account_id=bill_to_account_id,
    )
    periods = await repository.periods_by_schedule(session, [s.id for s in schedules])
    return [
        BillingSchedulePublic.model_validate(
            {
                **schedule.model_dump(),
                "periods": [BillingPeriodPublic.model_validate(p) for p in periods[schedule.id]],
            }
        )
        for schedule in schedules
    ], next_cursor


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
