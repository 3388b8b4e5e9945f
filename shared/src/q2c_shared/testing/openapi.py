"""Checks that a service's OpenAPI document is complete enough for partners to integrate from.

Every check reads the document `app.openapi()` returns and answers with the list of gaps it
found, empty when there are none, so a test asserts `== []` and its failure names every gap at
once rather than the first one.
"""

from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from q2c_shared.money import Amount
from q2c_shared.problems import PROBLEM_MEDIA_TYPE

Document = dict[str, Any]

_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
_PROBLEM_STATUSES = ("401", "404", "409", "422")
_REF_PREFIX = "#/components/schemas/"

# The description every `Amount` carries from its type. A money field that shows only this one
# says it is money but not which money (per month? before tax? in which currency?).
GENERIC_MONEY_DESCRIPTION: str = TypeAdapter(Amount).json_schema()["description"]


def operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label like "POST /v1/quotes", path, operation) for every operation of the document."""
    for path, item in document["paths"].items():
        for method in _METHODS:
            if method in item:
                yield f"{method.upper()} {path}", path, item[method]


def undocumented_operations(document: Document) -> list[str]:
    """Operations without a summary or a description (the endpoint's docstring)."""
    return [
        f"{label}: no {part}"
        for label, _, operation in operations(document)
        for part in ("summary", "description")
        if not str(operation.get(part, "")).strip()
    ]


def undescribed_properties(document: Document) -> list[str]:
    """Properties of component schemas without a description of their own."""
    gaps = []
    for name, schema in document["components"]["schemas"].items():
        for prop, prop_schema in schema.get("properties", {}).items():
            description = str(prop_schema.get("description", "")).strip()
            if not description:
                gaps.append(f"{name}.{prop}: no description")
            elif description == GENERIC_MONEY_DESCRIPTION:
                gaps.append(f"{name}.{prop}: only the generic money description")
    return gaps


def undescribed_parameters(document: Document) -> list[str]:
    """Query and header parameters without a description (path ids are self-describing)."""
    return [
        f"{label}: {parameter['in']} parameter {parameter['name']!r} has no description"
        for label, _, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["in"] != "path" and not str(parameter.get("description", "")).strip()
    ]


def request_body_schemas(document: Document) -> Iterator[tuple[str, str]]:
    """(operation label, component name) for every model a JSON request body may be."""
    for label, _, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        for media_type in content.values():
            for name in _component_names(media_type.get("schema", {})):
                yield label, name


def request_bodies_without_examples(document: Document) -> list[str]:
    """Request bodies (each shape of a union) whose schema shows no example.

    A body is a component schema, or (for a route that reads its raw body itself, documented
    through `openapi_extra`) an inline schema of a model with its `title` and `examples`.
    """
    schemas = document["components"]["schemas"]
    gaps = [
        f"{label}: the body {name} has no `examples`"
        for label, name in request_body_schemas(document)
        if not schemas[name].get("examples")
    ]
    gaps += [
        f"{label}: the body is not a component schema nor an inline one with `examples`"
        for label, _, operation in operations(document)
        for media_type in operation.get("requestBody", {}).get("content", {}).values()
        if not list(_component_names(media_type.get("schema", {})))
        and not media_type.get("schema", {}).get("examples")
    ]
    return gaps


def models_by_name(*modules: ModuleType) -> dict[str, type[BaseModel]]:
    """The Pydantic models the modules define or import, by the name their schema has."""
    return {
        name: value
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, BaseModel)
    }


def invalid_examples(document: Document, models: dict[str, type[BaseModel]]) -> list[str]:
    """Component examples that their own model refuses, or that no model can check.

    An example lives in the model's `json_schema_extra`, apart from its fields and validators;
    validating it is what keeps the two from drifting apart.
    """
    gaps = []
    for name, schema in [*document["components"]["schemas"].items(), *_inline_bodies(document)]:
        examples = schema.get("examples") or []
        if not examples:
            continue
        model = models.get(name)
        if model is None:
            gaps.append(f"{name}: has examples, but no model of that name to validate them")
            continue
        for position, example in enumerate(examples):
            try:
                model.model_validate(example)
            except ValidationError as error:
                gaps.append(f"{name} example {position}: {error}")
    return gaps


def operations_without_problem_responses(document: Document, *, prefix: str = "/v1") -> list[str]:
    """Operations under `prefix` that do not document 401, 404, 409 and 422 as problem+json.

    An operation without a security requirement (a payment gateway's webhook, authenticated by
    the gateway's signature, not the bearer key) documents its own errors instead: at least one,
    each as problem+json.
    """
    gaps = []
    for label, path, operation in operations(document):
        if not path.startswith(prefix + "/"):
            continue
        statuses: tuple[str, ...] = _PROBLEM_STATUSES
        if not operation.get("security"):
            documented = operation.get("responses", {})
            statuses = tuple(status for status in documented if status[:1] in "45") or ("400",)
        for status in statuses:
            response = operation.get("responses", {}).get(status)
            problem = (response or {}).get("content", {}).get(PROBLEM_MEDIA_TYPE)
            if problem is None:
                gaps.append(f"{label}: {status} is not documented as {PROBLEM_MEDIA_TYPE}")
            elif problem.get("schema", {}).get("$ref") != _REF_PREFIX + "ProblemDetails":
                gaps.append(f"{label}: the {status} body is not a ProblemDetails")
    if gaps == [] and "ProblemDetails" not in document["components"]["schemas"]:
        gaps.append("the ProblemDetails schema the error responses refer to is missing")
    return gaps


def _inline_bodies(document: Document) -> Iterator[tuple[str, dict[str, Any]]]:
    """(model title, schema) of the request bodies given inline rather than as components."""
    for _, _, operation in operations(document):
        for media_type in operation.get("requestBody", {}).get("content", {}).values():
            schema = media_type.get("schema", {})
            if not list(_component_names(schema)):
                yield str(schema.get("title", "an untitled inline body")), schema


def _component_names(schema: dict[str, Any]) -> Iterable[str]:
    """The components a schema refers to directly or as a branch of a union (null aside)."""
    if "$ref" in schema:
        yield schema["$ref"].removeprefix(_REF_PREFIX)
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            yield from _component_names(branch)
