"""Tax rate routes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from invoice_svc.errors import TaxRateExists, TaxRateNotFound, problem_responses
from invoice_svc.tax_rates import service
from invoice_svc.tax_rates.schemas import TaxRateCreate, TaxRatePublic, TaxRateUpdate
from q2c_shared.bounds import NO_NUL_PATTERN
from q2c_shared.db import SessionDep
from q2c_shared.idempotency import IdempotencyDep
from q2c_shared.pagination import Page, PageDep

router = APIRouter(prefix="/tax-rates", tags=["tax rates"])


@router.post(
    "",
    status_code=201,
    response_model=TaxRatePublic,
    summary="Create a tax rate",
    responses=problem_responses(TaxRateExists),
)
async def create_tax_rate(
    body: TaxRateCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """The percent a product tax code bears in a country, or in one region of it (which then
    beats the country's rate there). Invoice lines are taxed at the rate of the bill-to
    account's billing address and the product's tax code, rounded per line; tax-exempt accounts,
    accounts without an address and products without a tax code bear none. A rate for the same
    country, region and tax code exists: 409 `tax_rate_exists` (change it with PATCH). A retry
    with the same `Idempotency-Key` and body answers the rate it created."""

    async def create() -> TaxRatePublic:
        return TaxRatePublic.model_validate(await service.create_tax_rate(session, body))

    return await idempotency.respond(session, create, status_code=201)


@router.get("", summary="List tax rates")
async def list_tax_rates(
    session: SessionDep,
    page: PageDep,
    country: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z]{2}$",
            description="Only this country's rates (ISO 3166-1 alpha-2, any case).",
        ),
    ] = None,
    tax_code: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=50,
            pattern=NO_NUL_PATTERN,
            description="Only the rates of this tax code.",
        ),
    ] = None,
) -> Page[TaxRatePublic]:
    """The tax rates, newest first. A `cursor` this API did not give out, a `country` that is
    not two letters or a `tax_code` with a NUL: 422."""
    rows, next_cursor = await service.list_tax_rates(
        session, page, country=country, tax_code=tax_code
    )
    return Page(items=[TaxRatePublic.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{tax_rate_id}", summary="Get a tax rate", responses=problem_responses(TaxRateNotFound)
)
async def get_tax_rate(tax_rate_id: uuid.UUID, session: SessionDep) -> TaxRatePublic:
    """One tax rate. Unknown id: 404."""
    return TaxRatePublic.model_validate(await service.get_tax_rate(session, tax_rate_id))


@router.patch(
    "/{tax_rate_id}",
    summary="Change a tax rate",
    responses=problem_responses(TaxRateNotFound),
)
async def update_tax_rate(
    tax_rate_id: uuid.UUID, body: TaxRateUpdate, session: SessionDep
) -> TaxRatePublic:
    """A new percent for the rate's country, region and tax code. Posted invoices keep the rate
    they were taxed at; drafts are taxed again when they are posted. Unknown id: 404."""
    return TaxRatePublic.model_validate(await service.update_tax_rate(session, tax_rate_id, body))
