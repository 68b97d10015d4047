"""Registration with a real broker and database: RPC in, events out through the outbox."""

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import event

from services.registration import handlers, orm
from services.registration.service import RegistrationService
from shared.db import UnitOfWork, create_engine, make_session_factory
from shared.errors import Conflict, Invalid
from tests.helpers import EventTap, rows

STUDENT = {"issuer": "cim-dev", "subject": "s-1", "role": "student"}
REQUEST = {
    "programme": "MBIOM",
    "expected_graduation": "2027-06",
    "language": "sv",
    "name": "Astrid Lindgren",
    "email": "astrid@example.org",
}


@pytest.fixture
def registration(start_service):
    return start_service(RegistrationService)


def test_registering_publishes_student_registered_through_the_outbox(registration, service_config, database_url):
    tap = EventTap(service_config["AMQP_URI"], [("registration", "student.#")])
    with entrypoint_hook(registration, "register") as register:
        student = register(STUDENT, REQUEST)
    assert student["programme"]["code"] == "MBIOM" and student["status"] == "registered"
    event = tap.wait_for("student.registered.v1")[0]
    assert event["data"]["student_id"] == student["student_id"]
    assert event["data"]["programme"]["name_en"] == "Master's programme in Biomedicine"
    assert event["producer"] == "registration"
    assert rows(database_url, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] == 0


def test_registering_twice_is_a_conflict_and_publishes_nothing_more(registration, service_config):
    tap = EventTap(service_config["AMQP_URI"], [("registration", "student.#")])
    with entrypoint_hook(registration, "register") as register:
        register(STUDENT, REQUEST)
        with pytest.raises(Conflict):
            register(STUDENT, REQUEST)
    tap.wait_for("student.registered.v1")
    with pytest.raises(AssertionError):
        tap.wait_for("student.registered.v1", count=2, timeout=1)


def test_unknown_fields_and_unknown_programmes_are_refused(registration, database_url):
    with entrypoint_hook(registration, "register") as register:
        with pytest.raises(Invalid, match="status"):
            register(STUDENT, {**REQUEST, "status": "approved"})
        with pytest.raises(Invalid, match="programme"):
            register(STUDENT, {**REQUEST, "programme": "NOPE"})
    assert rows(database_url, "SELECT count(*) FROM students")[0][0] == 0


def test_the_four_programmes_of_the_programme_page_are_seeded(registration):
    with entrypoint_hook(registration, "list_programmes") as list_programmes:
        codes = {p["code"] for p in list_programmes({"limit": 500})["items"]}
    assert codes == {"MBIOM", "BBIOM", "MPUBH", "MMEDS"}


def test_an_admin_or_registrar_moves_a_student_to_another_programme(registration, service_config):
    from shared.errors import Forbidden, NotFound

    tap = EventTap(service_config["AMQP_URI"], [("registration", "student.#")])
    with entrypoint_hook(registration, "register") as register:
        student = register(STUDENT, REQUEST)
    with entrypoint_hook(registration, "change_programme") as change:
        with pytest.raises(Forbidden):
            change(STUDENT, student["student_id"], {"programme": "MPUBH"})
        with pytest.raises(Forbidden):
            change({**STUDENT, "role": "coordinator"}, student["student_id"], {"programme": "MPUBH"})
        with pytest.raises(Invalid, match="programme"):
            change({**STUDENT, "role": "admin"}, student["student_id"], {"programme": "NOPE"})
        with pytest.raises(NotFound):
            change({**STUDENT, "role": "admin"}, "no-such-student", {"programme": "MPUBH"})
        moved = change({**STUDENT, "role": "registrar"}, student["student_id"], {"programme": "MPUBH"})
        same = change({**STUDENT, "role": "admin"}, student["student_id"], {"programme": "MPUBH"})
    assert moved["programme"]["code"] == "MPUBH" and same == moved
    updated = tap.wait_for("student.updated.v1")
    assert updated[0]["data"]["programme"]["code"] == "MPUBH"
    assert updated[0]["data"]["student_id"] == student["student_id"]
    with pytest.raises(AssertionError):  # the same programme again announces nothing
        tap.wait_for("student.updated.v1", count=2, timeout=1)


def _enrolment(subject, programme="MBIOM"):
    from shared.db import utcnow

    return {
        "issuer": "https://idp.example.org",
        "subject": subject,
        "name": "Grace Example",
        "email": "grace@example.org",
        "programme": programme,
        "expected_graduation": "2027-06",
        "language": "en",
        "enrolled_at": utcnow(),
        "reported_by": "urn:lms",
    }


def test_an_enrolment_the_rules_refuse_is_dead_lettered_at_once_with_the_reason(
    registration, service_config, database_url
):
    from shared import deadletters
    from shared.events import ENROLMENT_REPORTED
    from tests.helpers import publish_event, wait_until

    amqp = service_config["AMQP_URI"]
    tap = EventTap(amqp, [("registration", "student.#")])
    refused = publish_event(amqp, ENROLMENT_REPORTED, _enrolment("s-refused", "NOPE"), "campus")
    publish_event(amqp, ENROLMENT_REPORTED, _enrolment("s-after"), "campus")
    [registered] = tap.wait_for("student.registered.v1")
    assert registered["data"]["subject"] == "s-after"  # the flow goes on
    [letter] = wait_until(lambda: deadletters.peek(amqp), message="the refusal parked")
    assert letter.event_id == refused["event_id"] and letter.attempts == 1  # not retried
    assert "Invalid" in letter.error and "programme" in letter.reason
    assert rows(database_url, "SELECT count(*) FROM students WHERE subject = 's-refused'")[0][0] == 0


def test_the_names_of_many_students_are_one_statement_and_unknown_ids_are_left_out(registration, database_url):
    with entrypoint_hook(registration, "register") as register:
        known = [register({**STUDENT, "subject": f"s-{n}"}, REQUEST)["student_id"] for n in range(3)]
    with entrypoint_hook(registration, "student_names") as student_names:
        assert student_names({"student_ids": [*known, "no-such-student"]}) == dict.fromkeys(known, "Astrid Lindgren")
        assert student_names({"student_ids": []}) == {}
        with pytest.raises(Invalid, match="student_ids"):
            student_names({"student_ids": ["s"] * 1001})
    engine = create_engine(database_url)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        for many in (10, 1000):
            statements.clear()
            ids = known + [f"unknown-{n}" for n in range(many)]
            with UnitOfWork(make_session_factory(engine), "registration", repository=orm.Repository) as uow:
                assert len(handlers.student_names(uow, student_ids=ids)) == 3
            assert len(statements) == 1, statements
    finally:
        engine.dispose()
