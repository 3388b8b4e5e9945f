"""The whole suite as operators run it: four uvicorn processes, one PostgreSQL, one broker.

Each service gets its own database (migrated with alembic, as in production) and talks to the
others only through the real broker; the tests talk to them only over HTTP.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from q2c_devstack.servers import free_port
from q2c_shared.testing.processes import ServiceProcess, service_env
from q2c_shared.testing.service import migrate, unique_topic_prefix

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("quote", "order", "invoice", "payment")


@dataclass
class Suite:
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def client(self, name: str) -> httpx.AsyncClient:
        return self.services[name].client()


@pytest.fixture(scope="session")
def suite(postgres_server, kafka_broker, tmp_path_factory) -> Iterator[Suite]:
    logs = tmp_path_factory.mktemp("service-logs")
    prefix = unique_topic_prefix()
    suite = Suite()
    ports = {name: free_port() for name in SERVICE_NAMES}
    for name in SERVICE_NAMES:
        database = f"q2c_{name}_e2e"
        postgres_server.create_database(database)
        url = postgres_server.url(database)
        migrate(REPO_ROOT / "services" / f"{name}-svc", url)
        env = service_env(
            database_url=url,
            bootstrap_servers=kafka_broker.bootstrap_servers,
            topic_prefix=prefix,
            port=ports[name],
        )
        env["LOG_FORMAT"] = "json"  # as in production; the trace test reads the log lines
        if name == "quote":  # amendments and renewals read contracts from order-svc, and
            # the quote document's first invoices are drafted by invoice-svc
            env["ORDER_SERVICE_URL"] = f"http://127.0.0.1:{ports['order']}"
            env["INVOICE_SERVICE_URL"] = f"http://127.0.0.1:{ports['invoice']}"
        suite.services[name] = ServiceProcess(name, ports[name], env, logs / f"{name}-svc.log")
    try:
        for service in suite.services.values():
            service.start()
        yield suite
    finally:
        for service in suite.services.values():
            service.stop()
