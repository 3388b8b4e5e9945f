"""One terminal shared by our own log lines and the services' output, one tagged line at a time.

Everything goes to stdout through one lock, so lines from four services and from the stack itself
never interleave mid-line and keep their real order.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import IO

TAG_WIDTH = 11  # len("payment-svc"), the longest tag
OWN_TAG = "q2c-dev"

_RESET = "\033[0m"
_TAG_COLOURS = {
    OWN_TAG: "\033[1;37m",
    "quote-svc": "\033[36m",
    "order-svc": "\033[32m",
    "invoice-svc": "\033[35m",
    "payment-svc": "\033[33m",
}
_LEVEL_COLOURS = {logging.WARNING: "\033[33m", logging.ERROR: "\033[1;31m"}


class Console:
    """Writes `[tag        ] text` lines, coloured only when stdout is a terminal."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.colour = self.stream.isatty() and "NO_COLOR" not in os.environ
        self._lock = threading.Lock()

    def tag(self, name: str) -> str:
        text = f"[{name:<{TAG_WIDTH}}]"
        if self.colour:
            return f"{_TAG_COLOURS.get(name, '')}{text}{_RESET}"
        return text

    def line(self, name: str, text: str, *, colour: str = "") -> None:
        if self.colour and colour:
            text = f"{colour}{text}{_RESET}"
        with self._lock:
            self.stream.write(f"{self.tag(name)} {text}\n")
            self.stream.flush()

    def block(self, name: str, lines: list[str]) -> None:
        """Several lines that must stay together (the summary table)."""
        for text in lines:
            self.line(name, text)


class ConsoleHandler(logging.Handler):
    """Routes `logging` records into the console under the `q2c-dev` tag."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            if record.levelno >= logging.WARNING:
                message = f"{record.levelname}: {message}"
            colour = _LEVEL_COLOURS.get(record.levelno, "")
            for number, text in enumerate(message.splitlines() or [""]):
                self.console.line(OWN_TAG, text if number == 0 else f"  {text}", colour=colour)
        except Exception:  # logging must never take the stack down
            self.handleError(record)


def configure_logging(console: Console, *, verbose: bool = False) -> None:
    """Send q2c and warning-level third-party logs to the console."""
    handler = ConsoleHandler(console)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("q2c_devstack").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("q2c_shared").setLevel(logging.INFO)
