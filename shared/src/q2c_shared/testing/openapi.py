"""Checks that a service's OpenAPI document is complete enough for partners to integrate from.

Every check reads the document `app.openapi()` returns and answers with the list of gaps it
found, empty when there are none, so a test asserts `== []` and its failure names every gap at
once rather than the first one.
"""

import re
from collections.abc import Iterable, Iterator
from re import _parser as sre_parse  # type: ignore[attr-defined]  # the only regex width API
from types import ModuleType
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from q2c_shared.money import Amount
from q2c_shared.problems import PROBLEM_MEDIA_TYPE

Document = dict[str, Any]

_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
_PROBLEM_STATUSES = ("401", "404", "409", "422")
_REF_PREFIX = "#/components/schemas/"

# The descriptions every `Amount` carries from its type, in a request (validation: a string or
# an integer) and in a response (serialization: a string). A money field that shows only one of
# them says it is money but not which money (per month? before tax? in which currency?).
GENERIC_MONEY_DESCRIPTIONS: frozenset[str] = frozenset(
    TypeAdapter(Amount).json_schema(mode=mode)["description"]
    for mode in ("validation", "serialization")
)


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
            elif description in GENERIC_MONEY_DESCRIPTIONS:
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


# --- bounds at the edge (issue 12) -----------------------------------------------------------

# What a decimal string of at most 18 integer digits and no exponent refuses.
_NOT_DECIMALS = ("", "NaN", "Infinity", "1e30", "1E5", "1.5e3", "1" * 19, "1" * 19 + ".5")
_FAR_DAYS = ("0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31")
_DECIMAL_INTEGER_BOUND = 10**18
# A pattern that can match more characters than this bounds nothing (`re` says 2**64 for `*`).
_LONGEST_BOUNDED_MATCH = 1_000_000


def unbounded_request_values(document: Document) -> list[str]:
    """Every value a request body or a query parameter may carry that its schema does not bound.

    CONTRACT.md, HTTP conventions: what is out of bounds is refused at the edge, and the OpenAPI
    shows each bound. A gap is:
    - a string whose pattern does not refuse NUL, or with no length bound (neither `maxLength`
      nor a pattern of bounded length);
    - a date (`format: date`) whose pattern lets through a day outside 1900..2199;
    - a decimal (`Amount`, `Price`, `Quantity`, `Percent`: a string or an integer) whose string
      takes an exponent, NaN or 19 integer digits, or whose integer is not within ±10**18; a
      string of digits alone is a decimal too;
    - an integer without minimum and maximum; a JSON number (a float);
    - a list without `maxItems`; a typed map (`additionalProperties` a schema) without
      `maxProperties` (an object open to any JSON, `additionalProperties: true`, is a partner's
      document taken as sent: the request body limit bounds it);
    - a value of no declared type.
    Enums, constants, booleans and UUIDs are bounded by what they are.

    Objects are opened, lists' items and the branches of unions walked, each component once: a
    gap is named `Component.field`, or `GET /v1/path ?name` for a query parameter.
    """
    walker = _BoundsWalker(document)
    for label, _, operation in operations(document):
        for media_type in operation.get("requestBody", {}).get("content", {}).values():
            schema = media_type.get("schema", {})
            walker.walk(schema, f"{label} body", schema)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                schema = parameter.get("schema", {})
                walker.walk(schema, f"{label} ?{parameter['name']}", schema)
    if not walker.values:
        walker.gaps.append("no request body or query parameter to check")
    return walker.gaps


