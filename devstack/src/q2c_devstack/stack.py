"""The whole suite on one machine, in the foreground: `q2c-dev run` and `q2c-dev servers`.

Start-up is a straight sequence of steps, each logged; everything started is pushed onto an
`ExitStack`, so teardown runs in reverse (services, broker, PostgreSQL) whatever ended the run:
Ctrl-C, SIGTERM, a service that died, or a bug in here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

import httpx

from q2c_devstack._console import Console
from q2c_devstack._process import ManagedProcess, child_env, stop_all
from q2c_devstack.servers import EmbeddedPostgres, ServerStartError, TansuBroker, port_accepts

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PG_PORT = 55432
DEFAULT_KAFKA_PORT = 9092
SERVICE_STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Service:
    """One of the four services and the names derived from it."""

    name: str
    port: int

    @property
    def service_name(self) -> str:
        return f"{self.name}-svc"

    @property
    def module(self) -> str:
        return f"{self.name}_svc"

    @property
    def database(self) -> str:
        return f"q2c_{self.name}"

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


SERVICES: tuple[Service, ...] = (
    Service("quote", 8001),
    Service("order", 8002),
    Service("invoice", 8003),
    Service("payment", 8004),
)


@dataclass(frozen=True)
class StackOptions:
    var_dir: Path
    pg_port: int = DEFAULT_PG_PORT
    kafka_port: int = DEFAULT_KAFKA_PORT
    start_services: bool = True
    fast: bool = False
    health_timeout: float = 60.0
    repo_root: Path | None = None


class StackError(RuntimeError):
    """A start-up step or a running component failed; the message is for the user."""


class StopRequested(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException so no `except Exception` can swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# -- signals ---------------------------------------------------------------------------------


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signum)


def _note_stop_in_progress(signum: int, frame: FrameType | None) -> None:
    logger.warning(
        "%s ignored: already shutting down (services get %.0f s, PostgreSQL 30 s)",
        signal.Signals(signum).name,
        SERVICE_STOP_TIMEOUT,
    )


@contextlib.contextmanager
def _signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """Route SIGINT and SIGTERM to `handler`, restoring the previous handlers afterwards."""
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _foreground(body: Callable[[ExitStack], int]) -> int:
    """Run `body(stack)` until it returns, fails or is interrupted; then tear everything down.

    Returns the process exit code: 0 after Ctrl-C/SIGTERM, 1 after a failure.
    """
    stack = ExitStack()
    with _signals(_raise_stop):
        try:
            return body(stack)
        except StopRequested as stop:
            logger.info("received %s: shutting down", stop)
            return 0
        except (StackError, ServerStartError) as err:
            logger.error("%s", err)
            return 1
        finally:
            with _signals(_note_stop_in_progress):
                stack.close()
            logger.info("all processes stopped")


# -- start-up steps --------------------------------------------------------------------------


def find_repo_root() -> Path:
    """The workspace root (holds `services/`): from this package's location, else the cwd.

    In the editable workspace install, this file lives at <root>/devstack/src/q2c_devstack/.
    """
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / "services").is_dir() and (candidate / "pyproject.toml").is_file():
                return candidate
    raise StackError("cannot find the q2c workspace root (a folder with services/); run from it")


def start_postgres(stack: ExitStack, options: StackOptions) -> EmbeddedPostgres:
    logger.info(
        "starting PostgreSQL on %s:%d (data in %s)",
        HOST,
        options.pg_port,
        options.var_dir / "postgres",
    )
    postgres = EmbeddedPostgres(
        options.var_dir / "postgres",
        port=options.pg_port,
        host=HOST,
        log_path=options.var_dir / "postgres.log",
        fast=options.fast,
    )
    stack.callback(postgres.stop)
    postgres.start()
    return postgres


def start_broker(stack: ExitStack, options: StackOptions) -> TansuBroker:
    logger.info("starting the Kafka broker (Tansu) on %s:%d", HOST, options.kafka_port)
    broker = TansuBroker(port=options.kafka_port, host=HOST, log_path=options.var_dir / "tansu.log")
    stack.callback(broker.stop)
    broker.start()
    return broker


def start_or_find_broker(stack: ExitStack, options: StackOptions) -> tuple[str, TansuBroker | None]:
    """Our own Tansu broker, unless KAFKA_BOOTSTRAP_SERVERS points at a cluster already."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if external:
        logger.info("using the Kafka cluster at %s (from KAFKA_BOOTSTRAP_SERVERS)", external)
        return external, None
    broker = start_broker(stack, options)
    return broker.bootstrap_servers, broker


