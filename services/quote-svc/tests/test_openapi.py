"""quote-svc's OpenAPI document is complete: partners integrate from it alone.

Built from `create_app()` without entering its lifespan, so no database or broker is needed.
"""

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


def test_every_request_value_is_bounded(document: dict[str, Any]) -> None:
    """Every value of every request body and query parameter shows its bound (issue 12; the
    walk and what it checks: `q2c_shared.testing.openapi.unbounded_request_values`)."""
    assert openapi.unbounded_request_values(document) == []
