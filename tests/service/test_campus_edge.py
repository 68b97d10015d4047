"""The campus edge with a real broker and database: every campus type in, our own events out.

Campus systems publish CloudEvents to their exchanges (`campus.lms`, ...); the edge checks them,
drops duplicates by (source, id), keeps events about people not registered yet, and translates
the rest into the owning services' events on `campus-edge.events`. What it cannot use goes to
the dead-letter queue with the reason while later events flow.
"""

import json

import eventlet
import pytest
from kombu import Connection
from nameko.extensions import DependencyProvider
from nameko.standalone.rpc import ServiceRpcProxy

from services.campus.service import CampusService
from shared.campus import contract
from shared.db import utcnow
from shared.events import (
    ATTENDANCE_REPORTED,
    DEGREE_REPORTED,
    ENROLMENT_REPORTED,
    EXCHANGE_REPORTED,
    LEGAL_NAME_REPORTED,
    STUDENT_REGISTERED,
    UNENROLMENT_REPORTED,
)
from shared.messaging import ATTEMPTS_HEADER, dead_letter_topology
from tests.builders import a_student
from tests.builders.campus import a_campus_event, publish_binary, publish_campus, publish_structured
from tests.helpers import EventTap, publish_event, rows, wait_until
from tests.service.conftest import call

ADMIN = {"issuer": "cim-dev", "subject": "a-1", "role": "admin"}
TRANSLATIONS = {
    contract.LMS_ENROLMENT_CREATED: ENROLMENT_REPORTED,
    contract.LMS_ENROLMENT_DELETED: UNENROLMENT_REPORTED,
    contract.MOBILITY_EXCHANGE_COMPLETED: EXCHANGE_REPORTED,
    contract.EVENTS_ATTENDANCE_RECORDED: ATTENDANCE_REPORTED,
    contract.RECORDS_DEGREE_CONFERRED: DEGREE_REPORTED,
    contract.RECORDS_NAME_CHANGED: LEGAL_NAME_REPORTED,
}


class ContextProbe(DependencyProvider):
    """Records each worker's context data: what would travel on the worker's own messages."""

    seen: list = []

    def worker_setup(self, worker_ctx):
        ContextProbe.seen.append(dict(worker_ctx.context_data))


class ProbedCampusService(CampusService):
    probe = ContextProbe()


@pytest.fixture
def campus(start_service):
    ContextProbe.seen = []
    return start_service(ProbedCampusService, CIM_CAMPUS_ISSUER="cim-dev")


@pytest.fixture
def tap(service_config):
    tap = EventTap(service_config["AMQP_URI"], [("campus", "#")])
    yield tap
    tap.close()


def register(amqp, student_ref="s-campus-1") -> str:
    """Tell the edge a person registered, as registration's event would."""
    student = a_student(issuer="cim-dev", subject=student_ref)
    publish_event(amqp, STUDENT_REGISTERED, student, "registration")
    return student["student_id"]


def dead_letters(amqp_uri):
    found = []
    with Connection(amqp_uri) as conn:
        _, queue = dead_letter_topology()
        queue = queue(conn.channel())
        queue.declare()
        while (message := queue.get(no_ack=True)) is not None:
            found.append(message)
    return found


def log_entries(database_url):
    return rows(database_url, "SELECT source, event_id, event_type, status, student_id FROM inbound_events ORDER BY id")


@pytest.mark.parametrize("event_type", sorted(TRANSLATIONS))
def test_every_campus_type_becomes_its_owners_event(campus, service_config, database_url, tap, event_type):
    amqp = service_config["AMQP_URI"]
    student_id = register(amqp)
    wait_until(lambda: rows(database_url, "SELECT 1 FROM people"), message="the person known")
    event = a_campus_event(event_type)
    publish_structured(amqp, event)
    [translated] = tap.wait_for(TRANSLATIONS[event_type])
    data = translated["data"]
    assert data["reported_by"] == event["source"]
    assert translated["producer"] == "campus"
    if event_type == contract.LMS_ENROLMENT_CREATED:
        assert (data["issuer"], data["subject"], data["name"]) == ("cim-dev", "s-campus-1", "Grace Example")
        assert data["language"] == "sv"
    else:
        assert data["student_id"] == student_id
    for name, value in event["data"].items():
        if name != "student_ref":
            assert str(data[name]).startswith(str(value)[:10]), name
    assert log_entries(database_url)[-1][3] == "forwarded"


