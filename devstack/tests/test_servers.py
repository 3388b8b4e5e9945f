"""The dev servers, for real: PostgreSQL 18 and the Tansu broker as child processes, no mocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from q2c_devstack.servers import (
    EmbeddedPostgres,
    ServerStartError,
    TansuBroker,
    free_port,
    port_accepts,
)
from q2c_shared.events.topics import ensure_topics


def processes_mentioning(text: str) -> list[psutil.Process]:
    """Live processes whose command line contains `text` (a data dir, a port...)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = process.info["cmdline"] or []
        if process.info["status"] != psutil.STATUS_ZOMBIE and any(text in arg for arg in cmdline):
            found.append(process)
    return found


def wait_gone(text: str, timeout: float = 10.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := processes_mentioning(text)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


async def test_postgres_starts_serves_stops_and_keeps_its_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    postgres = EmbeddedPostgres(data_dir, port=free_port(), fast=True)
    postgres.start()
    try:
        assert postgres.create_database("devstack_test") is True
        assert postgres.create_database("devstack_test") is False  # idempotent
        connection = await asyncpg.connect(postgres.url("devstack_test", driver="postgresql"))
        try:
            assert "PostgreSQL 18" in await connection.fetchval("SELECT version()")
            await connection.execute("CREATE TABLE kept (id int primary key)")
            await connection.execute("INSERT INTO kept VALUES (42)")
        finally:
            await connection.close()
        pid = postgres.pid
        assert pid is not None
    finally:
        postgres.stop()

    assert not postgres.running
    assert not psutil.pid_exists(pid)
    assert wait_gone(str(data_dir)) == []
    assert not port_accepts(postgres.host, postgres.port)

    with EmbeddedPostgres(data_dir, port=free_port(), fast=True) as again:
        assert (data_dir / "PG_VERSION").exists()
        assert again.psql("SELECT id FROM kept", database="devstack_test") == "42"
    assert wait_gone(str(data_dir)) == []


def test_postgres_restarts_after_being_killed(tmp_path: Path) -> None:
    """A SIGKILLed postmaster leaves a stale postmaster.pid; the next start must still work."""
    data_dir = tmp_path / "pg"
    postgres = EmbeddedPostgres(data_dir, port=free_port(), fast=True)
    postgres.start()
    try:
        postgres.create_database("survivor")
        assert postgres.pid is not None
        os.kill(postgres.pid, signal.SIGKILL)
        assert wait_gone(str(data_dir)) == []  # its backends notice and exit
    finally:
        postgres.stop()
    assert (data_dir / "postmaster.pid").exists()

    with EmbeddedPostgres(data_dir, port=free_port(), fast=True) as again:
        assert again.psql("SELECT datname FROM pg_database WHERE datname = 'survivor'") == (
            "survivor"
        )
    assert wait_gone(str(data_dir)) == []


def test_postgres_on_a_busy_port_fails_clearly(tmp_path: Path) -> None:
    with TansuBroker(port=free_port()) as squatter:
        postgres = EmbeddedPostgres(tmp_path / "pg", port=squatter.port, fast=True)
        with pytest.raises(ServerStartError, match="already in use"):
            postgres.start()
    assert wait_gone(str(tmp_path / "pg")) == []


def test_a_second_postgres_on_the_same_data_dir_fails_clearly(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "pg", port=free_port(), fast=True):
        with pytest.raises(ServerStartError, match="already running"):
            EmbeddedPostgres(tmp_path / "pg", port=free_port(), fast=True).start()


async def test_broker_produces_and_consumes(tmp_path: Path) -> None:
    topic = f"devstack.test.{uuid.uuid4().hex[:8]}"
    with TansuBroker(port=free_port(), log_path=tmp_path / "tansu.log") as broker:
        pid = broker.pid
        await ensure_topics(broker.bootstrap_servers, [topic], partitions=1)
        producer = AIOKafkaProducer(
            bootstrap_servers=broker.bootstrap_servers, enable_idempotence=False
        )
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"hello", key=b"account-1")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=broker.bootstrap_servers, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            message = await consumer.getone()
        finally:
            await consumer.stop()
        assert (message.key, message.value) == (b"account-1", b"hello")
    assert pid is not None and not psutil.pid_exists(pid)
    assert not port_accepts("127.0.0.1", broker.port)


def test_servers_command_stops_everything_on_sigint(tmp_path: Path) -> None:
    """`q2c-dev servers` + Ctrl-C: exit code 0, and neither server is left running."""
    pg_port, kafka_port = free_port(), free_port()
    argv = [
        sys.executable, "-m", "q2c_devstack", "servers", "--fast", "--var-dir", str(tmp_path),
        "--pg-port", str(pg_port), "--kafka-port", str(kafka_port),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    cli = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert cli.stdout is not None
    output: list[str] = []
    try:
        for raw in cli.stdout:
            output.append(raw.decode())
            if "Press Ctrl-C" in output[-1]:
                break
        assert port_accepts("127.0.0.1", pg_port), "".join(output)
        assert port_accepts("127.0.0.1", kafka_port), "".join(output)
        cli.send_signal(signal.SIGINT)
        rest, _ = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            cli.kill()
    output.append(rest.decode())
    assert cli.returncode == 0, "".join(output)
    assert "all processes stopped" in "".join(output)
    assert wait_gone(str(tmp_path / "postgres")) == []
    assert wait_gone(f"127.0.0.1:{kafka_port}") == []
