"""The ceremony's rules in plain Python: bookings, final reports, presentation records."""

import ast
import hashlib
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.ceremony import domain
from services.ceremony.domain.bookings import (
    BOOKED,
    WAITING,
    Booking,
    book as book_a_place,
    ensure_may_cancel,
    position,
    promote,
)
from services.ceremony.domain.ceremonies import ensure_may_organise, schedule, served_programmes
from services.ceremony.domain.presentations import record_presentation
from services.ceremony.domain.reports import ACCEPTED, RETURNED, SUBMITTED, may_see_report, submit_report
from services.ceremony.domain.requirement import RequirementLapse, RequirementMet
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from tests.builders import an_actor

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
STOCKHOLM_SUMMER = timezone(timedelta(hours=2))
PDF = b"%PDF-1.7\n" + b"x" * 100
MAX = 1024


def a_ceremony(capacity=2, starts_at=NOW + timedelta(days=30)):
    return schedule(
        title="Spring ceremony",
        starts_at=starts_at,
        location="Aula",
        capacity=capacity,
        language="sv",
        scheduled_by="c-1",
        now=NOW - timedelta(days=1),
    )


def met(student_id="s-1", programme="MBIOM"):
    return RequirementMet(student_id=student_id, programme_code=programme, rule_set="standard", met_at=NOW)


def book(ceremony, requirement=None, places_taken=0, active_booking=None, presented=False):
    return book_a_place(
        ceremony=ceremony,
        student_id="s-1",
        requirement=requirement or met(),
        places_taken=places_taken,
        active_booking=active_booking,
        presented=presented,
        now=NOW,
    )


def report(latest=None, content=PDF, requirement="met", max_bytes=MAX, filename="report.pdf"):
    return submit_report(
        student_id="s-1",
        requirement=met() if requirement == "met" else requirement,
        latest=latest,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
        now=NOW,
    )


def present(ceremony, role="coordinator", programmes=("MBIOM",), booked=True, existing=None, requirement="met"):
    booking = Booking("b-1", ceremony.ceremony_id, "s-1", NOW) if booked else None
    return record_presentation(
        ceremony=ceremony,
        student_id="s-1",
        actor=an_actor(role, subject="c-1", programmes=programmes),
        requirement=met() if requirement == "met" else requirement,
        booking=booking,
        existing=existing,
        now=NOW,
    )


# --- scheduling ------------------------------------------------------------------------------


def test_a_ceremony_keeps_the_date_the_organiser_wrote_not_the_utc_date():
    ceremony = a_ceremony(starts_at=datetime(2027, 6, 2, 0, 30, tzinfo=STOCKHOLM_SUMMER))
    assert ceremony.starts_at == datetime(2027, 6, 1, 22, 30, tzinfo=timezone.utc)
    assert ceremony.date.isoformat() == "2027-06-02"
    assert ceremony.local_starts_at.isoformat() == "2027-06-02T00:30:00+02:00"


def test_a_ceremony_in_the_past_or_without_a_zone_is_refused():
    with pytest.raises(Invalid, match="future"):
        a_ceremony(starts_at=NOW - timedelta(days=2))
    with pytest.raises(Invalid, match="zone"):
        a_ceremony(starts_at=datetime(2027, 6, 2, 14, 0))


# --- booking ---------------------------------------------------------------------------------


def test_booking_before_the_activity_requirement_is_met_is_refused():
    with pytest.raises(Conflict, match="activity requirement is not met"):
        book_a_place(
            ceremony=a_ceremony(),
            student_id="s-1",
            requirement=None,
            places_taken=0,
            active_booking=None,
            presented=False,
            now=NOW,
        )


def test_booking_an_upcoming_ceremony_with_room_gives_a_booking():
    ceremony = a_ceremony()
    booking = book(ceremony, places_taken=1)
    assert booking.ceremony_id == ceremony.ceremony_id and booking.student_id == "s-1"


