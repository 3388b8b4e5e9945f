"""quote-svc: accounts, catalog and quotes (the CPQ front of q2c)."""

from fastapi import FastAPI

from q2c_shared.app import ServiceSpec, create_service_app
from quote_svc.accounts.endpoints import router as accounts
from quote_svc.catalog.endpoints import price_books, products
from quote_svc.documents.endpoints import router as documents
from quote_svc.quotes.endpoints import router as quotes
from quote_svc.settings import QuoteSettings

SPEC = ServiceSpec(
    name="quote-svc",
    title="q2c quote-svc",
    description="Accounts, products, price books and quotes. Accepting a quote emits "
    "`QuoteAccepted` on `q2c.quotes`, from which order-svc creates the order.",
    routers=[accounts, products, price_books, quotes, documents],
    openapi_tags=[
        {"name": "accounts", "description": "Customers and their billing details."},
        {"name": "catalog", "description": "Products and price books."},
        {"name": "quotes", "description": "Quotes from draft to accepted."},
    ],
)


def create_app(settings: QuoteSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or QuoteSettings())
