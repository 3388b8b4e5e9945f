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


def test_every_request_value_is_bounded(document: dict[str, Any]) -> None:
    """Every value of every request body and query parameter shows its bound (issue 12; the
    walk and what it checks: `q2c_shared.testing.openapi.unbounded_request_values`)."""
    assert openapi.unbounded_request_values(document) == []


def test_money_and_quantities_in_requests_take_18_integer_digits(document: dict[str, Any]) -> None:
    """A proposed order's quantity and net unit price and a credit note line's amount take up to
    18 integer digits and decimals, as a string or an integer (what every decimal refuses,
    exponents and 19 digits, is checked by test_every_request_value_is_bounded)."""
    schemas = document["components"]["schemas"]
    decimals = {
        "quantity": schemas["ProposedOrderProduct"]["properties"]["quantity"],
        "net_unit_price": schemas["ProposedOrderProduct"]["properties"]["net_unit_price"],
        "amount": schemas["CreditNoteLineCreate"]["properties"]["amount"],
    }
    for name, schema in decimals.items():
        string, integer = schema["anyOf"]
        assert re.fullmatch(string["pattern"], "1" * 18 + ".5"), name
        assert integer["maximum"] >= 10**18 - 1, name
