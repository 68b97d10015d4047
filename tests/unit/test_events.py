"""The envelope and the catalogue: what producers may send and consumers accept."""

import uuid
from datetime import datetime, timezone

import pytest
from marshmallow import fields

from shared.events import EVENT_SCHEMAS, PRODUCERS, MalformedEvent, make_event, parse_event
from shared.events.envelope import EVENT_TYPE_PATTERN

STUDENT = {
    "student_id": "s1",
    "name": "Nils Holgersson",
    "email": "nils@example.org",
    "programme": {"code": "MBIOM", "name_en": "Biomedicine", "name_sv": "Biomedicin"},
    "expected_graduation": "2027-06",
    "language": "sv",
    "registered_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
}


def test_every_event_has_a_producer_and_a_conforming_name():
    import re

    assert set(EVENT_SCHEMAS) == set(PRODUCERS)
    for name in EVENT_SCHEMAS:
        assert re.match(EVENT_TYPE_PATTERN, name), name


def test_the_happy_path_of_the_architecture_is_in_the_catalogue():
    for name in (
        "student.registered.v1",
        "activity.submitted.v1",
        "activity.approved.v1",
        "student.activity_requirement_met.v1",
        "report.submitted.v1",
        "report.accepted.v1",
        "presentation.recorded.v1",
        "student.eligible.v1",
        "certificate.issued.v1",
        "diploma_supplement.recorded.v1",
    ):
        assert name in EVENT_SCHEMAS


def test_an_event_round_trips_through_the_envelope():
    envelope = make_event("student.registered.v1", STUDENT, producer="registration", correlation_id="req-1")
    parsed = parse_event(envelope, "student.registered.v1")
    assert parsed.event_id == envelope["event_id"] and parsed.correlation_id == "req-1"
    assert parsed.data["programme"]["code"] == "MBIOM"
    uuid.UUID(parsed.event_id)


def test_data_that_breaks_its_schema_is_refused_when_made():
    with pytest.raises(ValueError, match="name"):
        make_event("student.registered.v1", {**STUDENT, "name": None}, producer="registration")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("event_id"),
        lambda e: e.update(event_id="not-a-uuid"),
        lambda e: e.update(event_type="Student Registered"),
        lambda e: e.update(occurred_at="yesterday"),
        lambda e: e["data"].pop("student_id"),
        lambda e: e["data"].update(language="de"),
    ],
)
def test_malformed_events_are_refused_when_read(mutate):
    envelope = make_event("student.registered.v1", STUDENT, producer="registration")
    mutate(envelope)
    with pytest.raises(MalformedEvent):
        parse_event(envelope, "student.registered.v1")


def test_fields_added_later_within_a_major_version_are_ignored_by_readers():
    envelope = make_event("student.registered.v1", STUDENT, producer="registration")
    envelope["data"]["pronouns"] = "they"
    envelope["trace"] = "x"
    assert "pronouns" not in parse_event(envelope).data


def test_a_non_object_message_is_malformed():
    with pytest.raises(MalformedEvent):
        parse_event(["not", "an", "object"])


def _undescribed(schema, path="") -> list[str]:
    """The fields of `schema` (nested ones and list items included) that say nothing of themselves."""
    missing = []
    for name, field in schema.fields.items():
        where = f"{path}{name}"
        if not (field.metadata.get("description") or "").strip():
            missing.append(where)
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            missing += _undescribed(inner.schema, f"{where}.")
    return missing


@pytest.mark.parametrize("event_type", sorted(EVENT_SCHEMAS))
def test_every_field_of_every_event_says_what_it_holds(event_type):
    missing = _undescribed(EVENT_SCHEMAS[event_type]())
    assert not missing, f"{event_type}: give {missing} metadata={{'description': ...}}"
