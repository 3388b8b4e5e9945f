"""The whole suite as operators run it: four uvicorn processes, one PostgreSQL, one broker.

Each service gets its own database (migrated with alembic, as in production) and talks to the
others only through the real broker; the tests talk to them only over HTTP.
"""

import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from q2c_devstack._process import ManagedProcess
from q2c_devstack.servers import free_port
from q2c_shared.testing.service import TEST_API_KEY, migrate, unique_topic_prefix

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("quote", "order", "invoice", "payment")


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: ManagedProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = ManagedProcess(
            f"{self.name}-svc",
            [
                sys.executable,
                "-m",
                "uvicorn",
                f"{self.name}_svc.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stop_signal=signal.SIGTERM,
            stop_timeout=15,
            env=self.env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=log,
            owned_files=[log],
        )
        self.wait_ready()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /readyz says the database and the broker are reachable."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log_tail()
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name}-svc not ready in {timeout}s\n{self.log_tail()}")

    def log_tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-40:])


@dataclass
class Suite:
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.services[name].base_url,
            timeout=10,
            headers={"Authorization": f"Bearer {TEST_API_KEY}"},
        )


@pytest.fixture(scope="session")
def suite(postgres_server, kafka_broker, tmp_path_factory) -> Iterator[Suite]:
    logs = tmp_path_factory.mktemp("service-logs")
    prefix = unique_topic_prefix()
    suite = Suite()
    for name in SERVICE_NAMES:
        database = f"q2c_{name}_e2e"
        postgres_server.create_database(database)
        url = postgres_server.url(database)
        migrate(REPO_ROOT / "services" / f"{name}-svc", url)
        port = free_port()
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(Path.home()),
            "DATABASE_URL": url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_broker.bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": prefix,
            "Q2C_API_KEYS": TEST_API_KEY,
            "PORT": str(port),
            "KAFKA_SESSION_TIMEOUT_MS": "2000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "300",
            "PYTHONUNBUFFERED": "1",
        }
        suite.services[name] = ServiceProcess(name, port, env, logs / f"{name}-svc.log")
    try:
        for service in suite.services.values():
            service.start()
        yield suite
    finally:
        for service in suite.services.values():
            service.stop()
