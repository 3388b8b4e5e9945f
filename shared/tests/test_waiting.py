"""`eventually`: poll until true, or fail with a message after the deadline."""

import itertools
import time

import pytest

from q2c_shared.testing.waiting import eventually


async def test_returns_the_first_truthy_result() -> None:
    counter = itertools.count()

    result = await eventually(lambda: [n] if (n := next(counter)) >= 3 else [], interval=0.001)

    assert result == [3]


async def test_awaits_async_conditions() -> None:
    calls = []

    async def condition() -> str | None:
        calls.append(1)
        return "done" if len(calls) == 2 else None

    assert await eventually(condition, interval=0.001) == "done"


async def test_fails_with_the_message_after_the_timeout() -> None:
    started = time.monotonic()

    with pytest.raises(AssertionError, match="the thing did not happen within 0.1s"):
        await eventually(
            lambda: False, timeout=0.1, interval=0.01, message="the thing did not happen"
        )

    assert 0.1 <= time.monotonic() - started < 1
