"""The quote document route: a quote as the customer signs it, as a PDF."""

import uuid

from fastapi import APIRouter, Response

from q2c_shared.db import SessionDep
from q2c_shared.edge import DOCUMENT_DEADLINE_SECONDS, longer_deadline
from quote_svc.documents.service import quote_document
from quote_svc.errors import (
    InvoiceServiceUnavailable,
    QuoteNotFound,
    QuoteNotInvoiceable,
    problem_responses,
)
from quote_svc.settings import SettingsDep

router = APIRouter(prefix="/quotes", tags=["quotes"])


@router.get(
    "/{quote_id}/pdf",
    summary="Get a quote as a signable PDF document",
    openapi_extra=longer_deadline(DOCUMENT_DEADLINE_SECONDS),
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}},
        **problem_responses(QuoteNotFound, QuoteNotInvoiceable, InvoiceServiceUnavailable),
    },
)
async def get_quote_pdf(
    quote_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> Response:
    """The quote as the customer signs it: lines, totals, terms, signature, and its first
    invoices as invoice-svc will bill them (split, dated and taxed by invoice-svc's preview).
    invoice-svc away: 503 `invoice_service_unavailable`; invoice-svc refusing to draft them (a
    due date past 2199-12-31, ...): 422 `quote_not_invoiceable`; either way nothing rendered."""
    document = await quote_document(session, settings, quote_id)
    return Response(
        document.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.number}.pdf"'},
    )
