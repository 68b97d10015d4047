"""The ceremony with a real broker and database: approvals' events in, RPC, events out."""
import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.ceremony.service import CeremonyService
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import make_event
from tests.helpers import EventTap, migrate, publish_event, publish_raw, rows, wait_until

COORDINATOR = {"issuer": "cim-dev", "subject": "c-mbiom", "role": "coordinator",
               "programmes": ["MBIOM"]}
OTHER_COORDINATOR = {"issuer": "cim-dev", "subject": "c-mpubh", "role": "coordinator",
                     "programmes": ["MPUBH"]}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def student(student_id):
    return {"issuer": "cim-dev", "subject": f"sub-{student_id}", "role": "student",
            "student_id": student_id}


def ceremony_request(capacity=30):
    starts_at = (datetime.now(timezone(timedelta(hours=2))) + timedelta(days=40)).replace(
        hour=14, minute=0, second=0, microsecond=0)
    return {"title": "CIM ceremony, spring", "starts_at": starts_at.isoformat(),
            "location": "Aula Medica", "capacity": capacity, "language": "sv"}


def requirement_met_data(student_id, programme="MBIOM"):
    return {"student_id": student_id, "programme": programme, "rule_set": "standard",
            "activity_ids": ["a-1", "a-2", "a-3"], "met_at": datetime.now(timezone.utc)}


def feed_requirement_met(service_config, database_url, student_id, programme="MBIOM"):
    publish_event(service_config["AMQP_URI"], "student.activity_requirement_met.v1",
                  requirement_met_data(student_id, programme), producer="approvals")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM requirements_met WHERE student_id = :s",
                            s=student_id), message=f"requirement of {student_id} recorded")


@pytest.fixture
def ceremony(container_factory, service_config, database_url):
    migrate("ceremony", database_url)
    container = container_factory(CeremonyService, service_config)
    container.start()
    return container


def schedule(container, capacity=30):
    with entrypoint_hook(container, "schedule") as schedule_:
        return schedule_(COORDINATOR, ceremony_request(capacity))


def upload(container, student_id, content=PDF, filename="final-report.pdf"):
    with entrypoint_hook(container, "submit_report") as submit:
        return submit(student(student_id), {"filename": filename,
                                            "content_b64": base64.b64encode(content).decode()})


def test_scheduling_publishes_the_ceremony_and_lists_it_with_its_free_places(ceremony,
                                                                            service_config):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "ceremony.#")])
    scheduled = schedule(ceremony, capacity=12)
    with entrypoint_hook(ceremony, "list_ceremonies") as list_ceremonies:
        listed = list_ceremonies()
    assert [c["id"] for c in listed] == [scheduled["id"]]
    assert listed[0]["free_places"] == 12 and listed[0]["status"] == "scheduled"
    assert listed[0]["starts_at"].endswith("+02:00")
    event = tap.wait_for("ceremony.scheduled.v1")[0]
    assert event["data"]["ceremony_id"] == scheduled["id"] and event["data"]["capacity"] == 12


def test_a_student_may_not_schedule_a_ceremony(ceremony):
    with entrypoint_hook(ceremony, "schedule") as schedule_:
        with pytest.raises(Forbidden):
            schedule_(student("s-1"), ceremony_request())


def test_booking_opens_only_once_the_activity_requirement_is_met(ceremony, service_config,
                                                                 database_url):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "ceremony.#")])
    scheduled = schedule(ceremony)
    with entrypoint_hook(ceremony, "book") as book:
        with pytest.raises(Conflict, match="activity requirement is not met"):
            book(student("s-1"), scheduled["id"])
    assert rows(database_url, "SELECT count(*) FROM bookings")[0][0] == 0

    feed_requirement_met(service_config, database_url, "s-1")
    with entrypoint_hook(ceremony, "book") as book:
        booking = book(student("s-1"), scheduled["id"])
    assert booking["student_id"] == "s-1" and booking["ceremony"]["free_places"] == 29
    event = tap.wait_for("ceremony.booked.v1")[0]
    assert event["data"]["booking_id"] == booking["booking_id"]
    assert event["data"]["ceremony"]["ceremony_id"] == scheduled["id"]


