"""Leaving the CIM (student.withdrawn.v1) on a real broker and database: a final report waiting
for its decision is withdrawn in ceremony and in approvals (so out of the coordinators' inbox),
the place at a ceremony to come is released to the first in line; decided things stay."""

from shared.db import utcnow
from shared.errors import Conflict, NotFound
from services.approvals.service import ApprovalsService
from services.ceremony.service import CeremonyService
from shared.events import REPORT_SUBMITTED, STUDENT_WITHDRAWN
from tests.builders.approvals import a_report_event, biomed
from tests.helpers import publish_event, rows, wait_until
from tests.service.conftest import call
from tests.service.test_approvals_service import register_student
from tests.service.test_ceremony_service import feed_requirement_met, schedule, student, upload

BIOMED = biomed()


def leave(amqp_uri, student_id):
    publish_event(
        amqp_uri,
        STUDENT_WITHDRAWN,
        {"student_id": student_id, "withdrawn_at": utcnow(), "reason": "moving abroad"},
        producer="registration",
    )


def test_leaving_withdraws_the_undecided_report_from_the_coordinators_inbox(
    start_service, service_config, database_url
):
    approvals = start_service(ApprovalsService)
    amqp = service_config["AMQP_URI"]
    leaving, staying = register_student(amqp, database_url), register_student(amqp, database_url)
    for student_id in (leaving, staying):
        publish_event(amqp, REPORT_SUBMITTED, a_report_event(student_id), producer="ceremony")

    def reports_waiting():
        return sorted(i["student_id"] for i in call(approvals, "inbox", BIOMED)["items"] if i["kind"] == "report")

    wait_until(lambda: reports_waiting() == sorted([leaving, staying]), message="both reports in the inbox")
    leave(amqp, leaving)
    wait_until(lambda: reports_waiting() == [staying], message="the leaving student's report out of the inbox")
    status = "SELECT status FROM reports WHERE student_id = :s"
    assert rows(database_url, status, s=leaving) == [("withdrawn",)]
    assert rows(database_url, status, s=staying) == [("pending",)]
    try:  # nobody decides it now
        call(approvals, "decide_report", BIOMED, leaving, {"decision": "accepted"})
        raise AssertionError("a withdrawn report was decided")
    except (Conflict, NotFound):
        pass
    actions = "SELECT action FROM audit_entries WHERE student_id = :s ORDER BY seq"
    assert [a for (a,) in rows(database_url, actions, s=leaving)][-2:] == ["report_withdrawn", "left_the_cim"]


def test_leaving_withdraws_the_submitted_report_and_releases_the_place_to_the_first_in_line(
    start_service, service_config, database_url
):
    ceremony = start_service(CeremonyService)
    planned = schedule(ceremony, capacity=1)
    for student_id in ("stu-leaving", "stu-in-line"):
        feed_requirement_met(service_config, database_url, student_id)
        upload(ceremony, student_id)
        call(ceremony, "book", student(student_id), planned["id"])

    def booking(student_id):
        return rows(database_url, "SELECT status FROM bookings WHERE student_id = :s", s=student_id)[0][0]

    def report(student_id):
        return rows(database_url, "SELECT status FROM final_reports WHERE student_id = :s", s=student_id)[0][0]

    assert booking("stu-in-line") != booking("stu-leaving")  # one place: the second waits in line
    leave(service_config["AMQP_URI"], "stu-leaving")
    wait_until(lambda: report("stu-leaving") == "withdrawn", message="the report withdrawn")
    assert booking("stu-leaving") == "cancelled"
    assert booking("stu-in-line") == "booked"  # promoted into the place
    assert report("stu-in-line") == "submitted"
