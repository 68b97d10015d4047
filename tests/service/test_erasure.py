"""Erasure in one service on a real broker and database: the event waits for a service that is
down, is applied once when it returns, and the service reports what it did and still holds."""

from datetime import datetime, timezone

from services.ceremony.service import CeremonyService
from shared.events import STUDENT_ERASURE_REQUESTED
from tests.builders import an_admin
from tests.helpers import publish_event, rows, wait_until
from tests.service.conftest import call
from tests.service.test_ceremony_service import feed_requirement_met, schedule, student, upload

ADMIN = an_admin(subject="a-erasure").to_dict()


def _erasure(student_id):
    return {
        "student_id": student_id,
        "requested_at": datetime.now(timezone.utc),
        "requested_by": "a-erasure",
        "reason": "request 17",
    }


def test_a_service_that_was_down_erases_when_it_returns_and_once(start_service, service_config, database_url):
    ceremony = start_service(CeremonyService)
    for student_id in ("stu-gone", "stu-stays"):
        feed_requirement_met(service_config, database_url, student_id)
        upload(ceremony, student_id)
        call(ceremony, "book", student(student_id), schedule(ceremony)["id"])
    ceremony.stop()  # down: its queue (durable) keeps what arrives meanwhile

    event = publish_event(
        service_config["AMQP_URI"], STUDENT_ERASURE_REQUESTED, _erasure("stu-gone"), producer="registration"
    )
    ceremony = start_service(CeremonyService)
    report = wait_until(
        lambda: (r := call(ceremony, "erasure_report", ADMIN, "stu-gone", event["event_id"]))["erased_at"] and r,
        message="the erasure applied after the restart",
    )
    assert report["tables"]["final_reports"] == {"erasure": "deleted", "rows": 0}
    assert report["tables"]["bookings"] == {"erasure": "deleted", "rows": 0}
    assert report["tables"]["requirements_met"] == {"erasure": "kept", "rows": 1}
    count = "SELECT count(*) FROM {} WHERE student_id = :s"
    assert [rows(database_url, count.format(t), s="stu-stays")[0][0] for t in ("final_reports", "bookings")] == [1, 1]

    # delivered again (at-least-once): handled once, nothing else changes
    publish_event(
        service_config["AMQP_URI"],
        STUDENT_ERASURE_REQUESTED,
        _erasure("stu-gone"),
        producer="registration",
        event_id=event["event_id"],
    )
    feed_requirement_met(service_config, database_url, "stu-after")
    assert (
        rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e", e=event["event_id"])[0][0] == 1
    )
