"""The CloudEvents envelope and the event contracts: every type survives the trip through JSON
that the outbox, the broker and the consumer put it on, with money as strings."""

import json
import types
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, ValidationError

from q2c_shared.events.contracts import EVENT_TYPES, EventData
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.events.topics import BUSINESS_TOPICS
from q2c_shared.money import Percent

SAMPLE_MONEY = Decimal("1234.50")
SAMPLE_PERCENT = Decimal("19.5")
_SAMPLES: dict[Any, Any] = {
    str: "text",
    int: 3,
    bool: True,
    date: date(2026, 1, 31),
    Decimal: SAMPLE_MONEY,
}


def sample(annotation: Any) -> Any:
    """A value for any field type the contracts use; optional fields get a value too, so that
    their money fields are checked as well."""
    origin = get_origin(annotation)
    if annotation is Percent:
        return SAMPLE_PERCENT
    if origin is Annotated:
        return sample(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return sample(next(arg for arg in get_args(annotation) if arg is not type(None)))
    if origin is list:
        return [sample(get_args(annotation)[0])]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return build(annotation)
    return _SAMPLES[annotation]


def build(model: type[BaseModel]) -> Any:
    return model(
        **{name: sample(field.rebuild_annotation()) for name, field in model.model_fields.items()}
    )


def leaf_pairs(python: Any, jsonish: Any) -> list[tuple[Any, Any]]:
    """Pairs (python value, JSON value) of every leaf of two dumps of the same model."""
    if isinstance(python, dict):
        return [pair for key in python for pair in leaf_pairs(python[key], jsonish[key])]
    if isinstance(python, list):
        return [pair for p, j in zip(python, jsonish, strict=True) for pair in leaf_pairs(p, j)]
    return [(python, jsonish)]


def new_event(*, data: EventData, subject: str | None = "subject-1") -> CloudEvent:
    return CloudEvent.new(
        source="/q2c/test-svc",
        type=data.event_type,
        subject=subject,
        data=data.model_dump(mode="json"),
    )


def over_the_wire(event: CloudEvent) -> CloudEvent:
    """What the relay writes and the consumer reads."""
    return CloudEvent.model_validate(json.loads(json.dumps(event.model_dump(mode="json"))))


def has_money(model: type[BaseModel]) -> bool:
    dumped = build(model).model_dump()
    return any(isinstance(python, Decimal) for python, _ in leaf_pairs(dumped, dumped))


EVENT_MODELS = sorted(EVENT_TYPES.items())
MONEY_MODELS = [(event_type, model) for event_type, model in EVENT_MODELS if has_money(model)]


def test_the_catalogue_names_each_model_by_its_own_type_and_a_business_topic() -> None:
    # The parametrised tests below would pass vacuously without these.
    assert len(EVENT_MODELS) >= 8
    assert len(MONEY_MODELS) >= 6
    for event_type, model in EVENT_TYPES.items():
        assert model.event_type == event_type
        assert model.topic in BUSINESS_TOPICS


@pytest.mark.parametrize(("event_type", "model"), EVENT_MODELS, ids=[t for t, _ in EVENT_MODELS])
def test_every_event_type_round_trips_through_json(event_type: str, model: type[EventData]) -> None:
    data = build(model)

    received = over_the_wire(new_event(data=data))

    assert received.type == event_type
    assert EVENT_TYPES[received.type].model_validate(received.data) == data


@pytest.mark.parametrize(("event_type", "model"), MONEY_MODELS, ids=[t for t, _ in MONEY_MODELS])
def test_money_travels_as_strings_never_as_json_numbers(
    event_type: str, model: type[EventData]
) -> None:
    data = build(model)

    pairs = leaf_pairs(data.model_dump(), json.loads(data.model_dump_json()))

    decimals = [jsonish for python, jsonish in pairs if isinstance(python, Decimal)]
    assert set(decimals) <= {"1234.50", "19.5"} and decimals
    assert not [jsonish for _, jsonish in pairs if isinstance(jsonish, float)]


@pytest.mark.parametrize(("event_type", "model"), EVENT_MODELS, ids=[t for t, _ in EVENT_MODELS])
def test_consumers_ignore_fields_added_by_newer_producers(
    event_type: str, model: type[EventData]
) -> None:
    data = build(model)
    newer = data.model_dump(mode="json") | {"added_in_a_later_version": {"any": "thing"}}

    assert model.model_validate(newer) == data


@pytest.mark.parametrize(("event_type", "model"), MONEY_MODELS, ids=[t for t, _ in MONEY_MODELS])
def test_a_float_amount_in_an_event_is_refused(event_type: str, model: type[EventData]) -> None:
    payload = json.loads(build(model).model_dump_json())
    path = first_money_path(payload)
    set_at(payload, path, 1234.5)

    with pytest.raises(ValidationError, match="decimal string"):
        model.model_validate(payload)


def first_money_path(payload: Any, path: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    if payload == "1234.50":
        return path
    children = (
        payload.items()
        if isinstance(payload, dict)
        else (enumerate(payload) if isinstance(payload, list) else ())
    )
    for key, child in children:
        if found := first_money_path(child, (*path, key)):
            return found
    return ()


def set_at(payload: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        payload = payload[key]
    payload[path[-1]] = value


def test_a_new_event_has_the_cloudevents_attributes() -> None:
    before = datetime.now(UTC)
    event = new_event(data=build(EVENT_TYPES["PaymentReceived"]), subject="payment-9")

    wire = json.loads(event.model_dump_json())

    assert set(wire) == {
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "subject",
        "datacontenttype",
        "data",
    }
    assert wire["specversion"] == "1.0"
    assert wire["datacontenttype"] == "application/json"
    assert wire["source"] == "/q2c/test-svc"
    assert wire["type"] == "PaymentReceived"
    assert wire["subject"] == "payment-9"
    assert uuid.UUID(wire["id"]).version == 7
    sent_at = datetime.fromisoformat(wire["time"])
    assert sent_at.utcoffset() is not None and before <= sent_at <= datetime.now(UTC)


def test_every_new_event_gets_its_own_id() -> None:
    data = build(EVENT_TYPES["InvoicePaid"])

    assert len({new_event(data=data).id for _ in range(100)}) == 100


@pytest.mark.parametrize(
    "change",
    [{"specversion": "0.3"}, {"datacontenttype": "text/xml"}, {"id": None}, {"data": "text"}],
)
def test_an_envelope_that_breaks_the_spec_is_refused(change: dict[str, Any]) -> None:
    wire = new_event(data=build(EVENT_TYPES["InvoicePaid"])).model_dump(mode="json") | change

    with pytest.raises(ValidationError):
        CloudEvent.model_validate(wire)