def create_databases(postgres: EmbeddedPostgres) -> dict[Service, str]:
    """One database per service (each owns its own); returns the service's DATABASE_URL."""
    urls: dict[Service, str] = {}
    for service in SERVICES:
        created = postgres.create_database(service.database)
        logger.info("database %s %s", service.database, "created" if created else "exists")
        urls[service] = postgres.url(service.database)
    return urls


def migrate(console: Console, repo_root: Path, urls: dict[Service, str]) -> None:
    """`alembic upgrade head` per service: a no-op when the schema is already current."""
    for service, url in urls.items():
        ini = repo_root / "services" / service.service_name / "alembic.ini"
        if not ini.is_file():
            logger.warning(
                "%s has no %s yet: skipping its migrations",
                service.service_name,
                ini.relative_to(repo_root),
            )
            continue
        logger.info("migrating %s (alembic upgrade head)", service.database)
        result = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(ini), "upgrade", "head"],
            cwd=repo_root,
            env=child_env({"DATABASE_URL": url, "SERVICE_NAME": service.service_name}),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        for line in result.stdout.splitlines():
            console.line(service.service_name, line)
        if result.returncode != 0:
            raise StackError(
                f"migrations of {service.service_name} failed (exit code {result.returncode})"
            )


def create_topics(bootstrap_servers: str) -> None:
    """The contract topics and their dead-letter twins (a fresh in-memory broker has none)."""
    from q2c_shared.events.topics import all_topics, ensure_topics

    topics = all_topics(os.environ.get("KAFKA_TOPIC_PREFIX", ""))
    logger.info("ensuring %d topics on %s", len(topics), bootstrap_servers)
    try:
        asyncio.run(asyncio.wait_for(ensure_topics(bootstrap_servers, topics), timeout=30))
    except Exception as err:  # noqa: BLE001 - any failure here means "the broker is unusable"
        raise StackError(f"could not create topics on {bootstrap_servers}: {err!r}") from err


def api_key(var_dir: Path, console: Console) -> str:
    """Q2C_API_KEYS from the environment, else the key kept in <var>/api-key (made once)."""
    from_env = os.environ.get("Q2C_API_KEYS", "").strip()
    if from_env:
        logger.info("using the API keys from Q2C_API_KEYS")
        return from_env
    path = var_dir / "api-key"
    if path.is_file() and path.read_text().strip():
        logger.info("using the API key in %s", path)
        return path.read_text().strip()
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    rule = "=" * 78
    console.block(
        "q2c-dev",
        [
            rule,
            f"  New API key, saved in {path} (mode 0600):",
            f"      {key}",
            "  Every /v1 call needs it, e.g.:",
            f'      curl -H "Authorization: Bearer {key}" {SERVICES[0].base_url}/v1/accounts',
            rule,
        ],
    )
    return key


# -- services --------------------------------------------------------------------------------


def _pump(console: Console, name: str, stream: IO[bytes]) -> None:
    """Copy a child's output to the console, line by line, under its tag."""
    with stream:
        for raw in iter(stream.readline, b""):
            console.line(name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))


@dataclass
class RunningService:
    service: Service
    process: ManagedProcess
    pump: threading.Thread


def start_service(
    console: Console, repo_root: Path, service: Service, env: dict[str, str]
) -> RunningService:
    if port_accepts(HOST, service.port):
        raise StackError(
            f"cannot start {service.service_name}: port {service.port} is in use "
            "(is another q2c-dev running?)"
        )
    logger.info("starting %s on %s", service.service_name, service.base_url)
    process = ManagedProcess(
        service.service_name,
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"{service.module}.app:create_app",
            "--factory",
            "--host",
            HOST,
            "--port",
            str(service.port),
        ],
        stop_signal=signal.SIGTERM,
        stop_timeout=SERVICE_STOP_TIMEOUT,
        env=child_env(
            {
                **env,
                "PORT": str(service.port),
                "SERVICE_NAME": service.service_name,
                "PYTHONUNBUFFERED": "1",
            }
        ),
        cwd=repo_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.popen.stdout is not None
    pump = threading.Thread(
        target=_pump,
        args=(console, service.service_name, process.popen.stdout),
        name=f"pump-{service.name}",
        daemon=True,
    )
    pump.start()
    return RunningService(service, process, pump)


