"""The ceremony's use cases on a fake unit of work: what they change, publish and refuse."""

import hashlib
from datetime import datetime, timedelta

import pytest

from services.ceremony import handlers
from services.ceremony.domain.reports import RETURNED, SUBMITTED
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import (
    BOOKING_CANCELLED,
    BOOKING_CHANGED,
    BOOKING_PROMOTED,
    BOOKING_WAITLISTED,
    CEREMONY_BOOKED,
    CEREMONY_CANCELLED,
    CEREMONY_CHANGED,
    CEREMONY_SCHEDULED,
    PRESENTATION_MISSED,
    PRESENTATION_RECORDED,
    REPORT_SUBMITTED,
)
from shared.rpc.ceremony import CeremonyChange
from tests.builders import a_coordinator, a_registrar, a_student_actor, an_admin
from tests.builders.ceremony import (
    PDF,
    a_pdf_that_can_run_things,
    a_plan,
    a_report_decision,
    a_requirement_met,
    an_approval_withdrawn,
)
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.ceremony import FakeCeremonyRepository

COORDINATOR = a_coordinator("MBIOM", subject="c-mbiom")


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeCeremonyRepository(), producer="ceremony")


def run(uow, use_case, **kwargs):
    with uow:
        return use_case(uow, **kwargs)


def scheduled(uow, **overrides) -> dict:
    return run(uow, handlers.schedule, actor=COORDINATOR, request=a_plan(**overrides))


def requirement_met(uow, student_id="stu-1", **overrides):
    run(uow, handlers.record_requirement_met, data=a_requirement_met(student_id, **overrides))


def book(uow, ceremony, student_id="stu-1"):
    return run(uow, handlers.book, actor=a_student_actor(student_id), ceremony_id=ceremony["id"])


def submit(uow, student_id="stu-1", content=PDF):
    return run(
        uow,
        handlers.submit_report,
        actor=a_student_actor(student_id),
        filename="final-report.pdf",
        content=content,
        max_bytes=10_000,
    )


def test_scheduling_publishes_the_ceremony_and_lists_it_with_its_places(uow):
    ceremony = scheduled(uow, capacity=12)
    assert uow.committed and uow.types_published() == [CEREMONY_SCHEDULED]
    assert uow.published[0]["data"]["ceremony_id"] == ceremony["id"]
    listed = run(uow, handlers.list_ceremonies)["items"]
    assert [(c["id"], c["free_places"], c["status"]) for c in listed] == [(ceremony["id"], 12, "scheduled")]
    assert listed[0]["starts_at"].utcoffset().total_seconds() == 2 * 3600


@pytest.mark.parametrize("actor", [a_student_actor(), a_registrar()])
def test_only_coordinators_and_admins_schedule(uow, actor):
    with pytest.raises(Forbidden):
        run(uow, handlers.schedule, actor=actor, request=a_plan())
    assert uow.published == [] and uow.repo.ceremonies == {}


def test_booking_is_refused_until_the_requirement_is_met_and_then_published(uow):
    ceremony = scheduled(uow)
    with pytest.raises(Conflict, match="activity requirement is not met"):
        book(uow, ceremony)
    assert uow.rolled_back and uow.repo.bookings == []
    requirement_met(uow)
    booking = book(uow, ceremony)
    assert booking["student_id"] == "stu-1" and booking["ceremony"]["free_places"] == 29
    assert uow.types_published() == [CEREMONY_SCHEDULED, CEREMONY_BOOKED]
    assert uow.published[-1]["data"]["ceremony"]["ceremony_id"] == ceremony["id"]


def test_a_full_ceremony_puts_students_in_line_and_a_cancellation_promotes_the_first(uow):
    ceremony = scheduled(uow, capacity=2)
    for student in ("stu-1", "stu-2", "stu-3", "stu-4"):
        requirement_met(uow, student)
    assert [book(uow, ceremony, s)["status"] for s in ("stu-1", "stu-2")] == ["booked", "booked"]
    third, fourth = book(uow, ceremony, "stu-3"), book(uow, ceremony, "stu-4")
    assert (third["status"], third["position"], fourth["position"]) == ("waiting", 1, 2)
    [listed] = run(uow, handlers.list_ceremonies)["items"]
    assert (listed["free_places"], listed["waiting"]) == (0, 2)
    assert uow.types_published()[-2:] == [BOOKING_WAITLISTED, BOOKING_WAITLISTED]
    with pytest.raises(Conflict, match="already booked this"):
        book(uow, ceremony, "stu-3")
    cancelled = run(uow, handlers.cancel_my_booking, actor=a_student_actor("stu-1"))
    assert cancelled["status"] == "cancelled"
    assert uow.types_published()[-2:] == [BOOKING_CANCELLED, BOOKING_PROMOTED]
    assert uow.published[-1]["data"]["student_id"] == "stu-3"
    mine = run(uow, handlers.my_booking, actor=a_student_actor("stu-3"))
    assert (mine["status"], mine["position"]) == ("booked", None)
    assert run(uow, handlers.my_booking, actor=a_student_actor("stu-4"))["position"] == 1
    with pytest.raises(NotFound):
        run(uow, handlers.my_booking, actor=a_student_actor("stu-1"))


