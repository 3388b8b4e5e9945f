"""Noticing SIGTERM the moment it arrives, not when uvicorn gets round to the lifespan.

On SIGTERM uvicorn stops accepting connections and waits for the requests in flight, and only
then runs the lifespan's shutdown. The background workers need not wait that long: the service
starts stopping them at the signal, so that its consumers hand their partitions over while the
last requests finish, and the grace period (`SHUTDOWN_GRACE_SECONDS`) counts from the signal,
as Kubernetes' termination grace period does.

uvicorn installs its handlers with `signal.signal` before it starts the app and restores the
previous ones when it exits; `notice_stop_signals` chains onto whatever handler is installed
while the lifespan runs and puts it back afterwards. Signals only reach the main thread: in any
other thread (an app run by a test client's portal) nothing is installed and the lifespan's
shutdown is the first the workers hear of it.
"""

import asyncio
import contextlib
import contextvars
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def notice_stop_signals(on_signal: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT call `on_signal` in the running event loop, then the
    handler that was there before (uvicorn's graceful shutdown, or the default action)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        # A signal handler may interrupt the loop anywhere: hand over through its self-pipe,
        # in a context of its own rather than that of the request it happened to interrupt.
        with contextlib.suppress(RuntimeError):  # the loop has closed already
            loop.call_soon_threadsafe(on_signal, context=contextvars.Context())
        chained = previous[signum]
        if callable(chained):
            chained(signum, frame)
        elif chained == signal.SIG_DFL:  # no one else listens: do what the signal does
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for signum in STOP_SIGNALS:
        previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, chained in previous.items():
            if signal.getsignal(signum) is handler and chained is not None:
                signal.signal(signum, chained)
