"""payment-svc's OpenAPI document is complete: partners integrate from it alone.

Built from `create_app()` without entering its lifespan, so no database or broker is needed.
"""

import re
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


def test_every_request_value_is_bounded(document: dict[str, Any]) -> None:
    """Every value of every request body and query parameter shows its bound (issue 12; the
    walk and what it checks: `q2c_shared.testing.openapi.unbounded_request_values`)."""
    assert openapi.unbounded_request_values(document) == []


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
