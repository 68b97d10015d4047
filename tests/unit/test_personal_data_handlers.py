"""Leaving the CIM (student.withdrawn.v1) service by service, and retention, on fake units of work."""

from datetime import datetime, timezone

from services.activities import handlers as activities
from services.activities import personal_data as activities_pd
from services.activities.domain.activities import APPROVED, SUBMITTED, WITHDRAWN
from services.approvals.domain.statuses import APPROVED as DECIDED_APPROVED
from services.approvals.handlers import consumers, decisions, queries
from services.ceremony import handlers as ceremony
from services.ceremony import personal_data as ceremony_pd
from shared.events import ACTIVITY_WITHDRAWN
from shared.rpc.approvals import ActivityDecision
from tests.builders import a_coordinator, a_student, a_student_actor
from tests.builders.activities import a_claim, a_decision
from tests.builders.approvals import BIOMED, an_activity_event
from tests.builders.ceremony import a_plan, a_requirement_met
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.activities import FakeActivitiesRepository
from tests.unit.fakes.approvals import FakeApprovalsRepository
from tests.unit.fakes.ceremony import FakeCeremonyRepository
from tests.unit.test_approvals_handlers import directory

NOW = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)


def withdrawn(student_id: str) -> dict:
    return {"student_id": student_id, "withdrawn_at": NOW, "reason": None}


def run(uow, use_case, *args, **kwargs):
    with uow:
        return use_case(uow, *args, **kwargs)


def test_leaving_withdraws_the_undecided_activities_and_keeps_the_approved_ones():
    uow = FakeUnitOfWork(FakeActivitiesRepository(), producer="activities")
    student = a_student_actor("stu-1")
    waiting = run(uow, activities.log_activity, actor=student, request=a_claim())
    approved = run(uow, activities.log_activity, actor=student, request=a_claim())
    run(uow, activities.record_approval, a_decision(approved, decision="approved"))
    others = run(uow, activities.log_activity, actor=a_student_actor("stu-2"), request=a_claim())
    uow.published.clear()
    run(uow, activities_pd.withdraw_student, withdrawn("stu-1"))
    assert (waiting.status, approved.status, others.status) == (WITHDRAWN, APPROVED, SUBMITTED)
    assert [(e["event_type"], e["data"]["activity_id"]) for e in uow.published] == [
        (ACTIVITY_WITHDRAWN, waiting.activity_id)
    ]


def test_leaving_takes_the_students_items_out_of_the_coordinators_inbox():
    uow = FakeUnitOfWork(FakeApprovalsRepository(directory()), producer="approvals")
    leaving, staying = a_student(), a_student()
    for student in (leaving, staying):
        run(uow, consumers.record_student, student)
    for age, student in enumerate((leaving, leaving, staying)):
        run(uow, consumers.record_activity, an_activity_event(student["student_id"], "abroad", age))
    decided = uow.repo.activities_of(leaving["student_id"])[0].activity_id
    with uow:
        decisions.decide_activity(
            uow,
            actor=a_coordinator(subject=BIOMED, programmes=()),
            activity_id=decided,
            request=ActivityDecision(decision="approved"),
        )
    run(uow, consumers.withdraw_student, withdrawn(leaving["student_id"]))
    with uow:
        page = queries.inbox(uow, actor=a_coordinator(subject=BIOMED, programmes=()))
    assert {item["student_id"] for item in page["items"]} == {staying["student_id"]}
    assert uow.repo.activity(decided).status == DECIDED_APPROVED  # what was decided stays


def test_leaving_releases_the_booking_of_a_ceremony_to_come():
    uow = FakeUnitOfWork(FakeCeremonyRepository(), producer="ceremony")
    coordinator = a_coordinator("MBIOM", subject="c-mbiom")
    planned = run(uow, ceremony.schedule, actor=coordinator, request=a_plan())
    for student_id in ("stu-1", "stu-2"):
        run(uow, ceremony.record_requirement_met, data=a_requirement_met(student_id))
        run(uow, ceremony.book, actor=a_student_actor(student_id), ceremony_id=planned["id"])
    from services.ceremony.domain.bookings import ACTIVE

    def holding():
        return [b.student_id for b in uow.repo.bookings if b.status in ACTIVE]

    run(uow, ceremony_pd.release_bookings, withdrawn("stu-1"))
    assert holding() == ["stu-2"]  # the place is closed (the row stays, cancelled)
    run(uow, ceremony_pd.release_bookings, withdrawn("stu-1"))  # nothing left to release
    assert holding() == ["stu-2"]


