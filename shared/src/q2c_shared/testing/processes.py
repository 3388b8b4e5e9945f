"""Run a service as operators do: its own uvicorn process, migrated database, real broker.

For tests of two services together (tests/e2e, and a service's tests that call another one over
HTTP, such as quote-svc reading contracts from order-svc). `testing.service` runs one service
in-process instead; a second service gets a process of its own, so each process only ever
imports its own tables (docs/adr/0001).
"""

import contextlib
import json
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from q2c_shared.testing.service import TEST_API_KEY

if TYPE_CHECKING:
    from q2c_devstack._process import ManagedProcess

_WORKSPACE = Path(__file__).resolve().parents[4]
"""The uv workspace root when q2c_shared is installed from it (editable), as in every test."""


def service_env(
    *,
    database_url: str,
    bootstrap_servers: str,
    topic_prefix: str,
    port: int,
) -> dict[str, str]:
    """The environment of a service process under test: nothing inherited but PATH and HOME."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path.home()),
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "Q2C_API_KEYS": TEST_API_KEY,
        "PORT": str(port),
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        "KAFKA_HEARTBEAT_INTERVAL_MS": "300",
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class ServiceProcess:
    """`<name>_svc.app:create_app` under uvicorn on `port`, its output in `log_path`."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: "ManagedProcess | None" = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> httpx.AsyncClient:
        """An authenticated client of the service."""
        return httpx.AsyncClient(
            base_url=self.base_url,
            timeout=10,
            headers={"Authorization": f"Bearer {TEST_API_KEY}"},
        )

    def start(self) -> None:
        from q2c_devstack._process import ManagedProcess

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
            cwd=_WORKSPACE if (_WORKSPACE / "pyproject.toml").exists() else None,
            stdout=log,
            stderr=log,
            owned_files=[log],
        )
        self.wait_ready()

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, then wait for the process to end (killed after `timeout`, by default 15 s):
        its exit code, None when it was not running. After its graceful shutdown uvicorn
        re-raises the SIGTERM, so a graceful end is `-SIGTERM`; a kill is `-SIGKILL`."""
        if self.process is None:
            return None
        code = self.process.stop(timeout)
        self.process = None
        return code

    def log_lines(self) -> list[dict[str, Any]]:
        """The process's log as records, when it runs with `LOG_FORMAT=json` (other lines,
        such as a traceback printed before logging was configured, are left out)."""
        records = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    records.append(json.loads(line))
        return records

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