class _BoundsWalker:
    def __init__(self, document: Document) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.seen: set[str] = set()
        self.gaps: list[str] = []
        self.values = 0

    def walk(self, schema: dict[str, Any], where: str, root: dict[str, Any]) -> None:
        if "$ref" in schema:
            self._walk_ref(schema["$ref"], root)
            return
        branches = [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]
        if _is_decimal(branches):
            self.values += 1
            self.gaps += [f"{where}: {gap}" for gap in _decimal_gaps(branches)]
            return
        for branch in branches:
            self.walk(branch, where, root)
        kind = schema.get("type")
        if branches and kind is None:
            return
        self.values += 1
        if kind == "object" or "properties" in schema:
            for name, prop in schema.get("properties", {}).items():
                self.walk(prop, f"{where}.{name}", root)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                # A typed map (`dict[str, Text]`). `true` is a partner's document as the partner
                # sends it (a gateway's event), bounded by the request body limit alone.
                if "maxProperties" not in schema:
                    self.gaps.append(f"{where}: a map without maxProperties")
                self.walk(extra, f"{where}{{}}", root)
            return
        if kind == "array":
            if "maxItems" not in schema:
                self.gaps.append(f"{where}: a list without maxItems")
            self.walk(schema.get("items", {}), f"{where}[]", root)
            return
        gap = _leaf_gap(schema)
        if gap:
            self.gaps.append(f"{where}: {gap}")

    def _walk_ref(self, ref: str, root: dict[str, Any]) -> None:
        name = ref.rsplit("/", 1)[-1]
        if ref.startswith("#/$defs/"):
            # An inline body (`openapi_extra`) keeps its nested models in its own `$defs`.
            key, schema = f"{root.get('title')}/{name}", root.get("$defs", {}).get(name)
        else:
            key, schema = name, self.components.get(name)
        if key in self.seen:
            return
        self.seen.add(key)
        if schema is None:
            self.gaps.append(f"{ref}: refers to no schema")
            return
        self.walk(schema, name, root)


def _is_decimal(branches: list[dict[str, Any]]) -> bool:
    """`Amount`, `Price`, `Quantity`, `Percent`: a decimal string or an integer."""
    return sorted(str(branch.get("type")) for branch in branches) == ["integer", "string"]


def _decimal_gaps(branches: list[dict[str, Any]]) -> list[str]:
    integer, text = sorted(branches, key=lambda branch: str(branch["type"]))
    gaps = [gap for gap in [_leaf_gap(text, digits_only_is_decimal=False)] if gap]
    pattern = text.get("pattern", "")
    taken = [bad for bad in _NOT_DECIMALS if re.search(pattern, bad)]
    if taken:
        gaps.append(f"a decimal whose pattern {pattern} takes {taken}")
    bounds = (integer.get("minimum"), integer.get("maximum"))
    if None in bounds:
        gaps.append("a decimal whose integer has no minimum or maximum")
    elif not -_DECIMAL_INTEGER_BOUND <= bounds[0] <= bounds[1] <= _DECIMAL_INTEGER_BOUND:
        gaps.append(f"a decimal whose integer goes beyond 18 digits: {bounds}")
    return gaps


def _leaf_gap(schema: dict[str, Any], *, digits_only_is_decimal: bool = True) -> str | None:
    """What bound a value that is neither object, list nor union lacks, or None."""
    kind = schema.get("type")
    if {"enum", "const"} & set(schema) or kind in ("boolean", "null"):
        return None
    if kind == "number":
        return "a JSON number (a float; money and quantities are decimal strings)"
    if kind == "integer":
        lower = {"minimum", "exclusiveMinimum"} & set(schema)
        upper = {"maximum", "exclusiveMaximum"} & set(schema)
        return None if lower and upper else "an integer without minimum and maximum"
    if kind != "string":
        return f"a value of no bounded type: {schema}"
    if schema.get("format") == "uuid":
        return None
    pattern = schema.get("pattern")
    if schema.get("format") == "date":
        far = [day for day in _FAR_DAYS if pattern is None or re.search(pattern, day)]
        if far:
            return f"a date that may be outside 1900..2199 ({', '.join(far)})"
    if pattern is None or re.search(pattern, "a\x00b"):
        return "a string whose pattern does not refuse NUL"
    if schema.get("format") == "date":
        return None
    if "maxLength" not in schema and _longest_match(pattern) > _LONGEST_BOUNDED_MATCH:
        return "a string of any length (no maxLength)"
    if digits_only_is_decimal and re.search(pattern, "1") and not re.search(pattern, "a"):
        # Digits only: a decimal (or a number) given as text, bounded like one.
        taken = [bad for bad in _NOT_DECIMALS if re.search(pattern, bad)]
        if taken:
            return f"a string of digits whose pattern {pattern} takes {taken}"
    return None


def _longest_match(pattern: str) -> int:
    """The most characters `pattern` can match (2**64 and more: unbounded)."""
    return int(sre_parse.parse(pattern).getwidth()[1])
