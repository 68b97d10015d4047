"""The ceremony with a real broker and database: approvals' events in, RPC, events out."""

import hashlib
import json

import pytest
from nameko.testing.services import entrypoint_waiter

from services.ceremony.service import CeremonyService
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    BOOKING_CANCELLED,
    BOOKING_PROMOTED,
    CEREMONY_BOOKED,
    CEREMONY_SCHEDULED,
    PRESENTATION_RECORDED,
    REPORT_RETURNED,
    REPORT_SUBMITTED,
    STUDENT_ACTIVITY_REQUIREMENT_MET,
    make_event,
)
from tests.builders import a_coordinator, a_student_actor
from tests.builders.ceremony import (
    PDF,
    a_ceremony_plan,
    a_report_decision,
    a_report_upload,
    a_requirement_met,
    an_approval_withdrawn,
)
from tests.helpers import EventTap, publish_event, publish_raw, rows, wait_until
from tests.service.conftest import call

COORDINATOR = a_coordinator("MBIOM", subject="c-mbiom").to_dict()
OTHER_COORDINATOR = a_coordinator("MPUBH", subject="c-mpubh").to_dict()


def student(student_id):
    return a_student_actor(student_id, subject=f"sub-{student_id}").to_dict()


def feed_requirement_met(service_config, database_url, student_id, programme="MBIOM"):
    publish_event(
        service_config["AMQP_URI"],
        STUDENT_ACTIVITY_REQUIREMENT_MET,
        a_requirement_met(student_id, programme=programme),
        producer="approvals",
    )
    wait_until(
        lambda: rows(database_url, "SELECT 1 FROM requirements_met WHERE student_id = :s", s=student_id),
        message=f"requirement of {student_id} recorded",
    )


@pytest.fixture
def ceremony(start_service):
    return start_service(CeremonyService)


def schedule(container, capacity=30):
    return call(container, "schedule", COORDINATOR, a_ceremony_plan(capacity=capacity))


def upload(container, student_id, content=PDF, filename="final-report.pdf"):
    return call(container, "submit_report", student(student_id), a_report_upload(content, filename))


def test_scheduling_publishes_the_ceremony_and_lists_it_with_its_free_places(ceremony, service_config):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "ceremony.#")])
    scheduled = schedule(ceremony, capacity=12)
    listed = call(ceremony, "list_ceremonies")["items"]
    assert [c["id"] for c in listed] == [scheduled["id"]]
    assert listed[0]["free_places"] == 12 and listed[0]["status"] == "scheduled"
    assert listed[0]["starts_at"].endswith("+02:00")
    event = tap.wait_for(CEREMONY_SCHEDULED)[0]
    assert event["data"]["ceremony_id"] == scheduled["id"] and event["data"]["capacity"] == 12


def test_a_student_may_not_schedule_a_ceremony(ceremony):
    with pytest.raises(Forbidden):
        call(ceremony, "schedule", student("s-1"), a_ceremony_plan())


def test_booking_opens_only_once_the_activity_requirement_is_met(ceremony, service_config, database_url):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "ceremony.#")])
    scheduled = schedule(ceremony)
    with pytest.raises(Conflict, match="activity requirement is not met"):
        call(ceremony, "book", student("s-1"), scheduled["id"])
    assert rows(database_url, "SELECT count(*) FROM bookings")[0][0] == 0

    feed_requirement_met(service_config, database_url, "s-1")
    booking = call(ceremony, "book", student("s-1"), scheduled["id"])
    assert booking["student_id"] == "s-1" and booking["ceremony"]["free_places"] == 29
    event = tap.wait_for(CEREMONY_BOOKED)[0]
    assert event["data"]["booking_id"] == booking["booking_id"]
    assert event["data"]["ceremony"]["ceremony_id"] == scheduled["id"]


def test_a_full_ceremony_puts_the_third_in_line_and_promotes_them_when_the_first_cancels(
    ceremony, service_config, database_url
):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "booking.#")])
    scheduled = schedule(ceremony, capacity=2)
    for student_id in ("s-1", "s-2", "s-3"):
        feed_requirement_met(service_config, database_url, student_id)
    booked = [call(ceremony, "book", student(s), scheduled["id"]) for s in ("s-1", "s-2", "s-3")]
    assert [(b["status"], b["position"]) for b in booked] == [("booked", None), ("booked", None), ("waiting", 1)]
    assert call(ceremony, "list_ceremonies")["items"][0]["free_places"] == 0
    with pytest.raises(Conflict, match="already booked"):  # one booking or waiting place
        call(ceremony, "book", student("s-3"), schedule(ceremony)["id"])

    call(ceremony, "cancel_my_booking", student("s-1"))
    assert call(ceremony, "my_booking", student("s-3"))["status"] == "booked"
    promoted = tap.wait_for(BOOKING_PROMOTED)[0]["data"]
    assert promoted["student_id"] == "s-3" and promoted["ceremony"]["ceremony_id"] == scheduled["id"]
    assert tap.wait_for(BOOKING_CANCELLED)[0]["data"]["cause"] == "student"
    assert rows(database_url, "SELECT student_id, status FROM bookings ORDER BY booked_at") == [
        ("s-1", "cancelled"),
        ("s-2", "booked"),
        ("s-3", "booked"),
    ]
    with pytest.raises(NotFound):
        call(ceremony, "roster", OTHER_COORDINATOR, scheduled["id"])
    roster = call(ceremony, "roster", COORDINATOR, scheduled["id"])
    assert [e["student_id"] for e in roster["presenting"]] == ["s-2", "s-3"]


