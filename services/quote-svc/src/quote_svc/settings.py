"""quote-svc settings: the shared environment plus CPQ knobs."""

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field, FilePath

from q2c_shared.settings import ServiceSettings

DEFAULT_TERMS = """\
This quote is valid until its expiry date. Prices are fixed for the subscription term shown.
Recurring fees are invoiced from the start date on the billing day shown, in advance unless \
a line says otherwise; one-time fees are invoiced on the start date.
Invoices are payable within the payment term above. Amounts exclude taxes, which are added to \
invoices where they apply.
The subscription runs for the full term and cannot be cancelled before its end date except as \
agreed in writing.
Signing this quote accepts it and these terms, and forms a binding order for the products above."""


class QuoteSettings(ServiceSettings):
    service_name: str = "quote-svc"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/q2c_quote"
    port: int = 8001
    approval_discount_threshold_percent: Decimal = Field(
        Decimal("20"), description="A line discount above this sends the quote to review."
    )

    # order-svc, read for amendments and renewals (GET /v1/contracts/{id}).
    order_service_url: str = Field(
        "http://127.0.0.1:8002", description="Base URL of order-svc, which holds contracts."
    )
    order_service_api_key: str | None = Field(
        None, description="Bearer key for order-svc; unset: the first of Q2C_API_KEYS."
    )
    order_service_timeout_seconds: float = Field(
        5.0, gt=0, description="How long to wait for order-svc before answering 503."
    )

    # invoice-svc, asked for the quote document's first invoices (POST /v1/invoices/preview).
    invoice_service_url: str = Field(
        "http://127.0.0.1:8003",
        description="Base URL of invoice-svc, which drafts the first invoices a quote shows.",
    )
    invoice_service_api_key: str | None = Field(
        None, description="Bearer key for invoice-svc; unset: the first of Q2C_API_KEYS."
    )
    invoice_service_timeout_seconds: float = Field(
        5.0, gt=0, description="How long to wait for invoice-svc before answering 503."
    )

    # The quote document (GET /v1/quotes/{id}/pdf).
    document_brand_name: str = Field(
        "q2c", min_length=1, max_length=80, description="Name in the document's wordmark."
    )
    document_brand_color: str = Field(
        "#1F4E79",
        pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$",
        description="Hex colour for the wordmark, headings and rules.",
    )
    document_logo_path: FilePath | None = Field(
        None,
        description="PNG, JPEG or SVG logo file; unset: a text wordmark of the brand name.",
    )
    document_default_legal_entity: str = Field(
        "q2c Inc.", description="The seller when neither the quote nor its account names one."
    )
    document_seller_details: str = Field(
        "", description="Seller address, tax id and contact, one item per line."
    )
    document_footer: str = Field(
        "", description="Footer text on every page; unset: the seller and the quote number."
    )
    document_terms: str = Field(
        DEFAULT_TERMS, description="Terms and conditions on the quote, one paragraph per line."
    )
    document_page_size: Literal["A4", "Letter"] = "A4"


def _settings(request: Request) -> QuoteSettings:
    return request.app.state.settings


SettingsDep = Annotated[QuoteSettings, Depends(_settings)]
"""The running app's settings, for routes that need them."""
