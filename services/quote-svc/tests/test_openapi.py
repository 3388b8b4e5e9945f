"""quote-svc's OpenAPI document is complete: partners integrate from it alone.

Built from `create_app()` without entering its lifespan, so no database or broker is needed.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter

from q2c_shared.testing import openapi
from quote_svc.accounts import schemas as account_schemas
from quote_svc.app import create_app
from quote_svc.catalog import schemas as catalog_schemas
from quote_svc.contract_quotes import schemas as contract_quote_schemas
from quote_svc.quotes import schemas


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
                account_schemas, catalog_schemas, contract_quote_schemas, schemas
            ),
        )
        == []
    )


def test_the_quote_examples_are_read_as_their_own_type_of_quote() -> None:
    # POST /v1/quotes picks the shape by `type`: each example must land in the model it
    # illustrates, not merely be valid for it.
    body = TypeAdapter(schemas.QuoteRequest)
    for model in (
        schemas.QuoteCreate,
        contract_quote_schemas.AmendmentQuoteCreate,
        contract_quote_schemas.RenewalQuoteCreate,
    ):
        for example in model.model_json_schema()["examples"]:
            assert type(body.validate_python(example)) is model


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


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _leaves(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) for every value a request body can carry, objects and arrays opened,
    unions split; each component visited once."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
    schema = _resolved(document, schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives and not _is_decimal(schema):
        for alternative in alternatives:
            yield from _leaves(document, alternative, where, seen)
        return
    if schema.get("type") == "object" or "properties" in schema:
        for name, prop in schema.get("properties", {}).items():
            yield from _leaves(document, prop, f"{where}.{name}", seen)
        return
    yield where, schema
    if schema.get("type") == "array":
        yield from _leaves(document, schema["items"], f"{where}[]", seen)


def _is_decimal(schema: dict[str, Any]) -> bool:
    kinds = {alternative.get("type") for alternative in schema.get("anyOf", [])}
    return kinds == {"string", "integer"}


def _unbounded(schema: dict[str, Any]) -> str | None:
    """What bound a request value's schema lacks, or None."""
    kind = schema.get("type")
    if "enum" in schema or "const" in schema or kind in ("boolean", "null"):
        return None
    if _is_decimal(schema):
        integer, text = sorted(schema["anyOf"], key=lambda alternative: alternative["type"])
        pattern = re.compile(text.get("pattern", ""))
        if any(pattern.search(bad) for bad in ("1e30", "1" * 19, "1.5e3", "NaN", "")):
            return f"a decimal pattern that lets through exponents or 19 digits: {pattern.pattern}"
        if "minimum" not in integer or "maximum" not in integer:
            return "an integer alternative without minimum and maximum"
        return None
    if kind == "integer" or kind == "number":
        return None if "minimum" in schema and "maximum" in schema else "no minimum or maximum"
    if kind == "array":
        return None if "maxItems" in schema else "no maxItems"
    if kind == "string":
        if schema.get("format") == "uuid":
            return None
        if schema.get("format") == "date":
            pattern = re.compile(schema.get("pattern", ""))
            far = [day for day in ("0001-01-01", "2200-01-01", "9999-12-31") if pattern.search(day)]
            return f"a date pattern letting through {far}" if far else None
        if "maxLength" not in schema:
            return "a string without maxLength"
        if re.search(schema.get("pattern", ""), "a\x00b"):
            return "a string whose pattern lets NUL through"
        return None
    return f"an unexpected schema {schema}"


def test_every_request_value_carries_its_bounds(document: dict[str, Any]) -> None:
    # One walk over every request body: money and quantities are decimal strings without
    # exponents and at most 18 digits (integers bounded), dates 1900..2199, strings bounded and
    # without NUL, lists bounded, integers bounded: what is out of bounds is refused at the edge.
    gaps = []
    seen: set[str] = set()
    for label, name in openapi.request_body_schemas(document):
        ref = {"$ref": f"#/components/schemas/{name}"}
        for where, schema in _leaves(document, ref, f"{label} {name}", seen):
            problem = _unbounded(schema)
            if problem:
                gaps.append(f"{where}: {problem}")
    assert seen
    assert gaps == []


_SHARED_PARAMETERS = {"cursor"}
"""`q2c_shared.pagination`'s, not this service's: a cursor is decoded strictly (anything it did
not give out, NUL included, is a 422 `invalid_cursor`: test_bad_input), its schema bound is the
shared library's to show."""


def test_every_query_parameter_is_bounded(document: dict[str, Any]) -> None:
    gaps = [
        f"{label} ?{parameter['name']}: {problem}"
        for label, _, operation in openapi.operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] not in _SHARED_PARAMETERS
        for _, schema in _leaves(document, parameter["schema"], parameter["name"], set())
        if (problem := _unbounded(schema))
    ]
    assert gaps == []
