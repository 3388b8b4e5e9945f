"""What gapless document numbers per legal entity look like: `INV-000001`, `INV-000002`, ...

Pure: number_series.py advances the series in the database.

A PostgreSQL sequence would leave gaps (a rolled-back transaction never returns its value), and
tax authorities want invoice numbers without gaps. So the series is a row per (legal entity,
kind) that posting advances in its own transaction, with one upsert whose row lock lasts until
that transaction ends: a posting that rolls back gives its numbers back, and two postings in one
series take turns. Numbers are assigned at posting only, never to drafts, so a deleted draft
leaves no hole.
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
