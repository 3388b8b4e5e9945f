"""The image's entrypoint, run for real outside a container (APP_ROOT = the repository, as
/app is in the image) against the test session's PostgreSQL and broker: the init container's
wait, the migration Job, and the API and worker modes the chart's Deployments use."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_support import REPO_ROOT

from q2c_devstack.servers import free_port
from q2c_shared.testing.service import unique_topic_prefix

ENTRYPOINT = REPO_ROOT / "deploy" / "docker" / "entrypoint.sh"
SERVICE = "order-svc"  # the lightest image: no WeasyPrint


def entrypoint_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "KAFKA_", "Q2C_", "RUN_BACKGROUND", "PORT"))
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        SERVICE=SERVICE,
        APP_ROOT=str(REPO_ROOT),
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def run(mode: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def database_url(postgres_server) -> str:
    """order-svc's database, migrated by the entrypoint's `migrate` mode."""
    name = "q2c_order_entrypoint"
    postgres_server.create_database(name)
    url = postgres_server.url(name)
    migrated = run("migrate", entrypoint_env(url))
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return url


def test_wait_for_schema_until_migrated_and_after_a_rollback(postgres_server):
    name = "q2c_order_entrypoint_wait"
    postgres_server.create_database(name)
    env = entrypoint_env(
        postgres_server.url(name),
        WAIT_FOR_SCHEMA_TIMEOUT_SECONDS="0",
        WAIT_FOR_SCHEMA_INTERVAL_SECONDS="0.1",
    )
    before = run("wait-for-schema", env)
    assert before.returncode == 1, before.stdout + before.stderr
    assert "no migrations applied yet" in before.stdout

    migrated = run("migrate", env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    after = run("wait-for-schema", env)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "wait-for-schema: at head" in after.stdout

    # As if the next release had migrated further and this image were the rolled-back one:
    # it starts (migrations expand before they contract).
    postgres_server.psql("UPDATE alembic_version SET version_num = 'f00dfeedcafe'", database=name)
    rolled_back = run("wait-for-schema", env)
    assert rolled_back.returncode == 0, rolled_back.stdout + rolled_back.stderr
    assert "newer than this image's head" in rolled_back.stdout


def test_unknown_option_is_refused():
    result = run("--serve", entrypoint_env("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    assert result.returncode == 64
    assert "modes: api worker all migrate wait-for-schema" in result.stderr


@pytest.fixture
def serve(database_url) -> Iterator:
    started: list[subprocess.Popen[bytes]] = []

    def start(mode: str, **extra: str) -> str:
        port = free_port()
        process = subprocess.Popen(
            ["sh", str(ENTRYPOINT), mode],
            env=entrypoint_env(database_url, PORT=str(port), Q2C_API_KEYS="k" * 32, **extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{mode} exited with {process.returncode}"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail(f"{mode} did not answer /healthz within 60 s")

    yield start
    for process in started:
        # The shell exec'd uvicorn, so SIGTERM (what the kubelet sends) reaches it directly.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"uvicorn" in cmdline, cmdline
        process.send_signal(signal.SIGTERM)
        try:
            # uvicorn shuts down gracefully, then re-raises the signal it caught
            assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


def _ready(base: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        response = httpx.get(f"{base}/readyz", timeout=5)
        if response.status_code == 200 or time.monotonic() > deadline:
            return {"status_code": response.status_code, **response.json()}
        time.sleep(0.3)


def test_api_mode_serves_without_the_broker(serve):
    # no KAFKA_BOOTSTRAP_SERVERS given: the API pods never touch the broker
    base = serve("api", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    ready = _ready(base)
    assert ready["status_code"] == 200, ready
    assert ready["checks"]["broker"] == "not used (background workers off)"
    orders = httpx.get(f"{base}/v1/orders", headers={"Authorization": "Bearer " + "k" * 32})
    assert orders.status_code == 200, orders.text


def test_worker_mode_connects_to_the_broker(serve, kafka_broker):
    base = serve(
        "worker",
        KAFKA_BOOTSTRAP_SERVERS=kafka_broker.bootstrap_servers,
        KAFKA_TOPIC_PREFIX=unique_topic_prefix(),
    )
    ready = _ready(base)
    assert ready["status_code"] == 200, ready
    assert ready["checks"] == {"database": "ok", "broker": "ok"}
