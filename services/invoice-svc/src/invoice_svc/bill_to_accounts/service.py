"""Keeping the bill-to accounts read model from quote-svc's account events."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bill_to_accounts import repository
from q2c_shared.events import contracts


async def record_account(
    session: AsyncSession, account: contracts.AccountSnapshot, *, event_time: datetime
) -> bool:
    """Keep the newest known version of a quote-svc account: written unless the row already
    holds an event at least as new (`event_time` is the CloudEvents `time`), so a redelivered
    or late older event never puts an old address or tax exemption back. True when written."""
    return await repository.upsert_bill_to_account(
        session,
        {
            "account_id": uuid.UUID(account.id),
            "name": account.name,
            "currency": account.currency,
            "email": account.email,
            "billing_address": (
                account.billing_address.model_dump(mode="json")
                if account.billing_address is not None
                else None
            ),
            "payment_term": account.payment_term,
            "legal_entity": account.legal_entity,
            "tax_exempt": account.tax_exempt,
            "source_event_time": event_time,
        },
    )
