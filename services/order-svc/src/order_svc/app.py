"""order-svc: orders, contracts and subscriptions."""

from fastapi import FastAPI

from order_svc.contracts.endpoints import router as contracts
from order_svc.handlers import CONSUMED_TOPICS, HANDLERS
from order_svc.orders.endpoints import router as orders
from order_svc.settings import OrderSettings
from q2c_shared.app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="order-svc",
    title="q2c order-svc",
    description="Orders (from `QuoteAccepted` or direct), their activation into contracts and "
    "subscriptions. Activation emits `OrderActivated` on `q2c.orders`.",
    routers=[orders, contracts],
    handlers=HANDLERS,
    consumed_topics=CONSUMED_TOPICS,
    openapi_tags=[
        {"name": "orders", "description": "Orders and their order products."},
        {"name": "contracts", "description": "Contracts and subscriptions."},
    ],
)


def create_app(settings: OrderSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or OrderSettings())