def test_a_larger_capacity_promotes_the_line_and_a_new_time_is_told_to_the_booked_only(uow):
    ceremony = scheduled(uow, capacity=1)
    for student in ("stu-1", "stu-2", "stu-3"):
        requirement_met(uow, student)
        book(uow, ceremony, student)
    later = datetime.fromisoformat(ceremony["starts_at"].isoformat()) + timedelta(days=1)
    view = run(
        uow,
        handlers.change,
        actor=COORDINATOR,
        ceremony_id=ceremony["id"],
        request=CeremonyChange(capacity=2, starts_at=later),
    )
    assert (view["capacity"], view["free_places"], view["waiting"]) == (2, 0, 1)
    changed = [e["data"]["student_id"] for e in uow.published if e["event_type"] == BOOKING_CHANGED]
    assert changed == ["stu-1"]  # the time changed before stu-2 got the new place
    promoted = [e["data"]["student_id"] for e in uow.published if e["event_type"] == BOOKING_PROMOTED]
    assert promoted == ["stu-2"] and CEREMONY_CHANGED in uow.types_published()
    with pytest.raises(NotFound):  # a coordinator of a programme it does not serve
        run(
            uow,
            handlers.change,
            actor=a_coordinator("MPUBH"),
            ceremony_id=ceremony["id"],
            request=CeremonyChange(location="Elsewhere"),
        )


def test_a_cancelled_ceremony_tells_everyone_booked_or_waiting_with_the_reason(uow):
    ceremony = scheduled(uow, capacity=1)
    for student in ("stu-1", "stu-2"):
        requirement_met(uow, student)
        book(uow, ceremony, student)
    run(uow, handlers.cancel, actor=COORDINATOR, ceremony_id=ceremony["id"], reason="flooded")
    told = [
        (e["data"]["student_id"], e["data"]["was"], e["data"]["reason"])
        for e in uow.published
        if e["event_type"] == BOOKING_CANCELLED
    ]
    assert told == [("stu-1", "booked", "flooded"), ("stu-2", "waiting", "flooded")]
    assert all(b.status == "lapsed" for b in uow.repo.bookings)


def test_a_no_show_closes_the_booking_and_the_student_books_again(uow):
    first, second = scheduled(uow), scheduled(uow)
    requirement_met(uow)
    book(uow, first)
    recorded = run(
        uow,
        handlers.record_presentation,
        actor=COORDINATOR,
        ceremony_id=first["id"],
        student_id="stu-1",
        outcome="no_show",
    )
    assert recorded["outcome"] == "no_show" and uow.types_published()[-1] == PRESENTATION_MISSED
    assert uow.repo.presentations == {}
    assert book(uow, second)["status"] == "booked"


def test_the_roster_lists_the_booked_in_order_with_their_report_status_then_the_line(uow):
    ceremony = scheduled(uow, capacity=2)
    for student in ("stu-1", "stu-2", "stu-3"):
        requirement_met(uow, student)
        book(uow, ceremony, student)
    submit(uow, "stu-2")
    roster = run(uow, handlers.roster, actor=COORDINATOR, ceremony_id=ceremony["id"])
    assert [(e["position"], e["student_id"], e["report_status"]) for e in roster["presenting"]] == [
        (1, "stu-1", "none"),
        (2, "stu-2", "submitted"),
    ]
    assert [e["student_id"] for e in roster["waiting"]] == ["stu-3"]
    with pytest.raises(NotFound):
        run(uow, handlers.roster, actor=a_coordinator("MPUBH"), ceremony_id=ceremony["id"])


def test_an_approval_withdrawn_below_the_requirement_stops_booking_until_it_is_met_again(uow):
    ceremony = scheduled(uow)
    requirement_met(uow)
    run(uow, handlers.record_approval_withdrawn, data=an_approval_withdrawn("stu-1"))
    with pytest.raises(Conflict, match="no longer met.*the exchange was cancelled"):
        book(uow, ceremony)
    requirement_met(uow)  # approvals says it is met again, later
    assert book(uow, ceremony)["student_id"] == "stu-1"