@pytest.mark.parametrize("spelling", ["ce-", "cloudEvents_", "cloudEvents:"])
def test_binary_mode_is_read_in_every_header_spelling(campus, service_config, tap, spelling):
    amqp = service_config["AMQP_URI"]
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref=f"s-{spelling[-1]}")
    publish_binary(amqp, event, spelling)
    [translated] = tap.wait_for(ENROLMENT_REPORTED)
    assert translated["data"]["subject"] == f"s-{spelling[-1]}"


def test_structured_mode_is_read_with_and_without_a_charset(campus, service_config, tap):
    amqp = service_config["AMQP_URI"]
    publish_structured(
        amqp,
        a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-a"),
        content_type="application/cloudevents+json",
    )
    publish_structured(
        amqp,
        a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-b"),
        content_type="application/cloudevents+json; charset=utf-8",
    )
    subjects = {e["data"]["subject"] for e in tap.wait_for(ENROLMENT_REPORTED, count=2)}
    assert subjects == {"s-a", "s-b"}


def test_message_headers_do_not_ride_on_what_the_worker_sends(campus, service_config, tap):
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED)
    publish_binary(service_config["AMQP_URI"], event, "ce-")
    tap.wait_for(ENROLMENT_REPORTED)
    handled = [
        ctx for ctx in ContextProbe.seen if "correlation_id" in ctx and ctx["correlation_id"].startswith("campus:")
    ]
    # nameko's own call-id stack, and the correlation id: no ce- or cloudEvents attribute
    assert handled and all(set(ctx) <= {"correlation_id", "call_id_stack"} for ctx in handled)


def test_a_duplicate_by_source_and_id_changes_nothing(campus, service_config, database_url, tap):
    amqp = service_config["AMQP_URI"]
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED)
    publish_structured(amqp, event)
    publish_binary(amqp, event, "cloudEvents:")  # the same event, another mode
    marker = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-marker")
    publish_structured(amqp, marker)
    found = tap.wait_for(ENROLMENT_REPORTED, count=2)
    eventlet.sleep(0.5)
    found = [e for e in tap.seen if e["event_type"] == ENROLMENT_REPORTED]
    assert sorted(e["data"]["subject"] for e in found) == ["s-campus-1", "s-marker"]
    assert len(log_entries(database_url)) == 2
    # the same id from another source is another event
    publish_structured(amqp, {**event, "source": "urn:cim-test:lms-2"})
    tap.wait_for(ENROLMENT_REPORTED, count=3)


def test_concurrent_duplicates_apply_once(campus, service_config, database_url, tap):
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED)
    results = []

    def send():  # each sender its own RPC client, as ten gateway replicas would be
        with ServiceRpcProxy("campus", service_config) as edge:
            results.append(edge.receive(ADMIN, [event])["results"][0]["status"])

    pool = eventlet.GreenPool(10)
    for _ in range(10):
        pool.spawn(send)
    pool.waitall()
    assert sorted(results) == ["accepted"] + ["duplicate"] * 9
    tap.wait_for(ENROLMENT_REPORTED)
    eventlet.sleep(0.5)
    assert len([e for e in tap.seen if e["event_type"] == ENROLMENT_REPORTED]) == 1
    assert len(log_entries(database_url)) == 1


def test_events_before_registration_wait_and_are_applied_in_order_when_the_person_registers(
    campus, service_config, database_url, tap
):
    amqp = service_config["AMQP_URI"]
    first = a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref="s-late")
    second = a_campus_event(contract.MOBILITY_EXCHANGE_COMPLETED, student_ref="s-late")
    publish_structured(amqp, first)
    publish_structured(amqp, second)
    wait_until(lambda: [r[3] for r in log_entries(database_url)] == ["waiting", "waiting"], message="both kept")
    assert not [e for e in tap.seen if e["producer"] == "campus"]
    assert dead_letters(amqp) == []  # waiting is not an error
    student_id = register(amqp, "s-late")
    attendance = tap.wait_for(ATTENDANCE_REPORTED)[0]
    exchange = tap.wait_for(EXCHANGE_REPORTED)[0]
    assert attendance["data"]["student_id"] == exchange["data"]["student_id"] == student_id
    assert tap.seen.index(attendance) < tap.seen.index(exchange)
    assert [r[3] for r in log_entries(database_url)] == ["forwarded", "forwarded"]
    # registering again (student.updated.v1 carries the same person) releases nothing twice
    publish_event(
        amqp,
        "student.updated.v1",
        {**a_student(issuer="cim-dev", subject="s-late", student_id=student_id), "updated_at": utcnow()},
        "registration",
    )
    eventlet.sleep(1)
    assert len([e for e in tap.seen if e["event_type"] == ATTENDANCE_REPORTED]) == 1


