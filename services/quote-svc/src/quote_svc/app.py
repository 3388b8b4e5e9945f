"""quote-svc: accounts, catalog and quotes (the CPQ front of q2c)."""

from fastapi import FastAPI

from q2c_shared.app import ServiceSpec, create_service_app
from quote_svc.endpoints import routers
from quote_svc.settings import QuoteSettings

SPEC = ServiceSpec(
    name="quote-svc",
    title="q2c quote-svc",
    description="Accounts, products, price books and quotes. Accepting a quote emits "
    "`QuoteAccepted` on `q2c.quotes`, from which order-svc creates the order.",
    routers=routers,
    openapi_tags=[
        {"name": "accounts", "description": "Customers and their billing details."},
        {"name": "catalog", "description": "Products and price books."},
        {"name": "quotes", "description": "Quotes from draft to accepted."},
    ],
)


def create_app(settings: QuoteSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or QuoteSettings())
