"""The campus contract in code: every type of CAMPUS.md, read from every binding it allows."""

import json

import pytest

from services.campus.domain import translations
from shared.campus import contract
from shared.campus.envelope import Unusable, from_amqp, from_http, from_structured
from tests.builders.campus import a_campus_event, binary_headers

TABLE = {  # CAMPUS.md's table: type -> sending system
    "campus.lms.enrolment.created.v1": "lms",
    "campus.lms.enrolment.deleted.v1": "lms",
    "campus.mobility.exchange.completed.v1": "mobility",
    "campus.events.attendance.recorded.v1": "events",
    "campus.records.degree.conferred.v1": "records",
    "campus.records.name.changed.v1": "records",
}


def test_the_contract_has_exactly_the_types_of_the_campus_table():
    assert {spec.type: spec.system for spec in contract.INBOUND} == TABLE


def test_the_edges_domain_names_the_same_types_as_the_contract():
    named = {
        getattr(translations, name)
        for name in dir(translations)
        if name.isupper() and str(getattr(translations, name)).startswith("campus.")
    }
    assert named == set(TABLE)


@pytest.mark.parametrize("event_type", sorted(TABLE))
def test_every_type_is_read_from_structured_json_and_translated(event_type):
    event = from_structured(a_campus_event(event_type))
    assert event.system == TABLE[event_type]
    command = translations.translate(
        event.type, event.values, student_id="stu-1", issuer="idp", reported_by=event.source
    )
    assert command.data["reported_by"] == event.source


def test_http_binary_mode_and_batch_mode():
    event = a_campus_event(contract.MOBILITY_EXCHANGE_COMPLETED)
    [binary] = from_http(
        {"Content-Type": "application/json", **binary_headers(event)}, json.dumps(event["data"]).encode()
    )
    assert (binary.id, binary.type) == (event["id"], event["type"])
    batch = from_http(
        {"Content-Type": "application/cloudevents-batch+json"},
        json.dumps([event, a_campus_event(contract.LMS_ENROLMENT_DELETED)]).encode(),
    )
    assert [e.system for e in batch] == ["mobility", "lms"]


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda e: e.pop("id"), "missing CloudEvents attribute(s): id"),
        (lambda e: e.update(specversion="0.3"), "specversion"),
        (lambda e: e.update(datacontenttype="text/plain"), "datacontenttype"),
        (lambda e: e["data"].update(language="fi"), "language"),
        (lambda e: e["data"].pop("email"), "email"),
    ],
)
def test_what_breaks_the_contract_says_why(mutate, reason):
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED)
    mutate(event)
    with pytest.raises(Unusable) as refused:
        from_amqp("lms", {}, "application/cloudevents+json", json.dumps(event).encode())
    assert reason in refused.value.reason


def test_a_batch_over_a_hundred_events_is_refused():
    events = [a_campus_event(contract.LMS_ENROLMENT_DELETED) for _ in range(101)]
    with pytest.raises(Unusable, match="1 to 100"):
        from_http({"Content-Type": "application/cloudevents-batch+json"}, json.dumps(events).encode())
