"""Document number formatting (the series itself is exercised against PostgreSQL)."""

import pytest

from invoice_svc.core.numbering import NO_LEGAL_ENTITY, DocumentKind, format_number, series_key


@pytest.mark.parametrize(
    ("kind", "value", "number"),
    [
        (DocumentKind.INVOICE, 1, "INV-000001"),
        (DocumentKind.INVOICE, 42, "INV-000042"),
        (DocumentKind.INVOICE, 999_999, "INV-999999"),
        (DocumentKind.INVOICE, 1_000_000, "INV-1000000"),  # grows past six digits, never wraps
        (DocumentKind.CREDIT_NOTE, 7, "CN-000007"),
    ],
)
def test_format_number(kind: DocumentKind, value: int, number: str) -> None:
    assert format_number(kind, value) == number


@pytest.mark.parametrize("value", [0, -1])
def test_numbers_start_at_one(value: int) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        format_number(DocumentKind.INVOICE, value)


def test_documents_without_a_legal_entity_share_one_series() -> None:
    assert series_key(None) == NO_LEGAL_ENTITY
    assert series_key("q2c GmbH") == "q2c GmbH"
