"""Bill-to account read model data access."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bulk_sql import one_of
from invoice_svc.core.tax import BillToTaxProfile
from invoice_svc.models import BillToAccount
from q2c_shared.read_models import upsert_newer


async def upsert_bill_to_account(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the account, or overwrite it with a newer version (`read_models.upsert_newer`);
    False when the row was as new or newer and stayed as it was."""
    return await upsert_newer(session, BillToAccount.__table__, values, key="account_id")


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
