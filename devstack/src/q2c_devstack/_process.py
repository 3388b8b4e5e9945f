"""Child processes that cannot outlive us.

Every server and service the dev stack starts goes through `ManagedProcess`, which layers three
defences against orphans, because a leftover PostgreSQL or broker silently breaks the next run
(port in use, data directory locked):

1. Each child gets its own process group. A Ctrl-C in the terminal then reaches only us, and we stop
   the children in a deliberate order (services, then broker, then PostgreSQL) instead of racing
   them; stopping also sweeps the whole group, so grandchildren go too.
2. A registry plus an `atexit` hook stops whatever is still running when the interpreter exits
   after an unhandled exception, a forgotten `stop()` or a test that blew up.
3. On Linux, `PR_SET_PDEATHSIG` asks the kernel to signal the child if we die without running any
   Python code at all (SIGKILL, OOM killer).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_AT_EXIT_STOP_TIMEOUT = 10.0

_live: set[ManagedProcess] = set()
_live_lock = threading.Lock()


def child_env(
    extra: Mapping[str, str] | None = None, *, drop_prefixes: Sequence[str] = ()
) -> dict[str, str]:
    """Our environment plus `extra`, minus variables starting with any of `drop_prefixes`.

    Dropping matters for the PostgreSQL tools: an inherited PGDATABASE, PGUSER or PGSSLMODE would
    otherwise point psql and pg_isready somewhere other than the server we just started.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not any(key.startswith(prefix) for prefix in drop_prefixes)
    }
    env.update(extra or {})
    return env


def _parent_death_hook(signum: int) -> Callable[[], None] | None:
    """A `preexec_fn` that makes the kernel send `signum` to the child when we die.

    Only on Linux, and only from the main thread: the kernel ties the signal to the *thread* that
    forked, so a child started from a short-lived worker thread would be killed when that thread
    ends. Credentials changes clear the setting, which is fine because `preexec_fn` runs after
    Popen has switched to `user=`.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent_pid = os.getpid()

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent_pid:  # we died before prctl took effect
            os.kill(os.getpid(), signum)

    return hook


def _wait_until_exited(popen: subprocess.Popen[Any], timeout: float) -> bool:
    """Wait for the child to exit *without reaping it*.

    Leaving the exited leader as a zombie keeps its process-group id reserved, so the follow-up
    `killpg` sweep cannot hit an unrelated group that happens to reuse the number.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            info = os.waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True  # already reaped by someone else
        if info is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


class ManagedProcess:
    """A child process in its own process group that is stopped, group and all, exactly once."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str | os.PathLike[str]],
        *,
        stop_signal: int = signal.SIGTERM,
        stop_timeout: float = 15.0,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stdout: int | IO[Any] | None = None,
        stderr: int | IO[Any] | None = None,
        owned_files: Iterable[IO[Any]] = (),
    ) -> None:
        self.name = name
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self._owned_files = list(owned_files)
        self._stop_sent = False
        self._stopped = False
        logger.debug("starting %s: %s", name, " ".join(map(str, argv)))
        try:
            self.popen: subprocess.Popen[bytes] = subprocess.Popen(
                [os.fspath(arg) for arg in argv],
                env=dict(env) if env is not None else None,
                cwd=cwd,
                user=user,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                process_group=0,
                preexec_fn=_parent_death_hook(stop_signal),
            )
        except BaseException:
            self._release()
            raise
        with _live_lock:
            _live.add(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        """The exit code if the process has ended (reaping it), else None."""
        return self.popen.poll()

    def send_stop_signal(self) -> None:
        """Ask the process to stop, once: a second SIGTERM makes uvicorn skip its graceful path."""
        if self._stop_sent or self.popen.returncode is not None:
            return
        self._stop_sent = True
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.popen.pid, self.stop_signal)

    def stop(self, timeout: float | None = None) -> int:
        """Stop gracefully, kill after `timeout` seconds, sweep the group; return the exit code."""
        timeout = self.stop_timeout if timeout is None else timeout
        try:
            if self.popen.returncode is None:
                self.send_stop_signal()
                if not _wait_until_exited(self.popen, timeout):
                    logger.warning("%s did not stop within %.0f s; killing it", self.name, timeout)
                self._kill_group()
            return self.popen.wait()
        finally:
            self._release()

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def _release(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for handle in self._owned_files:
            with contextlib.suppress(OSError):
                handle.close()
        with _live_lock:
            _live.discard(self)


def stop_all(processes: Sequence[ManagedProcess], timeout: float) -> None:
    """Signal every process first, then wait on one shared deadline: N services cost one timeout."""
    for process in processes:
        process.send_stop_signal()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.stop(max(0.0, deadline - time.monotonic()))


def _stop_leftovers_at_exit() -> None:
    with _live_lock:
        leftovers = list(_live)
    for process in leftovers:
        logger.warning("stopping %s (pid %d) at interpreter exit", process.name, process.pid)
        process.stop(min(process.stop_timeout, _AT_EXIT_STOP_TIMEOUT))


atexit.register(_stop_leftovers_at_exit)
