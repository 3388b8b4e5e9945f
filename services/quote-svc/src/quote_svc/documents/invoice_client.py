"""invoice-svc as the quote document reads it: the invoices a run would make, over HTTP.

`POST /v1/invoices/preview` drafts and taxes an order that does not exist yet (the quote's) with
the same code as an invoice run, invoices and credit notes, and writes nothing. Called with the
service's own bearer key and a timeout; invoice-svc being down, slow or answering nonsense is a
503 `invoice_service_unavailable` (nothing is rendered: a quote document must not promise invoices
that nobody checked).
"""

import logging
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from pydantic import BaseModel, Field

from quote_svc.errors import InvoiceServiceUnavailable, QuoteNotInvoiceable
from quote_svc.settings import QuoteSettings

logger = logging.getLogger(__name__)


class PreviewedLine(BaseModel):
    """An invoice line as invoice-svc would write it."""

    order_product_id: uuid.UUID | None
    """The quote line it bills (the proposed order product is named after it)."""
    description: str
    period_start: date
    period_end: date
    amount: Decimal
    tax_rate_percent: Decimal | None
    tax_amount: Decimal


class PreviewedInvoice(BaseModel):
    """An invoice as an invoice run would draft it: split, dated and taxed."""

    account_id: uuid.UUID
    """The bill-to account."""
    currency: str
    invoice_date: date
    due_date: date
    lines: list[PreviewedLine] = Field(min_length=1)
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    grouping: dict[str, Any]


class PreviewedCreditNote(BaseModel):
    """A credit note as an invoice run would issue it for a bill-to whose credits (an
    amendment's removed quantity) outweigh its charges: its lines show what is credited, as
    positive amounts."""

    account_id: uuid.UUID
    """The bill-to account credited."""
    currency: str
    issue_date: date
    lines: list[PreviewedLine] = Field(min_length=1)
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    grouping: dict[str, Any]


class PreviewAnswer(BaseModel):
    """What a run would make: invoices, and credit notes where credits outweigh charges."""

    items: list[PreviewedInvoice]
    credit_notes: list[PreviewedCreditNote] = []


def _api_key(settings: QuoteSettings) -> str | None:
    if settings.invoice_service_api_key:
        return settings.invoice_service_api_key
    return settings.q2c_api_keys[0] if settings.q2c_api_keys else None


def _unavailable(settings: QuoteSettings, reason: str) -> InvoiceServiceUnavailable:
    logger.warning("invoice-svc at %s: %s", settings.invoice_service_url, reason)
    return InvoiceServiceUnavailable(
        f"invoice-svc, which drafts the quote's first invoices, {reason}; try again shortly."
    )


async def preview_invoices(
    settings: QuoteSettings, requests: list[dict[str, Any]]
) -> list[PreviewAnswer]:
    """The invoices and credit notes invoice-svc would make for each preview request (bodies of
    `POST /v1/invoices/preview`), in the order asked; a 503 problem when invoice-svc cannot say
    (unreachable, timed out, refusing the request or our key, or answering what we cannot read).
    """
    key = _api_key(settings)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    timeout = settings.invoice_service_timeout_seconds
    answers: list[PreviewAnswer] = []
    try:
        async with httpx.AsyncClient(
            base_url=settings.invoice_service_url, headers=headers, timeout=timeout
        ) as client:
            # One after another on one connection: at most three small requests per document.
            for body in requests:
                response = await client.post("/v1/invoices/preview", json=body)
                answers.append(_read(settings, response))
    except httpx.TimeoutException:
        raise _unavailable(settings, f"did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise _unavailable(settings, f"is unreachable ({type(error).__name__})") from None
    return answers


def _read(settings: QuoteSettings, response: httpx.Response) -> PreviewAnswer:
    if response.status_code == 422:
        # invoice-svc read the quote and refuses it (its dates or amounts past what an invoice
        # may hold): asking again will not help, so it is not a 503.
        raise QuoteNotInvoiceable(
            "invoice-svc cannot draft this quote's first invoices, so its document cannot show "
            f"them: {_detail(response)}"
        )
    if response.status_code != 200:
        raise _unavailable(settings, f"answered {response.status_code}")
    try:
        return PreviewAnswer.model_validate(response.json())
    except ValueError:  # not JSON, or not a preview (pydantic's ValidationError is one)
        raise _unavailable(settings, "answered with a preview quote-svc cannot read") from None


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail)[:1000] if detail else "no reason given"
