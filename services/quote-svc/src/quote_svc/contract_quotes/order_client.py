"""order-svc as quote-svc reads it: a contract with its subscriptions, over HTTP.

Amendments and renewals start from the contract as order-svc has it now (quote-svc keeps no copy:
order-svc owns contracts). `GET /v1/contracts/{id}` with the service's own bearer key and a
timeout; order-svc being down, slow or answering nonsense is a 503 `order_service_unavailable`
(nothing was changed, try again), an unknown contract a 422 `unknown_contract`.
"""

import logging
import uuid
from datetime import date
from decimal import Decimal

import httpx
from pydantic import BaseModel

from quote_svc.errors import OrderServiceUnavailable, UnknownContract
from quote_svc.settings import QuoteSettings

logger = logging.getLogger(__name__)


class ContractSubscription(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    quantity: Decimal
    net_unit_price: Decimal
    start_date: date
    end_date: date | None = None


class Contract(BaseModel):
    """The fields of order-svc's `ContractPublic` that quotes build on (others are ignored)."""

    id: uuid.UUID
    number: str
    status: str
    account_id: uuid.UUID
    currency: str
    start_date: date
    end_date: date | None = None
    billing_day_of_month: int | None = None
    term_months: int | None = None
    payment_term: str | None = None
    billing_account_id: uuid.UUID | None = None
    po_number: str | None = None
    legal_entity: str | None = None
    quote_id: uuid.UUID | None = None
    subscriptions: list[ContractSubscription]


def _api_key(settings: QuoteSettings) -> str | None:
    if settings.order_service_api_key:
        return settings.order_service_api_key
    return settings.q2c_api_keys[0] if settings.q2c_api_keys else None


def _unavailable(settings: QuoteSettings, reason: str) -> OrderServiceUnavailable:
    logger.warning("order-svc at %s: %s", settings.order_service_url, reason)
    return OrderServiceUnavailable(
        f"order-svc, which holds contracts, {reason}; nothing was changed, try again shortly."
    )


async def fetch_contract(settings: QuoteSettings, contract_id: uuid.UUID) -> Contract:
    """The contract from order-svc, or a problem: 422 when it does not exist, 503 when order-svc
    cannot say (unreachable, timed out, refusing our key, or answering what we cannot read)."""
    key = _api_key(settings)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    timeout = settings.order_service_timeout_seconds
    try:
        async with httpx.AsyncClient(
            base_url=settings.order_service_url, headers=headers, timeout=timeout
        ) as client:
            response = await client.get(f"/v1/contracts/{contract_id}")
    except httpx.TimeoutException:
        raise _unavailable(settings, f"did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise _unavailable(settings, f"is unreachable ({type(error).__name__})") from None
    if response.status_code == 404:
        raise UnknownContract(f"Contract {contract_id} does not exist.")
    if response.status_code != 200:
        raise _unavailable(settings, f"answered {response.status_code}")
    try:
        return Contract.model_validate(response.json())
    except ValueError:  # not JSON, or not a contract (pydantic's ValidationError is one)
        raise _unavailable(settings, "answered with a contract quote-svc cannot read") from None