POISON = {
    "not JSON": (b"{not json", "application/cloudevents+json", {}),
    "JSON but not an object": (b"[1, 2]", "application/cloudevents+json", {}),
    "no CloudEvents attributes at all": (b'{"a": 1}', "application/json", {}),
    "a missing attribute": (None, "drop:id", {}),
    "an unknown type": (None, "type:campus.lms.course.completed.v1", {}),
    "a type from the wrong system": (None, "type:campus.records.degree.conferred.v1", {}),
    "a schema breach": (None, "data:expected_graduation=June", {}),
    "an unknown data field": (None, "data:shoe_size=44", {}),
}


def _poison_body(how: str) -> bytes:
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-poison")
    kind, _, arg = how.partition(":")
    if kind == "drop":
        del event[arg]
    elif kind == "type":
        event["type"] = arg
        if arg == contract.RECORDS_DEGREE_CONFERRED:
            event["data"] = a_campus_event(arg)["data"]
    elif kind == "data":
        name, _, value = arg.partition("=")
        event["data"][name] = value
    return json.dumps(event).encode()


@pytest.mark.parametrize("poison", sorted(POISON))
def test_what_cannot_be_used_is_dead_lettered_with_its_reason_and_the_flow_goes_on(
    campus, service_config, database_url, tap, poison
):
    amqp = service_config["AMQP_URI"]
    body, content_type, headers = POISON[poison]
    if body is None:
        body, content_type = _poison_body(content_type), "application/cloudevents+json"
    publish_campus(amqp, "lms", body, content_type, headers)
    good = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-after")
    publish_structured(amqp, good)
    assert tap.wait_for(ENROLMENT_REPORTED)[0]["data"]["subject"] == "s-after"
    letters = wait_until(lambda: dead_letters(amqp), message="a dead letter")
    assert len(letters) == 1
    letter = letters[0]
    assert letter.headers[ATTEMPTS_HEADER] == 1  # not retried: it cannot pass
    assert letter.headers["x-cim-original-queue"] == "campus.intake.lms"
    assert letter.headers["x-cim-error"].strip()
    kept = letter.body.encode() if isinstance(letter.body, str) else letter.body
    assert kept == body  # kept as sent, for replay
    assert [r[1] for r in log_entries(database_url)] == [good["id"]]


def test_the_log_lists_waiting_events_for_an_admin_only(campus, service_config, database_url):
    publish_structured(service_config["AMQP_URI"], a_campus_event(contract.RECORDS_DEGREE_CONFERRED, student_ref="s-x"))
    wait_until(lambda: log_entries(database_url), message="logged")
    [entry] = call(campus, "inbound_log", ADMIN, {"status": "waiting"})
    assert entry["type"] == contract.RECORDS_DEGREE_CONFERRED and entry["student_ref"] == "s-x"
    assert "not registered" in entry["reason"]
    from shared.errors import Forbidden

    with pytest.raises(Forbidden):
        call(campus, "inbound_log", {"issuer": "cim-dev", "subject": "c-1", "role": "coordinator"}, {})


def test_a_campus_system_may_send_only_its_own_types(campus):
    from shared.errors import Forbidden, Invalid

    lms = {"issuer": "cim-dev", "subject": "lms", "role": "campus-system"}
    with pytest.raises(Forbidden):
        call(campus, "receive", lms, [a_campus_event(contract.RECORDS_NAME_CHANGED)])
    with pytest.raises(Invalid) as refused:
        call(
            campus,
            "receive",
            lms,
            [a_campus_event(contract.LMS_ENROLMENT_CREATED), {"specversion": "1.0", "id": "x", "source": "s"}],
        )
    assert "1" in refused.value.detail["events"]
    accepted = call(campus, "receive", lms, [a_campus_event(contract.LMS_ENROLMENT_CREATED)])
    assert accepted["results"][0]["status"] == "accepted"


def test_waiting_events_expire_by_policy(campus, service_config, database_url):
    publish_structured(service_config["AMQP_URI"], a_campus_event(contract.RECORDS_NAME_CHANGED, student_ref="s-never"))
    wait_until(lambda: log_entries(database_url), message="kept")
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE inbound_events SET received_at = received_at - interval '731 days'"))
    engine.dispose()
    call(campus, "expire_waiting")
    assert log_entries(database_url)[0][3] == "expired"