def test_booking_past_capacity_gives_a_waiting_place():
    booking = book(a_ceremony(capacity=2), places_taken=2)
    assert booking.status == WAITING and booking.placed_at is None
    assert book(a_ceremony(capacity=2), places_taken=1).status == BOOKED


def test_a_ceremony_for_other_programmes_is_not_bookable():
    ceremony = schedule(
        title="T",
        starts_at=NOW + timedelta(days=30),
        location="Aula",
        capacity=2,
        language="en",
        scheduled_by="c-1",
        now=NOW,
        programmes=["MPUBH"],
    )
    with pytest.raises(Conflict, match="other programmes"):
        book(ceremony)
    assert book(ceremony, requirement=met(programme="MPUBH")).status == BOOKED


def test_the_first_in_line_are_promoted_into_the_free_places_only():
    line = [Booking(f"b-{n}", "c", f"s-{n}", NOW + timedelta(minutes=n), status=WAITING) for n in range(3)]
    promoted = promote(line, 2, NOW)
    assert [b.student_id for b in promoted] == ["s-0", "s-1"]
    assert [b.status for b in line] == [BOOKED, BOOKED, WAITING]
    assert promote(line[2:], 0, NOW) == [] and position(line[2], line[2:]) == 1


def test_a_student_cancels_only_until_the_deadline():
    ceremony = a_ceremony(starts_at=NOW + timedelta(days=8))
    ensure_may_cancel(ceremony, now=NOW, deadline=timedelta(days=7))
    with pytest.raises(Conflict, match="until 7 days before"):
        ensure_may_cancel(ceremony, now=NOW + timedelta(days=1, minutes=1), deadline=timedelta(days=7))


def test_a_change_reports_what_changed_and_keeps_capacity_above_the_places_held():
    ceremony = a_ceremony(capacity=3)
    later = (NOW + timedelta(days=40)).astimezone(STOCKHOLM_SUMMER)
    assert ceremony.change(now=NOW, places_taken=2, starts_at=later, location="Aula", capacity=3) == ["starts_at"]
    assert ceremony.utc_offset_minutes == 120 and ceremony.starts_at == later
    with pytest.raises(Conflict, match="cannot be less"):
        ceremony.change(now=NOW, places_taken=2, capacity=1)
    with pytest.raises(Invalid):
        ceremony.change(now=NOW, places_taken=0, starts_at=NOW - timedelta(days=1))
    ceremony.cancel(reason="x", now=NOW)
    with pytest.raises(Conflict, match="cancelled"):
        ceremony.change(now=NOW, places_taken=0, location="Elsewhere")


def test_only_coordinators_of_a_served_programme_organise_a_ceremony():
    ceremony = schedule(
        title="T",
        starts_at=NOW + timedelta(days=30),
        location="Aula",
        capacity=2,
        language="en",
        scheduled_by="c-1",
        now=NOW,
        programmes=["MPUBH"],
    )
    ensure_may_organise(an_actor("coordinator", programmes=("MPUBH", "MBIOM")), ceremony)
    ensure_may_organise(an_actor("admin"), ceremony)
    with pytest.raises(NotFound):
        ensure_may_organise(an_actor("coordinator", programmes=("MBIOM",)), ceremony)
    with pytest.raises(Forbidden):
        ensure_may_organise(an_actor("student"), ceremony)


def test_a_coordinator_schedules_for_their_own_programmes_and_an_admin_for_any():
    coordinator = an_actor("coordinator", programmes=("MBIOM", "MPUBH"))
    assert served_programmes(coordinator, []) == ["MBIOM", "MPUBH"]
    assert served_programmes(coordinator, ["MPUBH"]) == ["MPUBH"]
    with pytest.raises(Invalid):
        served_programmes(coordinator, ["MMEDS"])
    assert served_programmes(an_actor("admin"), []) == []


def test_booking_a_cancelled_ceremony_is_refused():
    ceremony = a_ceremony()
    ceremony.cancel(reason="the hall is flooded", now=NOW)
    with pytest.raises(Conflict, match="cancelled"):
        book(ceremony)


