"""Identifiers: UUIDv7, so ids sort by creation time and keyset pagination follows them.

Ids made by one process strictly increase, even many in the same millisecond (RFC 9562 6.2,
method 3: the previous id's random bits plus a random increment). Rows and outbox events made in
one transaction share its `now()`, so their id is what keeps them in the order they were made.
"""

import os
import struct
import threading
import time
import uuid
from collections.abc import Callable

from asyncpg.pgproto.pgproto import UUID

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
    return new_ids(1)[0]


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` UUIDv7s, in increasing order, as `count` calls of `new_id` would make them, for
    a fraction of the cost: one clock reading, one lock and one draw of random bytes for all
    of them (an invoice run makes tens of thousands per batch)."""
    global _last_ms, _last_random
    if count < 1:
        return []
    # RFC 9562 6.2, method 3: each id's random bits are the previous id's plus 1 + a random
    # 32-bit increment.
    steps = [1 + increment for increment in struct.unpack(f">{count}I", os.urandom(4 * count))]
    made: list[uuid.UUID] = []
    with _lock:
        unix_ms = time.time_ns() // 1_000_000
        if unix_ms > _last_ms:
            random_bits = _fresh_random() - steps[0]  # the first id takes fresh random bits
        else:  # same millisecond, or the clock stepped back: stay after the previous id
            unix_ms, random_bits = _last_ms, _last_random
        time_bits = _time_bits(unix_ms)
        for step in steps:
            random_bits += step
            if random_bits >> _RANDOM_BITS:  # the random bits ran out: move to the next ms
                unix_ms, random_bits = unix_ms + 1, _fresh_random()
                time_bits = _time_bits(unix_ms)
            value = time_bits | (random_bits >> 62) << 64 | _VARIANT | random_bits & _RAND_B
            made.append(_UUID(value.to_bytes(16, "big")))
        _last_ms, _last_random = unix_ms, random_bits
    return made


_UUID: Callable[[bytes], uuid.UUID] = UUID
"""The `uuid.UUID` subclass asyncpg returns for every uuid column (so code here handles it
already): equal to, hashed and sorted as `uuid.UUID`, but made and spelled out in C, a tenth of
the cost of `uuid.UUID(int=...)` and `str()`."""
_VARIANT = 0x2 << 62  # RFC 4122
_RAND_B = (1 << 62) - 1  # the low 62 random bits; the 12 above them are rand_a


def _time_bits(unix_ms: int) -> int:
    """The 48-bit milliseconds and the version (7), in place."""
    return (unix_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76


def parse_id(text: str) -> uuid.UUID:
    """An id from its text form: `uuid.UUID(text)` (a ValueError when it is none), made in C,
    for loops over many (an invoice run's bill-to accounts)."""
    return _UUID(text)
