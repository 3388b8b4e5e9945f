from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from q2c_shared.testing.processes import ServiceProcess, service_env
from q2c_shared.testing.service import (
    RunningService,
    define_service_fixtures,
    migrated_database,
    running_service,
    unique_topic_prefix,
)
from quote_svc.app import create_app
from quote_svc.settings import QuoteSettings

SERVICE_DIR = Path(__file__).resolve().parents[1]

database_url, settings, service = define_service_fixtures(
    create_app=create_app,
    settings_class=QuoteSettings,
    service_dir=SERVICE_DIR,
    database_name="quote_test",
)


@pytest.fixture(scope="session")
def order_service(postgres_server, kafka_broker, tmp_path_factory) -> Iterator[ServiceProcess]:
    """A real order-svc, as operators run it (its own process and migrated database), for the
    contracts amendments and renewals read. It turns quotes accepted under its topic prefix
    into orders, so a test makes a contract the way customers do: accept, then activate."""
    yield from _running_service("order", postgres_server, kafka_broker, tmp_path_factory)


@pytest.fixture
async def with_orders(
    settings: QuoteSettings, order_service: ServiceProcess
) -> AsyncIterator[RunningService]:
    """quote-svc reading contracts from the real order-svc and publishing where it listens."""
    wired = settings.model_copy(
        update={
            "order_service_url": order_service.base_url,
            "kafka_topic_prefix": order_service.env["KAFKA_TOPIC_PREFIX"],
        }
    )
    async with running_service(create_app(wired)) as running:
        yield running


@pytest.fixture(scope="session")
def invoice_service(postgres_server, kafka_broker, tmp_path_factory) -> Iterator[ServiceProcess]:
    """A real invoice-svc, as operators run it, for the quote document's first invoices (its
    preview). It keeps the bill-to accounts quote-svc announces under its topic prefix, so the
    document's tax follows the account's address as an invoice's does."""
    yield from _running_service("invoice", postgres_server, kafka_broker, tmp_path_factory)


def _running_service(
    name: str, postgres_server, kafka_broker, tmp_path_factory
) -> Iterator[ServiceProcess]:
    """`<name>-svc` under uvicorn on a migrated database of its own and the real broker (under a
    topic prefix of its own), stopped after the session."""
    from q2c_devstack.servers import free_port

    service_dir = SERVICE_DIR.parent / f"{name}-svc"
    port = free_port()
    process = ServiceProcess(
        name,
        port,
        service_env(
            database_url=migrated_database(postgres_server, service_dir, f"{name}_for_quote_test"),
            bootstrap_servers=kafka_broker.bootstrap_servers,
            topic_prefix=unique_topic_prefix(),
            port=port,
        ),
        tmp_path_factory.mktemp(f"{name}-svc") / f"{name}-svc.log",
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
async def with_invoices(
    settings: QuoteSettings, invoice_service: ServiceProcess
) -> AsyncIterator[RunningService]:
    """quote-svc asking the real invoice-svc for first invoices and announcing its accounts
    where invoice-svc listens."""
    wired = settings.model_copy(
        update={
            "invoice_service_url": invoice_service.base_url,
            "kafka_topic_prefix": invoice_service.env["KAFKA_TOPIC_PREFIX"],
        }
    )
    async with running_service(create_app(wired)) as running:
        yield running


@pytest.fixture
async def with_orders_and_invoices(
    settings: QuoteSettings, order_service: ServiceProcess, invoice_service: ServiceProcess
) -> AsyncIterator[RunningService]:
    """quote-svc reading contracts from the real order-svc (and publishing where it listens),
    its documents' first invoices drafted by the real invoice-svc. invoice-svc hears of no
    account of quote-svc's here, so it taxes none."""
    wired = settings.model_copy(
        update={
            "order_service_url": order_service.base_url,
            "kafka_topic_prefix": order_service.env["KAFKA_TOPIC_PREFIX"],
            "invoice_service_url": invoice_service.base_url,
        }
    )
    async with running_service(create_app(wired)) as running:
        yield running