def test_booking_a_ceremony_that_already_took_place_is_refused():
    ceremony = a_ceremony()
    ceremony.starts_at = NOW - timedelta(hours=1)
    with pytest.raises(Conflict, match="already taken place"):
        book(ceremony)


def test_a_student_books_at_most_one_upcoming_ceremony():
    first, second = a_ceremony(), a_ceremony()
    existing = Booking("b-1", first.ceremony_id, "s-1", NOW)
    with pytest.raises(Conflict, match="already booked an upcoming"):
        book(second, active_booking=existing)
    with pytest.raises(Conflict, match="already booked this"):
        book(first, active_booking=existing)


def test_a_student_already_presented_needs_no_new_booking():
    with pytest.raises(Conflict, match="already recorded"):
        book(a_ceremony(), presented=True)


# --- final report ----------------------------------------------------------------------------


def test_a_report_before_the_activity_requirement_is_met_is_refused():
    with pytest.raises(Conflict, match="activity requirement is not met"):
        report(requirement=None)


def test_a_pdf_report_is_kept_with_its_size_and_sha256():
    submitted = report(filename="C:\\Users\\me\\final report.pdf")
    assert submitted.status == SUBMITTED
    assert submitted.size == len(PDF) and submitted.content == PDF
    assert submitted.sha256 == hashlib.sha256(PDF).hexdigest()
    assert submitted.filename == "final report.pdf"


def test_a_report_that_is_not_a_pdf_is_invalid():
    with pytest.raises(Invalid, match="PDF"):
        report(content=b"PK\x03\x04 a word document")


def test_a_report_over_the_size_limit_is_invalid():
    with pytest.raises(Invalid, match="larger"):
        report(content=PDF + b"x" * MAX)


def test_resubmission_is_refused_while_the_previous_report_is_pending_or_accepted():
    pending = report()
    with pytest.raises(Conflict, match="waiting"):
        report(latest=pending)
    pending.record_decision(status=ACCEPTED, decided_by="c-1", decided_at=NOW, comment=None)
    with pytest.raises(Conflict, match="accepted"):
        report(latest=pending)


def test_resubmission_after_a_return_is_a_new_report():
    returned = report()
    returned.record_decision(status=RETURNED, decided_by="c-1", decided_at=NOW, comment="add a reflection")
    again = report(latest=returned)
    assert again.report_id != returned.report_id and again.status == SUBMITTED


@pytest.mark.parametrize(
    "role, student_id, programmes, visible",
    [
        ("student", "s-1", [], True),
        ("student", "s-2", [], False),
        ("coordinator", None, ["MBIOM"], True),
        ("coordinator", None, ["MPUBH"], False),
        ("admin", None, [], True),
        ("registrar", None, [], False),
    ],
)
def test_a_report_is_seen_by_its_student_their_coordinator_or_an_admin(role, student_id, programmes, visible):
    actor = an_actor(role, student_id=student_id, programmes=programmes)
    assert may_see_report(actor, student_id="s-1", requirement=met()) is visible


# --- an approval withdrawn ---------------------------------------------------------------------


def lapsed(at=NOW - timedelta(days=1), reason="the exchange did not take place"):
    return RequirementLapse(student_id="s-1", activity_id="a-1", reason=reason, lapsed_at=at)


def test_while_the_requirement_has_lapsed_booking_and_report_are_refused_with_the_reason():
    lapse = lapsed()
    with pytest.raises(Conflict, match="no longer met.*the exchange did not take place"):
        book_a_place(
            ceremony=a_ceremony(),
            student_id="s-1",
            requirement=met(),
            places_taken=0,
            active_booking=None,
            presented=False,
            now=NOW,
            lapse=lapse,
        )
    with pytest.raises(Conflict, match="no longer met"):
        submit_report(
            student_id="s-1",
            requirement=met(),
            latest=None,
            filename="report.pdf",
            content=PDF,
            max_bytes=MAX,
            now=NOW,
            lapse=lapse,
        )