def stop_services(running: list[RunningService]) -> None:
    """SIGTERM all services together, kill after 15 s, then drain their last output lines."""
    if not running:
        return
    logger.info("stopping %s", ", ".join(item.service.service_name for item in running))
    stop_all([item.process for item in running], SERVICE_STOP_TIMEOUT)
    for item in running:
        item.pump.join(timeout=2)


def _check_alive(running: list[RunningService]) -> None:
    for item in running:
        code = item.process.poll()
        if code is not None:
            raise StackError(
                f"{item.service.service_name} exited unexpectedly with exit code "
                f"{code} (its output is above); shutting everything down"
            )


def wait_healthy(running: list[RunningService], timeout: float) -> None:
    """Poll GET /healthz on every service until all answer 200, or fail at the deadline."""
    pending = {item.service for item in running}
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while pending:
            _check_alive(running)
            for service in sorted(pending, key=lambda s: s.port):
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{service.base_url}/healthz").status_code == 200:
                        logger.info("%s is healthy", service.service_name)
                        pending.discard(service)
            if pending and time.monotonic() >= deadline:
                names = ", ".join(s.service_name for s in sorted(pending, key=lambda s: s.port))
                raise StackError(f"not healthy within {timeout:.0f} s: {names}")
            if pending:
                time.sleep(0.3)


def print_summary(
    console: Console, postgres: EmbeddedPostgres, bootstrap: str, key: str, services: bool
) -> None:
    databases = ",".join(service.name for service in SERVICES)
    rows = [
        ("PostgreSQL", postgres.url(f"q2c_{{{databases}}}", driver="postgresql")),
        ("Kafka", bootstrap),
    ]
    if services:
        rows += [(s.service_name, f"{s.base_url}/docs") for s in SERVICES]
    width = max(len(name) for name, _ in rows)
    lines = ["", "q2c is running:"]
    lines += [f"  {name:<{width}}  {value}" for name, value in rows]
    if services:
        lines += [
            "",
            "  Try:",
            f'    curl -H "Authorization: Bearer {key.split(",")[0]}" '
            f"{SERVICES[0].base_url}/v1/accounts",
        ]
    lines += ["", "Press Ctrl-C to stop everything.", ""]
    console.block("q2c-dev", lines)


def supervise(
    postgres: EmbeddedPostgres, broker: TansuBroker | None, running: list[RunningService]
) -> None:
    """Block until a component dies (raising StackError) or a signal raises StopRequested."""
    while True:
        _check_alive(running)
        if not postgres.running:
            raise StackError("PostgreSQL exited unexpectedly; shutting everything down")
        if broker is not None and not broker.running:
            raise StackError("the Kafka broker exited unexpectedly; shutting everything down")
        time.sleep(0.25)


# -- commands --------------------------------------------------------------------------------


def run_suite(options: StackOptions, console: Console) -> int:
    """`q2c-dev run`: PostgreSQL, databases, migrations, broker, topics, API key, services."""

    def body(stack: ExitStack) -> int:
        repo_root = options.repo_root or find_repo_root()
        options.var_dir.mkdir(parents=True, exist_ok=True)
        postgres = start_postgres(stack, options)
        urls = create_databases(postgres)
        migrate(console, repo_root, urls)
        bootstrap, broker = start_or_find_broker(stack, options)
        create_topics(bootstrap)
        key = api_key(options.var_dir, console)
        running: list[RunningService] = []
        stack.callback(stop_services, running)
        if options.start_services:
            base_env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "Q2C_API_KEYS": key}
            for service in SERVICES:
                env = {**base_env, "DATABASE_URL": urls[service]}
                running.append(start_service(console, repo_root, service, env))
            wait_healthy(running, options.health_timeout)
        print_summary(console, postgres, bootstrap, key, options.start_services)
        supervise(postgres, broker, running)
        return 0  # unreachable: supervise only leaves by raising

    return _foreground(body)


def run_servers(options: StackOptions, console: Console) -> int:
    """`q2c-dev servers`: only PostgreSQL and the broker, until Ctrl-C."""

    def body(stack: ExitStack) -> int:
        options.var_dir.mkdir(parents=True, exist_ok=True)
        postgres = start_postgres(stack, options)
        broker = start_broker(stack, options)
        console.block(
            "q2c-dev",
            [
                "",
                "servers are ready:",
                f"  PostgreSQL  {postgres.url('postgres')}",
                f"  Kafka       {broker.bootstrap_servers}",
                "",
                "Press Ctrl-C to stop them.",
                "",
            ],
        )
        supervise(postgres, broker, [])
        return 0

    return _foreground(body)
