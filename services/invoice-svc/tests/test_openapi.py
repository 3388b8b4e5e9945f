"""invoice-svc's OpenAPI document is complete: partners integrate from it alone.

Built from `create_app()` without entering its lifespan, so no database or broker is needed.
"""

import re
from typing import Any

import pytest

from invoice_svc.app import create_app
from invoice_svc.bill_to_accounts import schemas as bill_to_schemas
from invoice_svc.credit_notes import schemas as credit_note_schemas
from invoice_svc.invoices import preview_schemas
from invoice_svc.invoices import schemas as invoice_schemas
from invoice_svc.runs import schemas as run_schemas
from invoice_svc.schedules import schemas as schedule_schemas
from invoice_svc.tax_rates import schemas as tax_rate_schemas
from q2c_shared.testing import openapi


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    assert openapi.undocumented_operations(document) == []


def test_every_schema_property_says_what_it_means(document: dict[str, Any]) -> None:
    assert openapi.undescribed_properties(document) == []


def test_every_query_and_header_parameter_is_described(document: dict[str, Any]) -> None:
    assert openapi.undescribed_parameters(document) == []


def test_every_request_body_shows_an_example(document: dict[str, Any]) -> None:
    assert list(openapi.request_body_schemas(document))
    assert openapi.request_bodies_without_examples(document) == []


def test_every_example_is_valid_for_its_model(document: dict[str, Any]) -> None:
    assert (
        openapi.invalid_examples(
            document,
            openapi.models_by_name(
                bill_to_schemas,
                credit_note_schemas,
                invoice_schemas,
                preview_schemas,
                run_schemas,
                schedule_schemas,
                tax_rate_schemas,
            ),
        )
        == []
    )


def test_v1_operations_document_their_problem_responses(document: dict[str, Any]) -> None:
    assert openapi.operations_without_problem_responses(document) == []


# --- bounds at the edge (issue 12): one walk over every request body and query parameter ----


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _unbounded(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> list[str]:
    """What in a request schema a hostile value could get past: a JSON float, a free string
    that takes NUL or any length, a date outside 1900..2199, a list or integer without bounds."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen = seen | {name}
    schema = _resolve(document, schema)
    gaps: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            gaps += _unbounded(document, branch, where, seen)
    for name, prop in schema.get("properties", {}).items():
        gaps += _unbounded(document, prop, f"{where}.{name}", seen)
    kind = schema.get("type")
    if kind == "number":
        gaps.append(f"{where}: a JSON number (floats reach money)")
    elif kind == "integer" and ("minimum" not in schema or "maximum" not in schema):
        gaps.append(f"{where}: an integer without minimum and maximum")
    elif kind == "array":
        if "maxItems" not in schema:
            gaps.append(f"{where}: a list without maxItems")
        gaps += _unbounded(document, schema.get("items", {}), f"{where}[]", seen)
    elif kind == "string" and "enum" not in schema and "const" not in schema:
        pattern = schema.get("pattern")
        if schema.get("format") == "uuid":
            pass
        elif schema.get("format") == "date":
            if (
                pattern is None
                or re.search(pattern, "2200-01-01")
                or re.search(pattern, "1899-12-31")
            ):
                gaps.append(f"{where}: a date without the business range 1900..2199")
        elif pattern is None or re.search(pattern, "a\x00b"):
            gaps.append(f"{where}: a string that takes NUL")
        elif "maxLength" not in schema and not re.fullmatch(r"\^.*\{\d+(,\d+)?\}.*\$", pattern):
            gaps.append(f"{where}: a string without maxLength")
    return gaps


def test_request_bodies_and_query_parameters_are_bounded(document: dict[str, Any]) -> None:
    gaps: list[str] = []
    for label, _, operation in openapi.operations(document):
        for media_type in operation.get("requestBody", {}).get("content", {}).values():
            gaps += _unbounded(document, media_type.get("schema", {}), f"{label} body", set())
        for parameter in operation.get("parameters", []):
            # `cursor` is the shared pagination's (q2c_shared.pagination): an opaque token it
            # checks itself (422 `invalid_cursor`, NUL included), not a bound of this service.
            if parameter["in"] == "query" and parameter["name"] != "cursor":
                where = f"{label} ?{parameter['name']}"
                gaps += _unbounded(document, parameter.get("schema", {}), where, set())
    assert gaps == []


def test_money_and_quantities_in_requests_are_bounded_decimal_strings(
    document: dict[str, Any],
) -> None:
    """Every decimal a request takes is a string of at most 18 integer digits (3 for a percent)
    and 6 decimals, or an integer within the same bounds; never an exponent."""
    body = _resolve(document, {"$ref": "#/components/schemas/ProposedOrderProduct"})
    credit_line = _resolve(document, {"$ref": "#/components/schemas/CreditNoteLineCreate"})
    decimals = {
        "quantity": body["properties"]["quantity"],
        "net_unit_price": body["properties"]["net_unit_price"],
        "amount": credit_line["properties"]["amount"],
    }
    for name, schema in decimals.items():
        string, integer = schema["anyOf"]
        assert re.fullmatch(string["pattern"], "1" * 18 + ".5"), name
        assert not re.fullmatch(string["pattern"], "1" * 19), name
        assert not re.fullmatch(string["pattern"], "1e3"), name
        assert integer["maximum"] <= 10**18 and integer["minimum"] >= -(10**18), name
