"""The bounds every service enforces at its edge (CONTRACT.md, HTTP conventions).

Business dates lie between 1900-01-01 and 2199-12-31; strings hold no NUL; a quote or an order
has at most 1,000 lines; booleans are JSON booleans. Each bound is declared in the type, so the
OpenAPI document shows it and pydantic refuses the input with a 422 before any work is done.
Money and quantity bounds live with the money types (`q2c_shared.money`).
"""

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

from q2c_shared.problems import Unprocessable

EARLIEST_BUSINESS_DATE = date(1900, 1, 1)
LATEST_BUSINESS_DATE = date(2199, 12, 31)
MAX_LINES = 1_000
"""Most lines a quote or an order may have."""

_BUSINESS_DATE = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
"""Years 1900 to 2199 exactly, months 01-12, days 01-31: the business date range, as a pattern
the schema can show (the calendar itself, 02-30, is checked by parsing)."""
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_as_text(value: Any) -> Any:
    # Lax pydantic reads a number, or a string of digits, as a Unix timestamp: 1700000000 or
    # "0" would become a date.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(f'send a date as "YYYY-MM-DD", not {value[:40]!r}')
    if isinstance(value, int | float):
        raise ValueError('send a date as a string "YYYY-MM-DD"')
    return value


def _in_business_range(value: date) -> date:
    if not EARLIEST_BUSINESS_DATE <= value <= LATEST_BUSINESS_DATE:
        raise ValueError(
            f"date out of range: business dates lie between {EARLIEST_BUSINESS_DATE} "
            f"and {LATEST_BUSINESS_DATE}"
        )
    return value


BusinessDate = Annotated[
    date,
    BeforeValidator(_date_as_text),
    AfterValidator(_in_business_range),
    Field(
        json_schema_extra={"pattern": _BUSINESS_DATE},
        examples=["2026-01-15"],
    ),
]
"""An ISO date (`YYYY-MM-DD`) between 1900-01-01 and 2199-12-31."""


def check_business_date(value: date, *, field: str) -> None:
    """Refuse (422) a date the service computed from valid input that leaves the business range
    (a contract's end date, a due date): the arithmetic is fine, the calendar is not."""
    if not EARLIEST_BUSINESS_DATE <= value <= LATEST_BUSINESS_DATE:
        raise Unprocessable(
            f"{field} would be {value}, outside the business dates {EARLIEST_BUSINESS_DATE} "
            f"to {LATEST_BUSINESS_DATE}. Use an earlier date or a shorter term.",
            code="date_out_of_range",
            errors=[{"loc": ["body", *field.split(".")], "msg": "date out of range"}],
        )


NO_NUL_PATTERN = r"^[^\x00]*$"

Text = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN)]
"""A string without NUL characters (PostgreSQL cannot store them). Add `max_length` per field."""

Flag = Annotated[bool, Strict()]
"""A JSON boolean, `true` or `false` only (not 1, 0, "yes"). For request bodies; query
parameters arrive as text and use plain `bool`."""