def test_a_student_cannot_cancel_after_the_deadline(start_service, service_config, database_url):
    container = start_service(CeremonyService, CIM_CEREMONY_CANCELLATION_DAYS="60")
    scheduled = schedule(container)  # forty days ahead: inside the sixty-day deadline
    feed_requirement_met(service_config, database_url, "s-1")
    call(container, "book", student("s-1"), scheduled["id"])
    with pytest.raises(Conflict, match="until 60 days before"):
        call(container, "cancel_my_booking", student("s-1"))
    assert rows(database_url, "SELECT status FROM bookings") == [("booked",)]


def test_a_report_that_is_not_a_pdf_is_refused_and_nothing_is_stored(ceremony, service_config, database_url):
    feed_requirement_met(service_config, database_url, "s-1")
    with pytest.raises(Invalid, match="PDF"):
        upload(ceremony, "s-1", content=b"PK\x03\x04 not a pdf", filename="report.docx")
    assert rows(database_url, "SELECT count(*) FROM final_reports")[0][0] == 0
    assert rows(database_url, "SELECT count(*) FROM outbox")[0][0] == 0


def test_a_report_before_the_requirement_is_met_is_refused(ceremony, database_url):
    with pytest.raises(Conflict, match="activity requirement is not met"):
        upload(ceremony, "s-1")
    assert rows(database_url, "SELECT count(*) FROM final_reports")[0][0] == 0


def test_submitting_a_report_stores_the_file_and_publishes_its_sha256(ceremony, service_config, database_url):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "report.#")])
    feed_requirement_met(service_config, database_url, "s-1")
    report = upload(ceremony, "s-1")
    digest = hashlib.sha256(PDF).hexdigest()
    assert report["sha256"] == digest and report["size"] == len(PDF)
    assert report["status"] == "submitted"
    event = tap.wait_for(REPORT_SUBMITTED)[0]
    assert event["data"]["report_id"] == report["report_id"] and event["data"]["sha256"] == digest
    stored = rows(database_url, "SELECT content FROM final_reports WHERE report_id = :r", r=report["report_id"])
    assert bytes(stored[0][0]) == PDF
    with pytest.raises(Conflict, match="waiting"):
        upload(ceremony, "s-1")


def test_a_returned_report_may_be_resubmitted_and_both_submissions_are_kept(ceremony, service_config, database_url):
    feed_requirement_met(service_config, database_url, "s-1")
    first = upload(ceremony, "s-1")
    with entrypoint_waiter(ceremony, "on_report_returned"):
        publish_event(
            service_config["AMQP_URI"],
            REPORT_RETURNED,
            a_report_decision("s-1", first["report_id"], comment="add your reflections"),
            producer="approvals",
        )
    seen = call(ceremony, "get_report", COORDINATOR, "s-1")
    assert seen["status"] == "returned" and seen["comment"] == "add your reflections"
    second = upload(ceremony, "s-1", content=PDF + b"% revised\n")
    assert second["report_id"] != first["report_id"]
    assert rows(database_url, "SELECT status FROM final_reports ORDER BY submitted_at") == [
        ("returned",),
        ("submitted",),
    ]
    with pytest.raises(NotFound):
        call(ceremony, "get_report", OTHER_COORDINATOR, "s-1")
    assert call(ceremony, "get_report", student("s-1"), "s-1")["report_id"] == second["report_id"]