def test_an_unregistered_student_or_an_unknown_ceremony_is_not_found(uow):
    ceremony = scheduled(uow)
    with pytest.raises(NotFound):
        run(uow, handlers.book, actor=a_student_actor(None), ceremony_id=ceremony["id"])
    with pytest.raises(NotFound, match="no such ceremony"):
        run(uow, handlers.book, actor=a_student_actor(), ceremony_id="no-such-ceremony")


def test_a_report_is_kept_and_published_once_the_requirement_is_met(uow):
    with pytest.raises(Conflict, match="activity requirement is not met"):
        submit(uow)
    requirement_met(uow)
    with pytest.raises(Invalid, match="PDF"):
        submit(uow, content=b"PK\x03\x04 not a pdf")
    report = submit(uow)
    assert report.status == SUBMITTED and report.size == len(PDF)
    assert uow.types_published() == [REPORT_SUBMITTED]
    assert uow.published[0]["data"]["sha256"] == report.sha256
    with pytest.raises(Conflict, match="waiting"):
        submit(uow)


def test_a_returned_report_is_seen_by_its_coordinator_and_may_be_resubmitted(uow):
    requirement_met(uow)
    first = submit(uow)
    run(
        uow,
        handlers.record_report_returned,
        data=a_report_decision("stu-1", first.report_id, comment="add your reflections"),
    )
    seen = run(uow, handlers.get_report, actor=COORDINATOR, student_id="stu-1")
    assert (seen.status, seen.comment) == (RETURNED, "add your reflections")
    second = submit(uow, content=PDF + b"% revised\n")
    assert second.report_id != first.report_id
    assert run(uow, handlers.get_report, actor=a_student_actor(), student_id="stu-1") is second
    assert run(uow, handlers.get_report, actor=an_admin(), student_id="stu-1") is second


@pytest.mark.parametrize("reader", [a_coordinator("MPUBH"), a_student_actor("stu-2"), a_registrar()])
def test_anyone_else_finds_no_report(uow, reader):
    requirement_met(uow)
    submit(uow)
    with pytest.raises(NotFound):
        run(uow, handlers.get_report, actor=reader, student_id="stu-1")


def test_the_students_coordinator_records_the_presentation_once(uow):
    ceremony = scheduled(uow)
    requirement_met(uow, programme="MBIOM")
    book(uow, ceremony)
    with pytest.raises(NotFound):  # a coordinator of another programme: not their student
        run(
            uow,
            handlers.record_presentation,
            actor=a_coordinator("MPUBH"),
            ceremony_id=ceremony["id"],
            student_id="stu-1",
        )
    recorded = run(uow, handlers.record_presentation, actor=COORDINATOR, ceremony_id=ceremony["id"], student_id="stu-1")
    assert recorded["recorded_by"] == "c-mbiom"
    assert recorded["ceremony_date"] == uow.repo.ceremonies[ceremony["id"]].date
    with pytest.raises(Conflict, match="already recorded"):
        run(uow, handlers.record_presentation, actor=COORDINATOR, ceremony_id=ceremony["id"], student_id="stu-1")
    assert uow.types_published().count(PRESENTATION_RECORDED) == 1


def test_a_presentation_of_a_student_not_booked_there_is_refused(uow):
    ceremony = scheduled(uow)
    requirement_met(uow)
    with pytest.raises(Conflict, match="not booked"):
        run(uow, handlers.record_presentation, actor=COORDINATOR, ceremony_id=ceremony["id"], student_id="stu-1")


def test_cancelling_publishes_and_frees_the_student_to_book_another(uow):
    first, second = scheduled(uow), scheduled(uow)
    requirement_met(uow)
    book(uow, first)
    with pytest.raises(Conflict, match="already booked an upcoming"):
        book(uow, second)
    cancelled = run(uow, handlers.cancel, actor=COORDINATOR, ceremony_id=first["id"], reason="the hall is closed")
    assert cancelled["status"] == "cancelled"
    assert CEREMONY_CANCELLED in uow.types_published()
    assert book(uow, second)["ceremony"]["id"] == second["id"]


def test_a_report_with_javascript_is_stored_without_it_and_announced_as_stored(uow):
    requirement_met(uow)
    report = submit(uow, content=a_pdf_that_can_run_things())
    stored = uow.repo.reports[0].content
    assert b"/JavaScript" not in stored and b"/OpenAction" not in stored
    event = uow.published[-1]["data"]
    assert event["sha256"] == hashlib.sha256(stored).hexdigest() == report.sha256
    assert event["size"] == len(stored)


def test_a_report_that_does_not_parse_is_refused_with_the_reason(uow):
    requirement_met(uow)
    with pytest.raises(Invalid, match="could not be read as a PDF|no pages"):
        submit(uow, content=b"%PDF-1.7\nnot really a PDF at all")
    assert uow.repo.reports == [] and uow.published == []
