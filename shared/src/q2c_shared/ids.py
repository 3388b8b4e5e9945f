"""Identifiers: UUIDv7, so ids sort by creation time and keyset pagination follows them.

Ids made by one process strictly increase, even many in the same millisecond (RFC 9562 6.2,
method 3: the previous id's random bits plus a random increment). Rows and outbox events made in
one transaction share its `now()`, so their id is what keeps them in the order they were made.
"""

import os
import threading
import time
import uuid

_RANDOM_BITS = 74  # rand_a (12 bits) and rand_b (62 bits)
_lock = threading.Lock()
_last_ms = 0
_last_random = 0


def _fresh_random() -> int:
    return int.from_bytes(os.urandom(10), "big") >> (80 - _RANDOM_BITS)


def _forget_last() -> None:
    global _last_ms
    _last_ms = 0  # a forked child must not continue its parent's sequence


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_forget_last)


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits."""
    global _last_ms, _last_random
    with _lock:
        unix_ms = time.time_ns() // 1_000_000
        if unix_ms > _last_ms:
            random_bits = _fresh_random()
        else:  # same millisecond, or the clock stepped back: stay after the previous id
            unix_ms = _last_ms
            random_bits = _last_random + 1 + int.from_bytes(os.urandom(4), "big")
            if random_bits >> _RANDOM_BITS:  # the random bits ran out: move to the next ms
                unix_ms, random_bits = unix_ms + 1, _fresh_random()
        _last_ms, _last_random = unix_ms, random_bits
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= (random_bits >> 62) << 64  # rand_a
    value |= 0x2 << 62  # RFC 4122 variant
    value |= random_bits & ((1 << 62) - 1)  # rand_b
    return uuid.UUID(int=value)
