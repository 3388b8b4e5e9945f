"""Event contracts evolve by adding optional fields only (STYLE.md, principle 6).

Each event type's JSON schema is kept in `schemas/<type>.json`. A change to a contract model
passes only if every field of the kept schema is still there with the same type and nothing new
became required, so a consumer built against the kept schema still reads what producers send.
After a compatible change, refresh the files with `UPDATE_EVENT_SCHEMAS=1`.
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from q2c_shared.events.contracts import EVENT_TYPES

SCHEMAS = Path(__file__).parent / "schemas"


def current_schema(event_type: str) -> dict[str, Any]:
    return EVENT_TYPES[event_type].model_json_schema(mode="serialization")


def incompatibilities(kept: dict[str, Any], current: dict[str, Any], path: str = "") -> list[str]:
    """What a consumer of `kept` would trip over in `current` (recursing into $defs)."""
    problems: list[str] = []
    kept_defs, current_defs = kept.get("$defs", {}), current.get("$defs", {})
    for name, kept_def in [("", kept), *kept_defs.items()]:
        current_def = current if name == "" else current_defs.get(name)
        where = f"{path}{name or '(root)'}"
        if current_def is None:
            problems.append(f"{where}: the model is gone")
            continue
        kept_props = kept_def.get("properties", {})
        current_props = current_def.get("properties", {})
        for field, kept_field in kept_props.items():
            if field not in current_props:
                problems.append(f"{where}.{field}: removed or renamed")
            elif _shape(kept_field) != _shape(current_props[field]):
                problems.append(
                    f"{where}.{field}: type changed from {_shape(kept_field)} "
                    f"to {_shape(current_props[field])}"
                )
        newly_required = set(current_def.get("required", [])) - set(kept_def.get("required", []))
        for field in sorted(newly_required):
            problems.append(f"{where}.{field}: new fields must be optional")
    return problems


def _shape(field: dict[str, Any]) -> Any:
    """The parts of a field's schema that decide how a consumer reads it."""
    if "anyOf" in field:
        return sorted(json.dumps(_shape(option), sort_keys=True) for option in field["anyOf"])
    return {key: field[key] for key in ("type", "$ref", "items", "format", "const") if key in field}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_the_event_contract_only_grows(event_type: str) -> None:
    kept_file = SCHEMAS / f"{event_type}.json"
    current = current_schema(event_type)
    if os.environ.get("UPDATE_EVENT_SCHEMAS") == "1":
        kept_file.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert kept_file.exists(), "new event type: keep its schema with UPDATE_EVENT_SCHEMAS=1"
    kept = json.loads(kept_file.read_text())

    assert incompatibilities(kept, current) == []


def test_a_removed_field_or_a_new_required_field_is_caught() -> None:
    kept = {
        "properties": {"amount": {"type": "string"}, "note": {"type": "string"}},
        "required": ["amount"],
    }
    current = {
        "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
        "required": ["amount", "currency"],
    }

    assert incompatibilities(kept, current) == [
        "(root).amount: type changed from {'type': 'string'} to {'type': 'number'}",
        "(root).note: removed or renamed",
        "(root).currency: new fields must be optional",
    ]


def test_every_event_type_has_a_kept_schema() -> None:
    assert sorted(path.stem for path in SCHEMAS.glob("*.json")) == sorted(EVENT_TYPES)
