"""What a failed try of a consumed message says about the next one (`classify_failure`).

The consumer (consumer.py) dead-letters a message at once when no retry can fix it, and retries
with backoff what a later try may get through. An exception class can decide for itself with a
boolean `retryable` attribute; else a 4xx Problem and bad data are permanent, a PostgreSQL
SQLSTATE decides for database errors, and connection and timeout errors are transient.
"""

from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

from q2c_shared.problems import Problem


class Failure(StrEnum):
    """What a failed try says about the next one."""

    PERMANENT = "permanent"
    """The message itself is wrong: every try fails the same way. Dead-lettered at once."""
    TRANSIENT = "transient"
    """The database or the network: a later try may succeed. Retried with backoff."""
    UNKNOWN = "unknown"
    """Anything else (a bug, a constraint race): retried with backoff, like a transient one."""


_TRANSIENT_SQLSTATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available (lock_timeout)
    "57014",  # query_canceled (statement_timeout)
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now
}
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53")  # connection exception, insufficient resources
_PERMANENT_SQLSTATE_CLASSES = ("22",)  # data exception: the same values fail the same way
_TRANSIENT_ERRORS = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # no pool connection in time
    OSError,  # ConnectionError, TimeoutError
)
# Not every LookupError: "not known yet" (an event another topic brings) may pass on a retry.
_PERMANENT_ERRORS = (ValidationError, ValueError, TypeError, KeyError, IndexError, ArithmeticError)


def classify_failure(error: BaseException) -> Failure:
    """Whether trying `error`'s message again could succeed, looking through the exceptions it
    wraps (SQLAlchemy's `orig`, `raise ... from`). An exception class can say it itself with a
    boolean `retryable` attribute; else a 4xx Problem and bad data are permanent, a PostgreSQL
    SQLSTATE decides for database errors, and connection and timeout errors are transient."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain and len(chain) < 10:
        chain.append(cause)
        cause = getattr(cause, "orig", None) or cause.__cause__
    for cause in chain:
        retryable = getattr(cause, "retryable", None)
        if isinstance(retryable, bool):
            return Failure.TRANSIENT if retryable else Failure.PERMANENT
        if isinstance(cause, Problem):
            return Failure.PERMANENT if 400 <= cause.status < 500 else Failure.TRANSIENT
    for cause in chain:
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate:
            if sqlstate in _TRANSIENT_SQLSTATES or sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES:
                return Failure.TRANSIENT
            if sqlstate[:2] in _PERMANENT_SQLSTATE_CLASSES:
                return Failure.PERMANENT
            return Failure.UNKNOWN
    for cause in chain:
        if isinstance(cause, _TRANSIENT_ERRORS) or getattr(cause, "connection_invalidated", False):
            return Failure.TRANSIENT
        if isinstance(cause, _PERMANENT_ERRORS):
            return Failure.PERMANENT
    return Failure.UNKNOWN
