"""The whole suite as operators run it: four uvicorn processes, one PostgreSQL, one broker.

Each service gets its own database (migrated with alembic, as in production) and talks to the
others only through the real broker; the tests talk to them only over HTTP (and, for the
poison-message case, to the broker). One stack per pytest session, shared by tests/e2e and
tests/reliability, which `make test` runs as one pytest process.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from q2c_devstack.servers import free_port
from q2c_shared.testing.processes import ServiceProcess, service_env
from q2c_shared.testing.service import TEST_API_KEY, migrate, unique_topic_prefix

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVICE_NAMES = ("quote", "order", "invoice", "payment")
STRIPE_WEBHOOK_SECRET = "whsec_q2c_suite_test_0123456789"
"""payment-svc's Stripe signing secret on the test stack (unset, the webhook answers 503)."""


@dataclass
class Suite:
    topic_prefix: str
    bootstrap_servers: str
    api_key: str = TEST_API_KEY
    stripe_webhook_secret: str = STRIPE_WEBHOOK_SECRET
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def client(self, name: str) -> httpx.AsyncClient:
        return self.services[name].client()

    def base_url(self, name: str) -> str:
        return self.services[name].base_url

    def topic(self, name: str) -> str:
        """A business topic as the stack names it (`q2c.accounts` with the stack's prefix)."""
        return self.topic_prefix + name


@pytest.fixture(scope="session")
def suite(postgres_server, kafka_broker, tmp_path_factory) -> Iterator[Suite]:
    logs = tmp_path_factory.mktemp("service-logs")
    suite = Suite(
        topic_prefix=unique_topic_prefix(), bootstrap_servers=kafka_broker.bootstrap_servers
    )
    ports = {name: free_port() for name in SERVICE_NAMES}
    for name in SERVICE_NAMES:
        database = f"q2c_{name}_e2e"
        postgres_server.create_database(database)
        url = postgres_server.url(database)
        migrate(REPO_ROOT / "services" / f"{name}-svc", url)
        env = service_env(
            database_url=url,
            bootstrap_servers=kafka_broker.bootstrap_servers,
            topic_prefix=suite.topic_prefix,
            port=ports[name],
        )
        env["LOG_FORMAT"] = "json"  # as in production; the trace test reads the log lines
        if name == "quote":  # amendments and renewals read contracts from order-svc, and
            # the quote document's first invoices are drafted by invoice-svc
            env["ORDER_SERVICE_URL"] = f"http://127.0.0.1:{ports['order']}"
            env["INVOICE_SERVICE_URL"] = f"http://127.0.0.1:{ports['invoice']}"
        if name == "payment":
            env["STRIPE_WEBHOOK_SECRET"] = STRIPE_WEBHOOK_SECRET
        suite.services[name] = ServiceProcess(name, ports[name], env, logs / f"{name}-svc.log")
    try:
        for service in suite.services.values():
            service.start()
        yield suite
    finally:
        for service in suite.services.values():
            service.stop()
