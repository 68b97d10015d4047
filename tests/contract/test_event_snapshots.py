"""Event schemas stay compatible with their committed snapshots.

Within a major version a change must be additive: no field removed, retyped or made required,
and a new field must be optional. A new event gets its snapshot with
`CIM_UPDATE_SNAPSHOTS=1 bin/test tests/contract` (and the snapshot is reviewed and committed).
"""

import json
import os
from pathlib import Path

import pytest
from cim.docs import describe
from shared.events import EVENT_SCHEMAS

SNAPSHOTS = Path(__file__).parent / "snapshots"


def incompatibilities(old: dict, new: dict, path="") -> list[str]:
    problems = []
    for name, before in old.items():
        where = f"{path}{name}"
        after = new.get(name)
        if after is None:
            problems.append(f"{where} was removed")
            continue
        if after["type"] != before["type"]:
            problems.append(f"{where} changed type {before['type']} -> {after['type']}")
        if after["required"] and not before["required"]:
            problems.append(f"{where} became required")
        for key in ("fields", "items"):
            if isinstance(before.get(key), dict):
                problems += incompatibilities(before[key], after.get(key) or {}, f"{where}.")
    for name, after in new.items():
        if name not in old and after["required"]:
            problems.append(f"{path}{name} is new and required (new fields must be optional)")
    return problems


@pytest.mark.parametrize("event_type", sorted(EVENT_SCHEMAS))
def test_event_schema_is_compatible_with_its_snapshot(event_type):
    current = describe(EVENT_SCHEMAS[event_type]())
    path = SNAPSHOTS / f"{event_type}.json"
    if not path.exists():
        if os.environ.get("CIM_UPDATE_SNAPSHOTS"):
            SNAPSHOTS.mkdir(exist_ok=True)
            path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        raise AssertionError(f"{event_type} has no committed snapshot ({path.name})")
    assert incompatibilities(json.loads(path.read_text()), current) == []


def test_the_compatibility_check_catches_breaking_changes():
    old = {
        "a": {"type": "String", "required": True},
        "n": {"type": "Nested", "required": True, "fields": {"x": {"type": "Date", "required": True}}},
    }
    assert incompatibilities(old, {"n": old["n"]}) == ["a was removed"]
    assert incompatibilities(old, {**old, "a": {"type": "Integer", "required": True}})
    assert incompatibilities(old, {**old, "b": {"type": "String", "required": True}})
    assert incompatibilities(old, {**old, "b": {"type": "String", "required": False}}) == []
    assert incompatibilities(old, {**old, "n": {"type": "Nested", "required": True, "fields": {}}}) == [
        "n.x was removed"
    ]
