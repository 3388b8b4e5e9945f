"""Tax rate data access."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.core.tax import TaxRate as TaxRateRule
from invoice_svc.core.tax import TaxRateTable
from invoice_svc.models import TaxRate
from q2c_shared.pagination import PageRequest, fetch_page


async def insert_tax_rate(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Insert a tax rate; None when its jurisdiction and tax code have one already."""
    table = TaxRate.__table__
    return await session.scalar(
        insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    )


async def tax_rate_table(session: AsyncSession) -> TaxRateTable:
    """Every tax rate in force (a table of a few hundred rows at most), ready for lookups."""
    table = TaxRate.__table__
    result = await session.execute(
        select(table.c.country, table.c.region, table.c.tax_code, table.c.rate_percent)
    )
    return TaxRateTable(
        TaxRateRule(country=country, region=region, tax_code=tax_code, rate_percent=rate)
        for country, region, tax_code, rate in result
    )


async def page_of_tax_rates(
    session: AsyncSession,
    page: PageRequest,
    *,
    country: str | None,
    tax_code: str | None,
) -> tuple[list[TaxRate], str | None]:
    """A page of tax rates, newest first, by the filters given (None: not filtered)."""
    statement = select(TaxRate)
    if country is not None:
        statement = statement.where(TaxRate.country == country.upper())
    if tax_code is not None:
        statement = statement.where(TaxRate.tax_code == tax_code)
    return await fetch_page(session, statement, TaxRate.id, page)