def test_a_full_ceremony_refuses_further_bookings(ceremony, service_config, database_url):
    scheduled = schedule(ceremony, capacity=1)
    for student_id in ("s-1", "s-2"):
        feed_requirement_met(service_config, database_url, student_id)
    with entrypoint_hook(ceremony, "book") as book:
        book(student("s-1"), scheduled["id"])
        with pytest.raises(Conflict, match="fully booked"):
            book(student("s-2"), scheduled["id"])
    with entrypoint_hook(ceremony, "list_ceremonies") as list_ceremonies:
        assert list_ceremonies()[0]["free_places"] == 0
    assert rows(database_url, "SELECT student_id FROM bookings") == [("s-1",)]


def test_a_report_that_is_not_a_pdf_is_refused_and_nothing_is_stored(ceremony, service_config,
                                                                     database_url):
    feed_requirement_met(service_config, database_url, "s-1")
    with pytest.raises(Invalid, match="PDF"):
        upload(ceremony, "s-1", content=b"PK\x03\x04 not a pdf", filename="report.docx")
    assert rows(database_url, "SELECT count(*) FROM final_reports")[0][0] == 0
    assert rows(database_url, "SELECT count(*) FROM outbox")[0][0] == 0


def test_a_report_before_the_requirement_is_met_is_refused(ceremony, database_url):
    with pytest.raises(Conflict, match="activity requirement is not met"):
        upload(ceremony, "s-1")
    assert rows(database_url, "SELECT count(*) FROM final_reports")[0][0] == 0


def test_submitting_a_report_stores_the_file_and_publishes_its_sha256(ceremony, service_config,
                                                                      database_url):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "report.#")])
    feed_requirement_met(service_config, database_url, "s-1")
    report = upload(ceremony, "s-1")
    digest = hashlib.sha256(PDF).hexdigest()
    assert report["sha256"] == digest and report["size"] == len(PDF)
    assert report["status"] == "submitted"
    event = tap.wait_for("report.submitted.v1")[0]
    assert event["data"]["report_id"] == report["report_id"] and event["data"]["sha256"] == digest
    stored = rows(database_url, "SELECT content FROM final_reports WHERE report_id = :r",
                  r=report["report_id"])
    assert bytes(stored[0][0]) == PDF
    with pytest.raises(Conflict, match="waiting"):
        upload(ceremony, "s-1")


def test_a_returned_report_may_be_resubmitted_and_both_submissions_are_kept(ceremony,
                                                                            service_config,
                                                                            database_url):
    feed_requirement_met(service_config, database_url, "s-1")
    first = upload(ceremony, "s-1")
    with entrypoint_waiter(ceremony, "on_report_returned"):
        publish_event(service_config["AMQP_URI"], "report.returned.v1", {
            "student_id": "s-1", "report_id": first["report_id"], "decided_by": "c-mbiom",
            "decided_at": datetime.now(timezone.utc), "comment": "add your reflections"},
            producer="approvals")
    with entrypoint_hook(ceremony, "get_report") as get_report:
        seen = get_report(COORDINATOR, "s-1")
    assert seen["status"] == "returned" and seen["comment"] == "add your reflections"
    second = upload(ceremony, "s-1", content=PDF + b"% revised\n")
    assert second["report_id"] != first["report_id"]
    assert rows(database_url, "SELECT status FROM final_reports ORDER BY submitted_at") == [
        ("returned",), ("submitted",)]
    with entrypoint_hook(ceremony, "get_report") as get_report:
        with pytest.raises(NotFound):
            get_report(OTHER_COORDINATOR, "s-1")
        assert get_report(student("s-1"), "s-1")["report_id"] == second["report_id"]


def test_only_a_coordinator_of_the_students_programme_records_the_presentation(
        ceremony, service_config, database_url):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "presentation.#")])
    scheduled = schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1", programme="MBIOM")
    with entrypoint_hook(ceremony, "book") as book:
        book(student("s-1"), scheduled["id"])
    with entrypoint_hook(ceremony, "record_presentation") as record:
        with pytest.raises(Forbidden):
            record(OTHER_COORDINATOR, scheduled["id"], {"student_id": "s-1"})
        assert rows(database_url, "SELECT count(*) FROM presentations")[0][0] == 0
        recorded = record(COORDINATOR, scheduled["id"], {"student_id": "s-1"})
        with pytest.raises(Conflict, match="already recorded"):
            record(COORDINATOR, scheduled["id"], {"student_id": "s-1"})
    assert recorded["ceremony_date"] == scheduled["starts_at"][:10]
    assert recorded["recorded_by"] == "c-mbiom"
    event = tap.wait_for("presentation.recorded.v1")[0]
    assert event["data"]["student_id"] == "s-1"
    assert event["data"]["ceremony_id"] == scheduled["id"]
    assert event["data"]["ceremony_date"] == scheduled["starts_at"][:10]
    with pytest.raises(AssertionError):
        tap.wait_for("presentation.recorded.v1", count=2, timeout=1)


