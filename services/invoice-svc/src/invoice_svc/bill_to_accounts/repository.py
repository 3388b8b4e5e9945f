"""Bill-to account read model data access."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bulk_sql import one_of
from invoice_svc.core.tax import BillToTaxProfile
from invoice_svc.models import BillToAccount


async def upsert_bill_to_account(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the account, or overwrite it when `values` come from a newer event than the row's
    (`source_event_time`); False when the row was newer or as new and stayed as it was.

    The comparison is in the statement, not in Python: two deliveries racing each other, or an
    old event redelivered after a newer one, can never put an older version back.
    """
    table = BillToAccount.__table__
    statement = insert(table).values(**values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.account_id],
        set_={
            **{name: excluded[name] for name in values if name != "account_id"},
            "updated_at": func.now(),
        },
        where=table.c.source_event_time < excluded.source_event_time,
    ).returning(table.c.account_id)
    return (await session.execute(statement)).first() is not None


async def bill_to_accounts(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, BillToAccount]:
    """The read model's rows of these accounts (the ones it has)."""
    result = await session.execute(
        select(BillToAccount).where(one_of(BillToAccount.account_id, account_ids))
    )
    return {account.account_id: account for account in result.scalars()}


async def tax_profiles(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[str, BillToTaxProfile]:
    """What tax needs of these bill-to accounts (the ones the read model has), by id string as
    grouping spells bill-to accounts."""
    table = BillToAccount.__table__
    address = table.c.billing_address
    # Only the two fields tax needs, read out in SQL: no JSON document decoded per account.
    result = await session.execute(
        select(
            table.c.account_id,
            address["country"].astext,
            address["region"].astext,
            table.c.tax_exempt,
        ).where(one_of(table.c.account_id, account_ids))
    )
    return {
        str(account_id): BillToTaxProfile.of(
            billing_address={"country": country, "region": region}, tax_exempt=tax_exempt
        )
        for account_id, country, region, tax_exempt in result
    }
