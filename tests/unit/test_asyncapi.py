"""docs/asyncapi.yaml moves with the code and is valid AsyncAPI 3.0.0 by the official JSON Schema."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml
from jsonschema import Draft7Validator
from marshmallow import RAISE, fields

from cim import asyncapi
from shared.campus.contract import INBOUND, exchange_of
from shared.events import EVENTS, exchange_name
from shared.settings import REPO_ROOT

SPECS = REPO_ROOT / ".tools" / "node" / "node_modules" / "@asyncapi" / "specs"
SETUP = REPO_ROOT / "bin" / "setup"


@pytest.fixture(scope="module")
def doc() -> dict:
    return asyncapi.document()


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    """The bundled schema of @asyncapi/specs (every definition inside it: nothing is fetched)."""
    pinned = re.search(r"^ASYNCAPI_SPECS_VERSION=(\S+)$", SETUP.read_text(), re.M).group(1)
    package = SPECS / "package.json"
    assert package.is_file(), f"@asyncapi/specs is not installed in {SPECS}: run bin/setup"
    installed = json.loads(package.read_text())["version"]
    assert installed == pinned, f"@asyncapi/specs {installed} is installed, bin/setup pins {pinned}: run bin/setup"
    schema = json.loads((SPECS / "schemas" / f"{asyncapi.ASYNCAPI_VERSION}.json").read_text())
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def _errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(document)]


def test_the_document_matches_the_code():
    assert asyncapi.PATH.read_text() == asyncapi.render(), "docs/asyncapi.yaml is stale: run `.venv/bin/cim docs`"


def test_the_committed_document_is_valid_asyncapi_3(validator):
    document = yaml.safe_load(asyncapi.PATH.read_text())
    assert document["asyncapi"] == "3.0.0"
    assert _errors(validator, document) == []


@pytest.mark.parametrize(
    "breakage",
    [
        "unknown channel field",
        "publish is AsyncAPI 2",
        "unknown exchange type",
        "unknown binding field",
        "bad payload schema",
        "no channel on an operation",
    ],
)
def test_the_validator_refuses_a_broken_document(doc, validator, breakage):
    broken = copy.deepcopy(doc)
    channel = broken["channels"][EVENTS[0].type]
    operation = next(iter(broken["operations"].values()))
    if breakage == "unknown channel field":
        channel["routingKey"] = EVENTS[0].type
    elif breakage == "publish is AsyncAPI 2":
        operation["action"] = "publish"
    elif breakage == "unknown exchange type":
        channel["bindings"]["amqp"]["exchange"]["type"] = "broadcast"
    elif breakage == "unknown binding field":
        operation["bindings"]["amqp"]["persistent"] = True
    elif breakage == "bad payload schema":
        broken["components"]["messages"][EVENTS[0].type]["payload"]["required"] = "event_id"
    else:
        del operation["channel"]
    assert _errors(validator, broken), f"{breakage}: not refused"


def test_every_reference_resolves(doc):
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    refs = list(walk(doc))
    assert refs
    for ref in refs:
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, f"{ref} does not resolve"
            target = target[part]


def _only_operation(doc, event_type: str, exchange: str, key: str, action: str) -> dict:
    """The channel's AMQP binding names the exchange; one operation uses it, with that key."""
    channel = doc["channels"][event_type]
    assert channel["address"] == event_type  # the routing key
    binding = channel["bindings"]["amqp"]
    assert binding["is"] == "routingKey"
    assert binding["exchange"] == {
        "name": exchange,
        "type": "topic",
        "durable": True,
        "autoDelete": False,
        "vhost": "/",
    }
    operations = {k: op for k, op in doc["operations"].items() if op["channel"]["$ref"] == f"#/channels/{event_type}"}
    assert list(operations) == [key]
    assert operations[key]["action"] == action
    return operations[key]


@pytest.mark.parametrize("spec", EVENTS, ids=lambda spec: spec.type)
def test_every_event_is_sent_by_its_producer_on_its_exchange(doc, spec):
    operation = _only_operation(
        doc, spec.type, exchange_name(spec.producer), f"{spec.producer}.publish.{spec.type}", "send"
    )
    assert operation["bindings"]["amqp"]["deliveryMode"] == 2
    message = doc["components"]["messages"][spec.type]
    assert message["contentType"] == "application/json"
    assert message["payload"]["properties"]["event_type"]["const"] == spec.type


@pytest.mark.parametrize("spec", INBOUND, ids=lambda spec: spec.type)
def test_every_inbound_type_is_received_from_its_system_exchange(doc, spec):
    _only_operation(doc, spec.type, exchange_of(spec.system), f"campus.receive.{spec.type}", "receive")
    message = doc["components"]["messages"][spec.type]
    assert message["contentType"] == "application/cloudevents+json"
    assert "binary mode" in message["description"].lower()
    payload = message["payload"]
    assert payload["properties"]["type"]["const"] == spec.type
    assert {"specversion", "id", "source", "type", "data"} <= set(payload["required"])


def test_nothing_else_is_described(doc):
    expected = {spec.type for spec in EVENTS} | {spec.type for spec in INBOUND}
    assert set(doc["channels"]) == expected
    assert set(doc["components"]["messages"]) == expected


def _assert_fields(schema, payload: dict, where: str):
    """Every field, nested ones too, described, with its required flag and strictness."""
    assert payload["type"] == "object", where
    assert list(payload["properties"]) == list(schema.fields), where
    assert payload.get("required", []) == [n for n, f in schema.fields.items() if f.required], where
    assert payload["additionalProperties"] is (schema.unknown != RAISE), where
    for name, field in schema.fields.items():
        prop = payload["properties"][name]
        assert prop.get("description"), f"{where}.{name}: say what it holds in its metadata"
        assert prop["description"] == field.metadata["description"], f"{where}.{name}"
        inner = field.inner if isinstance(field, fields.List) else None
        if isinstance(inner, fields.Nested):
            _assert_fields(inner.schema, prop["items"], f"{where}.{name}[]")
        elif isinstance(field, fields.Nested):
            _assert_fields(field.schema, prop, f"{where}.{name}")


@pytest.mark.parametrize("spec", EVENTS, ids=lambda spec: spec.type)
def test_every_event_field_is_in_its_payload(doc, spec):
    payload = doc["components"]["messages"][spec.type]["payload"]
    assert payload["additionalProperties"] is True
    assert payload["required"] == ["event_id", "event_type", "occurred_at", "producer", "correlation_id", "data"]
    _assert_fields(spec.schema(), payload["properties"]["data"], spec.type)


@pytest.mark.parametrize("spec", INBOUND, ids=lambda spec: spec.type)
def test_every_inbound_field_is_in_its_payload_and_no_other_is_allowed(doc, spec):
    data = doc["components"]["messages"][spec.type]["payload"]["properties"]["data"]
    assert data["additionalProperties"] is False
    _assert_fields(spec.schema(), data, spec.type)