def test_a_lapse_is_lifted_by_the_requirement_met_at_a_later_moment_only():
    lapse = lapsed(at=NOW)
    lapse.lift(met_at=NOW - timedelta(minutes=1))  # older news, delivered late
    assert lapse.in_force
    lapse.lift(met_at=NOW + timedelta(minutes=1))
    assert not lapse.in_force
    booking = book_a_place(
        ceremony=a_ceremony(),
        student_id="s-1",
        requirement=met(),
        places_taken=0,
        active_booking=None,
        presented=False,
        now=NOW,
        lapse=lapse,
    )
    assert booking.student_id == "s-1"


def test_a_later_withdrawal_lapses_the_requirement_again_and_an_older_one_changes_nothing():
    lapse = lapsed(at=NOW)
    lapse.lift(met_at=NOW + timedelta(hours=1))
    lapse.lapse(activity_id="a-2", reason="older news", at=NOW + timedelta(minutes=30))
    assert not lapse.in_force
    lapse.lapse(activity_id="a-3", reason="not attended", at=NOW + timedelta(hours=2))
    assert lapse.in_force and lapse.reason == "not attended"
    lapse.lapse(activity_id="a-2", reason="older news", at=NOW + timedelta(minutes=90))
    assert lapse.activity_id == "a-3" and lapse.lapsed_at == NOW + timedelta(hours=2)


# --- presentation ----------------------------------------------------------------------------


def test_the_students_coordinator_records_a_presentation():
    ceremony = a_ceremony()
    presentation = present(ceremony)
    assert presentation.ceremony_id == ceremony.ceremony_id and presentation.recorded_by == "c-1"


def test_an_admin_may_record_a_presentation_for_any_programme():
    assert present(a_ceremony(), role="admin", programmes=()).student_id == "s-1"


def test_a_coordinator_of_another_programme_may_not_record_a_presentation():
    with pytest.raises(NotFound):  # not their student: not theirs to know of (404, as everywhere)
        present(a_ceremony(), programmes=("MPUBH",))


def test_a_student_may_not_record_a_presentation():
    with pytest.raises(Forbidden):
        present(a_ceremony(), role="student")


def test_a_presentation_of_a_student_not_booked_at_the_ceremony_is_refused():
    with pytest.raises(Conflict, match="not booked"):
        present(a_ceremony(), booked=False)


def test_a_presentation_is_recorded_only_once():
    ceremony = a_ceremony()
    first = present(ceremony)
    with pytest.raises(Conflict, match="already recorded"):
        present(ceremony, existing=first)


# --- the domain stays plain ------------------------------------------------------------------


def test_the_domain_imports_only_the_standard_library_and_shared_errors():
    imported = set()
    for path in Path(domain.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module)
    own = {name for name in imported if name.startswith("services.ceremony.domain.")}
    foreign = {
        name
        for name in imported - own
        if name.split(".")[0] not in sys.stdlib_module_names and name not in ("shared.errors", "shared.permissions")
    }
    assert not foreign


def test_the_printed_roster_escapes_every_value_and_fetches_nothing():
    from services.ceremony.roster_pdf import render_pdf, roster_html

    roster = {
        "ceremony": {
            "title": "<script>alert(1)</script>",
            "language": "en",
            "starts_at": "2027-06-01T14:00:00+02:00",
            "location": '<img src="http://127.0.0.1:9/x">',
        },
        "presenting": [
            {
                "position": 1,
                "student_id": "s-1",
                "name": "Åsa <b>Öberg</b>",
                "report_status": "accepted",
                "status": "booked",
            }
        ],
        "waiting": [],
    }
    html = roster_html(roster)
    assert "<script>" not in html and "<img" not in html and "&lt;b&gt;Öberg" in html
    assert "2027-06-01 14:00 (UTC+0200)" in html
    assert render_pdf(roster).startswith(b"%PDF-")  # the refused image did not stop it