def test_a_presentation_of_a_student_not_booked_there_is_refused(ceremony, service_config,
                                                                 database_url):
    scheduled = schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1")
    with entrypoint_hook(ceremony, "record_presentation") as record:
        with pytest.raises(Conflict, match="not booked"):
            record(COORDINATOR, scheduled["id"], {"student_id": "s-1"})


def test_the_same_requirement_met_event_delivered_twice_changes_nothing(ceremony, service_config,
                                                                        database_url):
    envelope = make_event("student.activity_requirement_met.v1", requirement_met_data("s-1"),
                          producer="approvals")
    body = json.dumps(envelope).encode()
    snapshots = []
    for _ in range(2):
        with entrypoint_waiter(ceremony, "on_activity_requirement_met") as result:
            publish_raw(service_config["AMQP_URI"], "approvals",
                        "student.activity_requirement_met.v1", body, "application/json")
        result.get()  # the duplicate is handled (acknowledged), not failed
        snapshots.append(rows(database_url, "SELECT * FROM requirements_met"))
    assert len(snapshots[0]) == 1 and snapshots[1] == snapshots[0]
    assert rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e",
                e=envelope["event_id"])[0][0] == 1


def approval_withdrawn_data(student_id, requirement_met=False):
    return {"activity_id": "a-2", "student_id": student_id, "version": 1,
            "withdrawn_by": "c-mbiom", "withdrawn_at": datetime.now(timezone.utc),
            "reason": "the exchange was cancelled", "activity_requirement_met": requirement_met,
            "was_eligible": False}


def test_an_approval_withdrawn_below_the_requirement_stops_new_bookings_and_reports_once(
        ceremony, service_config, database_url):
    first, second = schedule(ceremony), schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1")
    with entrypoint_hook(ceremony, "book") as book:
        kept = book(student("s-1"), first["id"])
    envelope = make_event("activity.approval_withdrawn.v1", approval_withdrawn_data("s-1"),
                          producer="approvals")
    body = json.dumps(envelope).encode()
    snapshots = []
    for _ in range(2):
        with entrypoint_waiter(ceremony, "on_approval_withdrawn") as result:
            publish_raw(service_config["AMQP_URI"], "approvals",
                        "activity.approval_withdrawn.v1", body, "application/json")
        result.get()  # the duplicate is handled (acknowledged), not failed
        snapshots.append(rows(database_url, "SELECT * FROM requirement_lapses"))
    assert len(snapshots[0]) == 1 and snapshots[1] == snapshots[0]
    assert rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e",
                e=envelope["event_id"])[0][0] == 1

    with entrypoint_hook(ceremony, "cancel") as cancel:  # frees the student to book anew
        cancel(COORDINATOR, first["id"], {"reason": "the hall is closed"})
    with entrypoint_hook(ceremony, "book") as book:
        with pytest.raises(Conflict, match="no longer met.*the exchange was cancelled"):
            book(student("s-1"), second["id"])
    with pytest.raises(Conflict, match="no longer met"):
        upload(ceremony, "s-1")
    # the booking made before stays; no new one was made
    assert rows(database_url, "SELECT booking_id FROM bookings") == [(kept["booking_id"],)]
    assert rows(database_url, "SELECT count(*) FROM final_reports")[0][0] == 0


def test_the_requirement_met_again_after_a_withdrawal_reopens_booking(ceremony, service_config,
                                                                     database_url):
    scheduled = schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1")
    with entrypoint_waiter(ceremony, "on_approval_withdrawn"):
        publish_event(service_config["AMQP_URI"], "activity.approval_withdrawn.v1",
                      approval_withdrawn_data("s-1"), producer="approvals")
    with entrypoint_hook(ceremony, "book") as book:
        with pytest.raises(Conflict, match="no longer met"):
            book(student("s-1"), scheduled["id"])
    with entrypoint_waiter(ceremony, "on_activity_requirement_met"):
        publish_event(service_config["AMQP_URI"], "student.activity_requirement_met.v1",
                      requirement_met_data("s-1"), producer="approvals")
    with entrypoint_hook(ceremony, "book") as book:
        assert book(student("s-1"), scheduled["id"])["student_id"] == "s-1"
