"""The OpenAPI completeness checks the services' tests run: each gap is named, a complete
document has none, and what every service shares (probes, pages, problems) is complete; every
request value shows its bound (issue 12), and each value without one is named."""

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from q2c_shared.app import ServiceSpec, create_service_app
from q2c_shared.bounds import MAX_LINES, NO_NUL_PATTERN, BusinessDate, Flag, Text
from q2c_shared.money import Amount, Percent, Price, Quantity
from q2c_shared.pagination import Page, PageDep
from q2c_shared.problems import PROBLEM_CONTENT, ProblemDetails
from q2c_shared.settings import ServiceSettings
from q2c_shared.testing import openapi


class RefundIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": "250.00"}]})

    amount: Amount = Field(gt=0, description="At most what is unallocated.")


class RefundOut(BaseModel):
    amount: Amount = Field(description="The money given back, in the payment's currency.")


class NoteIn(BaseModel):
    text: str


class ChargeOut(BaseModel):
    amount: Amount


class HookEvent(BaseModel):
    """An event a partner signs and posts to us."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "evt_1"}]})

    id: str = Field(description="The event's id.")


def service(router: APIRouter, *, public: APIRouter | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="doc-svc",
        title="Doc",
        description="",
        routers=[router],
        public_routers=[public] if public else [],
    )
    return create_service_app(spec, ServiceSettings(run_background_workers=False))


def webhook_router(*, errors: bool = True) -> APIRouter:
    """A public route that reads its raw body (the signature covers its bytes), documented
    through `openapi_extra`."""
    router = APIRouter()
    responses: dict[int | str, dict[str, Any]] = (
        {400: {"model": ProblemDetails, "content": PROBLEM_CONTENT, "description": "Unsigned."}}
        if errors
        else {}
    )

    @router.post(
        "/webhooks/partner",
        summary="Receive a partner's webhook",
        responses=responses,
        openapi_extra={
            "requestBody": {
                "content": {"application/json": {"schema": HookEvent.model_json_schema()}}
            }
        },
    )
    async def partner_webhook(request: Request) -> RefundOut:
        """Checks the signature, then records the event."""
        return RefundOut(amount=len(await request.body()))

    return router


def documented_router() -> APIRouter:
    router = APIRouter()

    @router.post("/refunds", summary="Refund")
    async def refund(body: RefundIn) -> RefundOut:
        """Give money back."""
        return RefundOut(amount=body.amount)

    @router.get("/refunds", summary="List refunds")
    async def refunds() -> Page[RefundOut]:
        """The refunds, newest first."""
        return Page(items=[], next_cursor=None)

    return router


def undocumented_router() -> APIRouter:
    router = APIRouter()

    @router.post("/notes")
    async def add_note(body: NoteIn) -> ChargeOut:
        return ChargeOut(amount=0)

    return router


def test_a_complete_document_has_no_gaps() -> None:
    document = service(documented_router()).openapi()
    models = {"RefundIn": RefundIn, "RefundOut": RefundOut}

    assert openapi.undocumented_operations(document) == []
    assert openapi.undescribed_properties(document) == []
    assert openapi.undescribed_parameters(document) == []
    assert openapi.request_bodies_without_examples(document) == []
    assert openapi.invalid_examples(document, models) == []
    assert openapi.operations_without_problem_responses(document) == []


def test_each_gap_is_named() -> None:
    document = service(undocumented_router()).openapi()

    assert openapi.undocumented_operations(document) == ["POST /v1/notes: no description"]
    assert openapi.undescribed_properties(document) == [
        "ChargeOut.amount: only the generic money description",
        "NoteIn.text: no description",
    ]
    assert openapi.request_bodies_without_examples(document) == [
        "POST /v1/notes: the body NoteIn has no `examples`"
    ]


def test_an_example_its_model_refuses_is_named() -> None:
    document: dict[str, Any] = service(documented_router()).openapi()
    document["components"]["schemas"]["RefundIn"]["examples"] = [{"amount": 250.0}]

    (gap,) = openapi.invalid_examples(document, {"RefundIn": RefundIn})

    assert gap.startswith("RefundIn example 0:") and "decimal string" in gap


def test_errors_are_documented_as_problem_details_under_their_own_media_type() -> None:
    document = service(documented_router()).openapi()

    content = document["paths"]["/v1/refunds"]["get"]["responses"]["409"]["content"]

    assert content["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemDetails"
    }


def test_the_probes_say_what_they_check() -> None:
    document = service(APIRouter()).openapi()

    for path in ("/healthz", "/readyz"):
        assert document["paths"][path]["get"]["description"]


def test_a_public_raw_body_route_documents_its_body_inline_and_its_own_errors() -> None:
    document = service(APIRouter(), public=webhook_router()).openapi()
    models = {"HookEvent": HookEvent, "RefundOut": RefundOut}

    assert "security" not in document["paths"]["/v1/webhooks/partner"]["post"]
    assert openapi.request_bodies_without_examples(document) == []
    assert openapi.invalid_examples(document, models) == []
    assert openapi.operations_without_problem_responses(document) == []


def test_a_public_route_must_document_its_errors_and_valid_inline_examples() -> None:
    document: dict[str, Any] = service(APIRouter(), public=webhook_router(errors=False)).openapi()
    body = document["paths"]["/v1/webhooks/partner"]["post"]["requestBody"]
    body["content"]["application/json"]["schema"]["examples"] = [{"id": 7}]

    (gap,) = openapi.invalid_examples(document, {"HookEvent": HookEvent})

    assert gap.startswith("HookEvent example 0:")
    assert openapi.operations_without_problem_responses(document) == [
        "POST /v1/webhooks/partner: 400 is not documented as application/problem+json"
    ]


# --- bounds of request values (issue 12) ------------------------------------------------------


class Channel(StrEnum):
    WEB = "web"
    PHONE = "phone"


class BoundedLine(BaseModel):
    quantity: Quantity
    unit_price: Price


class BoundedIn(BaseModel):
    amount: Amount
    discount: Percent | None = None
    note: Text = Field(max_length=200)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    day: BusinessDate
    seats: int = Field(ge=1, le=10_000)
    channel: Channel
    account_id: uuid.UUID
    urgent: Flag = False
    lines: list[BoundedLine] = Field(max_length=MAX_LINES)


class LooseIn(BaseModel):
    name: str
    ratio: float
    seats: int
    day: date
    total: Decimal
    reference: str = Field(max_length=40)
    code: str = Field(max_length=30, pattern=r"^\d+$")
    labels: dict[str, Text] = Field(default_factory=dict)
    tags: list[Annotated[str, Field(max_length=20, pattern=NO_NUL_PATTERN)]]


def bounds_router(*, loose: bool = True) -> APIRouter:
    """POST /bounded, whose every request value shows its bound; with `loose`, POST /loose too,
    whose values show none."""
    router = APIRouter()

    @router.post("/bounded", summary="Bounded")
    async def bounded(
        body: BoundedIn,
        page: PageDep,
        search: Annotated[str | None, Query(max_length=50, pattern=NO_NUL_PATTERN)] = None,
    ) -> RefundOut:
        """Every value bounded."""
        return RefundOut(amount=0)

    if loose:

        @router.post("/loose", summary="Loose")
        async def loose(body: LooseIn, search: str | None = None) -> RefundOut:
            """Values without bounds."""
            return RefundOut(amount=0)

    return router


def test_every_bounded_request_value_passes() -> None:
    document = service(bounds_router(loose=False)).openapi()

    assert openapi.unbounded_request_values(document) == []


def test_each_unbounded_request_value_is_named() -> None:
    document = service(bounds_router()).openapi()

    assert openapi.unbounded_request_values(document) == [
        "LooseIn.name: a string whose pattern does not refuse NUL",
        "LooseIn.ratio: a JSON number (a float; money and quantities are decimal strings)",
        "LooseIn.seats: an integer without minimum and maximum",
        "LooseIn.day: a date that may be outside 1900..2199 "
        "(0001-01-01, 1899-12-31, 2200-01-01, 9999-12-31)",
        "LooseIn.total: a JSON number (a float; money and quantities are decimal strings)",
        "LooseIn.total: a string whose pattern does not refuse NUL",
        "LooseIn.reference: a string whose pattern does not refuse NUL",
        r"LooseIn.code: a string of digits whose pattern ^\d+$ takes ['1111111111111111111']",
        "LooseIn.labels: a map without maxProperties",
        "LooseIn.labels{}: a string of any length (no maxLength)",
        "LooseIn.tags: a list without maxItems",
        "POST /v1/loose ?search: a string whose pattern does not refuse NUL",
    ]


def test_a_decimal_taking_exponents_or_19_digits_is_named() -> None:
    document: dict[str, Any] = service(bounds_router(loose=False)).openapi()
    amount = document["components"]["schemas"]["BoundedIn"]["properties"]["amount"]
    text, integer = amount["anyOf"]
    text["pattern"] = r"^-?\d{1,30}(\.\d{1,3})?([eE]\d{1,3})?$"
    del integer["maximum"]
    quantity = document["components"]["schemas"]["BoundedLine"]["properties"]["quantity"]
    quantity["anyOf"][1]["maximum"] = 10**19
    document["components"]["schemas"]["BoundedIn"]["properties"]["day"]["pattern"] = (
        r"^\d{4}-\d{2}-\d{2}$"
    )

    assert openapi.unbounded_request_values(document) == [
        r"BoundedIn.amount: a decimal whose pattern ^-?\d{1,30}(\.\d{1,3})?([eE]\d{1,3})?$ takes "
        "['1e30', '1E5', '1.5e3', '1111111111111111111', '1111111111111111111.5']",
        "BoundedIn.amount: a decimal whose integer has no minimum or maximum",
        "BoundedIn.day: a date that may be outside 1900..2199 "
        "(0001-01-01, 1899-12-31, 2200-01-01, 9999-12-31)",
        "BoundedLine.quantity: a decimal whose integer goes beyond 18 digits: "
        "(-1e+18, 10000000000000000000)",
    ]


def test_a_document_without_request_values_is_a_gap() -> None:
    document = service(APIRouter()).openapi()

    assert openapi.unbounded_request_values(document) == [
        "no request body or query parameter to check"
    ]