def test_leaving_withdraws_the_report_waiting_for_a_decision_and_it_leaves_the_inbox():
    from services.approvals.domain.statuses import ACCEPTED, PENDING
    from services.approvals.domain.statuses import WITHDRAWN as REPORT_WITHDRAWN
    from tests.builders.approvals import a_report_event

    uow = FakeUnitOfWork(FakeApprovalsRepository(directory()), producer="approvals")
    leaving, decided, staying = a_student(), a_student(), a_student()
    for student in (leaving, decided, staying):
        run(uow, consumers.record_student, student)
        run(uow, consumers.record_report, a_report_event(student["student_id"]))
    uow.repo.report(decided["student_id"]).status = ACCEPTED
    for student in (leaving, decided):
        run(uow, consumers.withdraw_student, withdrawn(student["student_id"]))
    assert [uow.repo.report(s["student_id"]).status for s in (leaving, decided, staying)] == [
        REPORT_WITHDRAWN,
        ACCEPTED,  # decided: it stays as decided
        PENDING,
    ]
    with uow:
        page = queries.inbox(uow, actor=a_coordinator(subject=BIOMED, programmes=()))
    assert [(i["kind"], i["student_id"]) for i in page["items"]] == [("report", staying["student_id"])]
    # a student who registers again finds the report withdrawn, not waiting: nobody decides it
    run(uow, consumers.record_student, {**leaving, "registered_at": NOW})
    with uow:
        page = queries.inbox(uow, actor=a_coordinator(subject=BIOMED, programmes=()))
    assert {i["student_id"] for i in page["items"]} == {staying["student_id"]}
    trail = [e.action for e in uow.repo.audit_trail(leaving["student_id"])]
    assert "report_withdrawn" in trail


def test_leaving_withdraws_the_submitted_final_report_in_ceremony_and_keeps_a_decided_one():
    from services.ceremony.domain.reports import ACCEPTED, SUBMITTED
    from services.ceremony.domain.reports import WITHDRAWN as REPORT_WITHDRAWN
    from tests.builders.ceremony import PDF

    uow = FakeUnitOfWork(FakeCeremonyRepository(), producer="ceremony")
    reports = {}
    for student_id in ("stu-1", "stu-2", "stu-3"):
        run(uow, ceremony.record_requirement_met, data=a_requirement_met(student_id))
        reports[student_id] = run(
            uow,
            ceremony.submit_report,
            actor=a_student_actor(student_id),
            filename="final.pdf",
            content=PDF,
            max_bytes=10_000,
        )
    reports["stu-2"].status = ACCEPTED
    for student_id in ("stu-1", "stu-2"):
        run(uow, ceremony_pd.withdraw_student, withdrawn(student_id))
    assert [reports[s].status for s in ("stu-1", "stu-2", "stu-3")] == [REPORT_WITHDRAWN, ACCEPTED, SUBMITTED]
    run(uow, ceremony_pd.withdraw_student, withdrawn("stu-1"))  # again: nothing more changes
    assert reports["stu-1"].status == REPORT_WITHDRAWN


def test_an_expired_campus_event_about_someone_never_registered_loses_what_it_said():
    from datetime import timedelta

    from services.campus import handlers as campus
    from shared.campus import contract
    from tests.builders.campus import a_campus_event
    from tests.unit.fakes.campus import FakeCampusRepository
    from tests.unit.test_campus_handlers import receive

    uow = FakeUnitOfWork(FakeCampusRepository(), producer="campus")
    receive(uow, a_campus_event(contract.RECORDS_NAME_CHANGED, student_ref="s-old"))
    uow.repo.entries[0].received_at -= timedelta(days=31)
    receive(uow, a_campus_event(contract.RECORDS_NAME_CHANGED, student_ref="s-new"))
    run(uow, campus.expire_waiting, days=30)
    assert [e.payload == "{}" for e in uow.repo.entries] == [True, False]
