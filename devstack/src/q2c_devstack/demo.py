"""`q2c-dev demo`: a scripted walk from quote to cash against a running suite (not written yet)."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    print("demo not yet written")
    return 1
