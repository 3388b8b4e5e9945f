"""`q2c-dev run --no-services` end to end: real servers, two runs on the same var dir."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil

from q2c_devstack.servers import free_port, port_accepts


def run_until_ready_then(sig: int, argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Start the CLI, wait for its 'Press Ctrl-C' line, send `sig`; return (exit code, output)."""
    cli = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert cli.stdout is not None
    lines: list[str] = []
    try:
        for raw in cli.stdout:
            lines.append(raw.decode())
            if "Press Ctrl-C" in lines[-1]:
                cli.send_signal(sig)
                break
        rest, _ = cli.communicate(timeout=60)
        lines.append(rest.decode())
    finally:
        if cli.poll() is None:
            cli.kill()
    return cli.returncode, "".join(lines)


def leftovers(text: str) -> list[psutil.Process]:
    deadline = time.monotonic() + 10
    while True:
        found = [
            p
            for p in psutil.process_iter(["cmdline", "status"])
            if p.info["status"] != psutil.STATUS_ZOMBIE
            and any(text in arg for arg in p.info["cmdline"] or [])
        ]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_run_without_services_prepares_everything_and_finds_it_again(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name in ("quote", "order", "invoice", "payment"):
        (repo / "services" / f"{name}-svc").mkdir(parents=True)
    (repo / "pyproject.toml").touch()
    var, kafka_port = tmp_path / "var", free_port()
    argv = [
        sys.executable, "-m", "q2c_devstack", "run", "--no-services", "--fast",
        "--var-dir", str(var), "--repo-root", str(repo),
        "--pg-port", str(free_port()), "--kafka-port", str(kafka_port),
    ]  # fmt: skip
    env = {
        k: v for k, v in os.environ.items() if k not in {"KAFKA_BOOTSTRAP_SERVERS", "Q2C_API_KEYS"}
    }

    code, first = run_until_ready_then(signal.SIGTERM, argv, env)
    assert code == 0, first
    assert "initialising a new PostgreSQL cluster" in first
    assert "database q2c_payment created" in first
    assert "no services/quote-svc/alembic.ini yet" in first
    assert "created topics q2c.accounts" in first
    key = (var / "api-key").read_text().strip()
    assert key and key in first
    assert stat.S_IMODE((var / "api-key").stat().st_mode) == 0o600
    assert leftovers(str(var / "postgres")) == []
    assert not port_accepts("127.0.0.1", kafka_port)

    argv[argv.index("--pg-port") + 1] = str(free_port())  # data survives a port change
    code, second = run_until_ready_then(signal.SIGINT, argv, env)
    assert code == 0, second
    assert "initialising" not in second
    assert "database q2c_payment exists" in second
    assert f"using the API key in {var / 'api-key'}" in second
    assert "all processes stopped" in second
    assert leftovers(str(var / "postgres")) == []
