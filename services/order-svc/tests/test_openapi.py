"""order-svc's OpenAPI document is complete: partners integrate from it alone.

Built from `create_app()` without entering its lifespan, so no database or broker is needed.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from order_svc.app import create_app
from order_svc.contracts import schemas as contract_schemas
from order_svc.orders import schemas as order_schemas
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
        openapi.invalid_examples(document, openapi.models_by_name(order_schemas, contract_schemas))
        == []
    )


def test_v1_operations_document_their_problem_responses(document: dict[str, Any]) -> None:
    assert openapi.operations_without_problem_responses(document) == []


def test_every_post_that_creates_something_takes_an_idempotency_key(
    document: dict[str, Any],
) -> None:
    creating = [
        path
        for path, item in document["paths"].items()
        if "201" in item.get("post", {}).get("responses", {})
    ]
    without_key = [
        path
        for path in creating
        if "Idempotency-Key"
        not in {
            parameter["name"] for parameter in document["paths"][path]["post"].get("parameters", [])
        }
    ]
    assert creating
    assert without_key == []


def _unbounded(document: dict[str, Any]) -> Iterator[str]:
    """Every value a request body may hold that its schema does not bound (issue 12): a string
    without a pattern refusing NUL or without a length bound (its pattern's or `maxLength`), an
    integer without minimum and maximum, a JSON float, a list without `maxItems`. Enums and
    UUIDs are bounded by their format."""
    components = document["components"]["schemas"]
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
            case "string" if "enum" not in schema and schema.get("format") != "uuid":
                pattern = schema.get("pattern")
                if pattern is None or re.search(pattern, "a\x00b"):
                    yield f"{where}: a string whose pattern does not refuse NUL"
                elif "maxLength" not in schema and re.search(pattern, "1" * 10_000):
                    yield f"{where}: a string of any length"

    for label, _, operation in openapi.operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        for media in content.values():
            yield from walk(media["schema"], label)


def test_every_request_body_value_is_bounded(document: dict[str, Any]) -> None:
    """Money and quantities by their digits, dates by their years, strings by length and no
    NUL, lists by count (CONTRACT.md, HTTP conventions): the OpenAPI shows every bound."""
    assert list(openapi.request_body_schemas(document))
    assert list(_unbounded(document)) == []