def test_only_a_coordinator_of_the_students_programme_records_the_presentation(ceremony, service_config, database_url):
    tap = EventTap(service_config["AMQP_URI"], [("ceremony", "presentation.#")])
    scheduled = schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1", programme="MBIOM")
    call(ceremony, "book", student("s-1"), scheduled["id"])
    with pytest.raises(NotFound):  # not their student: 404, as "not your object" is everywhere
        call(ceremony, "record_presentation", OTHER_COORDINATOR, scheduled["id"], {"student_id": "s-1"})
    assert rows(database_url, "SELECT count(*) FROM presentations")[0][0] == 0
    recorded = call(ceremony, "record_presentation", COORDINATOR, scheduled["id"], {"student_id": "s-1"})
    with pytest.raises(Conflict, match="already recorded"):
        call(ceremony, "record_presentation", COORDINATOR, scheduled["id"], {"student_id": "s-1"})
    assert recorded["ceremony_date"] == scheduled["starts_at"][:10]
    assert recorded["recorded_by"] == "c-mbiom"
    event = tap.wait_for(PRESENTATION_RECORDED)[0]
    assert event["data"]["student_id"] == "s-1"
    assert event["data"]["ceremony_id"] == scheduled["id"]
    assert event["data"]["ceremony_date"] == scheduled["starts_at"][:10]
    with pytest.raises(AssertionError):
        tap.wait_for(PRESENTATION_RECORDED, count=2, timeout=1)


def test_a_presentation_of_a_student_not_booked_there_is_refused(ceremony, service_config, database_url):
    scheduled = schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1")
    with pytest.raises(Conflict, match="not booked"):
        call(ceremony, "record_presentation", COORDINATOR, scheduled["id"], {"student_id": "s-1"})


def test_the_same_requirement_met_event_delivered_twice_changes_nothing(ceremony, service_config, database_url):
    envelope = make_event(STUDENT_ACTIVITY_REQUIREMENT_MET, a_requirement_met("s-1"), producer="approvals")
    body = json.dumps(envelope).encode()
    snapshots = []
    for _ in range(2):
        with entrypoint_waiter(ceremony, "on_activity_requirement_met") as result:
            publish_raw(
                service_config["AMQP_URI"], "approvals", STUDENT_ACTIVITY_REQUIREMENT_MET, body, "application/json"
            )
        result.get()  # the duplicate is handled (acknowledged), not failed
        snapshots.append(rows(database_url, "SELECT * FROM requirements_met"))
    assert len(snapshots[0]) == 1 and snapshots[1] == snapshots[0]
    assert (
        rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e", e=envelope["event_id"])[0][0]
        == 1
    )


def test_an_approval_withdrawn_below_the_requirement_stops_new_bookings_and_reports_once(
    ceremony, service_config, database_url
):
    first, second = schedule(ceremony), schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1")
    kept = call(ceremony, "book", student("s-1"), first["id"])
    envelope = make_event(ACTIVITY_APPROVAL_WITHDRAWN, an_approval_withdrawn("s-1"), producer="approvals")
    body = json.dumps(envelope).encode()
    snapshots = []
    for _ in range(2):
        with entrypoint_waiter(ceremony, "on_approval_withdrawn") as result:
            publish_raw(service_config["AMQP_URI"], "approvals", ACTIVITY_APPROVAL_WITHDRAWN, body, "application/json")
        result.get()  # the duplicate is handled (acknowledged), not failed
        snapshots.append(rows(database_url, "SELECT * FROM requirement_lapses"))
    assert len(snapshots[0]) == 1 and snapshots[1] == snapshots[0]
    assert (
        rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e", e=envelope["event_id"])[0][0]
        == 1
    )

    # cancelling frees the student to book anew
    call(ceremony, "cancel", COORDINATOR, first["id"], {"reason": "the hall is closed"})
    with pytest.raises(Conflict, match="no longer met.*the exchange was cancelled"):
        call(ceremony, "book", student("s-1"), second["id"])
    with pytest.raises(Conflict, match="no longer met"):
        upload(ceremony, "s-1")
    # the booking made before stays; no new one was made
    assert rows(database_url, "SELECT booking_id FROM bookings") == [(kept["booking_id"],)]
    assert rows(database_url, "SELECT count(*) FROM final_reports")[0][0] == 0


def test_the_requirement_met_again_after_a_withdrawal_reopens_booking(ceremony, service_config, database_url):
    scheduled = schedule(ceremony)
    feed_requirement_met(service_config, database_url, "s-1")
    with entrypoint_waiter(ceremony, "on_approval_withdrawn"):
        publish_event(
            service_config["AMQP_URI"], ACTIVITY_APPROVAL_WITHDRAWN, an_approval_withdrawn("s-1"), producer="approvals"
        )
    with pytest.raises(Conflict, match="no longer met"):
        call(ceremony, "book", student("s-1"), scheduled["id"])
    with entrypoint_waiter(ceremony, "on_activity_requirement_met"):
        publish_event(
            service_config["AMQP_URI"], STUDENT_ACTIVITY_REQUIREMENT_MET, a_requirement_met("s-1"), producer="approvals"
        )
    assert call(ceremony, "book", student("s-1"), scheduled["id"])["student_id"] == "s-1"
