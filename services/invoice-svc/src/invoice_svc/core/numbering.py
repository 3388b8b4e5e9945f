"""What gapless document numbers per legal entity look like: `INV-000001`, `INV-000002`, ...

Pure: number_series.py advances a series in the database (and says why it is gapless); this
module says which series a document belongs to and how its numbers are spelled.
"""

from enum import StrEnum

NUMBER_DIGITS = 6
NO_LEGAL_ENTITY = ""
"""The series key of documents without a legal entity (a primary key cannot be null)."""


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def prefix(self) -> str:
        return _PREFIXES[self]


_PREFIXES = {DocumentKind.INVOICE: "INV", DocumentKind.CREDIT_NOTE: "CN"}


def format_number(kind: DocumentKind, value: int) -> str:
    """`INV-000042`: the prefix, then the value zero-padded to six digits (more when it needs)."""
    if value < 1:
        raise ValueError(f"document numbers start at 1, got {value}")
    return f"{kind.prefix}-{value:0{NUMBER_DIGITS}d}"


def series_key(legal_entity: str | None) -> str:
    return NO_LEGAL_ENTITY if legal_entity is None else legal_entity
