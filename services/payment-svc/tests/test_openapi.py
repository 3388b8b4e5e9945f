"""payment-svc's OpenAPI document is complete: partners integrate from it alone.

Built from `create_app()` without entering its lifespan, so no database or broker is needed.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from payment_svc.app import create_app
from payment_svc.credit_notes import schemas as credit_note_schemas
from payment_svc.customer_accounts import schemas as customer_account_schemas
from payment_svc.dunning import schemas as dunning_schemas
from payment_svc.gateways import schemas as gateway_schemas
from payment_svc.payments import schemas as payment_schemas
from payment_svc.receivables import schemas as receivable_schemas
from payment_svc.reports import schemas as report_schemas
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
                credit_note_schemas,
                customer_account_schemas,
                dunning_schemas,
                gateway_schemas,
                payment_schemas,
                receivable_schemas,
                report_schemas,
            ),
        )
        == []
    )


def test_v1_operations_document_their_problem_responses(document: dict[str, Any]) -> None:
    assert openapi.operations_without_problem_responses(document) == []


def _unbounded(schema: dict[str, Any], where: str, components: dict[str, Any]) -> Iterator[str]:
    """Every value `schema` admits without a bound the OpenAPI shows (issue 12): a string whose
    pattern does not refuse NUL or that has no length bound (its pattern's or `maxLength`), a
    date outside 1900-2199, an integer without minimum and maximum, a JSON float, a list without
    `maxItems`. Money is a string of bounded digits or a bounded integer. Enums and UUIDs are
    bounded by their format."""
    seen: set[str] = set()

    def walk(schema: dict[str, Any], where: str) -> Iterator[str]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield from walk(components[name], name)
            return
        for branch in schema.get("anyOf", []) + schema.get("allOf", []):
            yield from walk(branch, where)
        match schema.get("type"):
            case "object":
                for name, field in schema.get("properties", {}).items():
                    yield from walk(field, f"{where}.{name}")
            case "array":
                if "maxItems" not in schema:
                    yield f"{where}: a list without maxItems"
                yield from walk(schema["items"], f"{where}[]")
            case "integer":
                if "minimum" not in schema or "maximum" not in schema:
                    yield f"{where}: an integer without minimum and maximum"
            case "number":
                yield f"{where}: a JSON number (float)"
            case "string" if not {"enum", "const"} & set(schema) and schema.get("format") != "uuid":
                pattern = schema.get("pattern")
                if pattern is None or re.search(pattern, "a\x00b"):
                    yield f"{where}: a string whose pattern does not refuse NUL"
                elif "maxLength" not in schema and re.search(pattern, "1" * 10_000):
                    yield f"{where}: a string of any length"
                elif schema.get("format") == "date" and any(
                    re.search(pattern, day) for day in ("0001-01-01", "1899-12-31", "2200-01-01")
                ):
                    yield f"{where}: a date outside 1900-2199"
                elif re.search(pattern, "1" * 19) and "maxLength" not in schema:
                    yield f"{where}: digits beyond 18"

    yield from walk(schema, where)


def test_every_request_value_is_bounded(document: dict[str, Any]) -> None:
    """Every value of every request body and query parameter: money by its digits, dates by
    their years, strings by length and no NUL, integers by range, lists by count (CONTRACT.md,
    HTTP conventions). One walk over the document, not a list of fields."""
    components = document["components"]["schemas"]
    gaps: list[str] = []
    checked = 0
    for label, _, operation in openapi.operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            checked += 1
            gaps += _unbounded(media["schema"], label, components)
        for parameter in operation.get("parameters", []):
            # `cursor` is q2c_shared.pagination's: opaque, decoded there (422 when it is not
            # one the API gave out), its schema not this service's to bound.
            if parameter["in"] == "query" and parameter["name"] != "cursor":
                checked += 1
                gaps += _unbounded(parameter["schema"], f"{label} ?{parameter['name']}", components)
    assert checked > 20
    assert gaps == []


def test_request_money_takes_at_most_18_digits_and_no_exponent(document: dict[str, Any]) -> None:
    """A payment's amount, as the document shows it: the bounded decimal string or integer."""
    amount = document["components"]["schemas"]["PaymentCreate"]["properties"]["amount"]
    string, integer = amount["anyOf"]
    assert re.fullmatch(string["pattern"], "1" * 18 + ".125")
    for refused in ("1" * 19, "1e30", "1E5", "12.5000", "NaN"):
        assert not re.search(string["pattern"], refused), refused
    # Positive: "0" is refused. FastAPI's OpenAPI model holds bounds as floats: 10**18 - 1
    # shows as 1e18.
    assert not re.fullmatch(string["pattern"], "0.00")
    assert (integer["minimum"], integer["maximum"]) == (1, 10**18)
