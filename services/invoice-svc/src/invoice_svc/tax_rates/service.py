"""Tax rates: created once per jurisdiction and tax code, changed, listed."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.core.tax import jurisdiction_key
from invoice_svc.errors import TaxRateExists, TaxRateNotFound
from invoice_svc.models import TaxRate
from invoice_svc.tax_rates import repository
from invoice_svc.tax_rates.schemas import TaxRateCreate, TaxRateUpdate
from q2c_shared.ids import new_id
from q2c_shared.pagination import PageRequest


async def create_tax_rate(session: AsyncSession, body: TaxRateCreate) -> TaxRate:
    """A rate for a jurisdiction and tax code; one of them exists already: 409 (change it with
    PATCH instead). The database's unique index decides, so two racing requests make one."""
    values = {
        "id": new_id(),
        "country": body.country.upper(),
        "region": jurisdiction_key(body.region),
        "tax_code": body.tax_code,
        "rate_percent": body.rate_percent,
    }
    rate_id = await repository.insert_tax_rate(session, values)
    if rate_id is None:
        where = values["country"] + (f"/{values['region']}" if values["region"] else "")
        raise TaxRateExists(
            f"A tax rate for {where} and tax code {body.tax_code} exists already; change its "
            "rate with PATCH /v1/tax-rates/{id}."
        )
    rate = await session.get(TaxRate, rate_id)
    assert rate is not None  # inserted just now
    return rate


async def update_tax_rate(
    session: AsyncSession, tax_rate_id: uuid.UUID, body: TaxRateUpdate
) -> TaxRate:
    rate = await session.get(TaxRate, tax_rate_id, with_for_update=True)
    if rate is None:
        raise TaxRateNotFound(tax_rate_id)
    rate.rate_percent = body.rate_percent
    rate.updated_at = datetime.now(UTC)
    await session.flush()
    return rate


async def list_tax_rates(
    session: AsyncSession,
    page: PageRequest,
    *,
    country: str | None,
    tax_code: str | None,
) -> tuple[list[TaxRate], str | None]:
    return await repository.page_of_tax_rates(session, page, country=country, tax_code=tax_code)


async def get_tax_rate(session: AsyncSession, tax_rate_id: uuid.UUID) -> TaxRate:
    rate = await session.get(TaxRate, tax_rate_id)
    if rate is None:
        raise TaxRateNotFound(tax_rate_id)
    return rate
