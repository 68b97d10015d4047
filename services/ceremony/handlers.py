"""The ceremony's use cases: each takes a unit of work (with its repository) and typed values.

A use case never commits: its unit of work commits when the caller's `with` block ends.
"""
from __future__ import annotations

from services.ceremony.domain import bookings, ceremonies, presentations, reports
from services.ceremony.domain.requirement import RequirementLapse, RequirementMet
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import (CEREMONY_BOOKED, CEREMONY_CANCELLED, CEREMONY_SCHEDULED,
                           PRESENTATION_RECORDED, REPORT_SUBMITTED)
from shared.permissions import (ADMIN, COORDINATOR, STUDENT, Actor, ensure_may_act_as_student,
                                ensure_may_have_role)
from shared.rpc.ceremony import CeremonyPlan

# Who may schedule and cancel ceremonies.
ORGANISERS = (COORDINATOR, ADMIN)


def ceremony_state(ceremony: ceremonies.Ceremony) -> dict:
    """What the events carry about a ceremony (event-carried state transfer)."""
    return {"ceremony_id": ceremony.ceremony_id, "title": ceremony.title,
            "starts_at": ceremony.local_starts_at, "location": ceremony.location,
            "capacity": ceremony.capacity, "language": ceremony.language}


def ceremony_view(ceremony: ceremonies.Ceremony, places_taken: int) -> dict:
    """The event's state with what only a reader needs: the free places and the status."""
    state = ceremony_state(ceremony)
    return {"id": state.pop("ceremony_id"), **state,
            "free_places": max(ceremony.capacity - places_taken, 0), "status": ceremony.status}


def _student_id(actor: Actor) -> str:
    """Only a registered student books and submits (a student with no id is not registered)."""
    ensure_may_have_role(actor, STUDENT, doing="book a ceremony or submit a final report")
    ensure_may_act_as_student(actor, actor.student_id, what="registration for the CIM")
    return actor.student_id


def _ceremony(uow, ceremony_id: str, lock: bool = False) -> ceremonies.Ceremony:
    ceremony = uow.repo.ceremony(ceremony_id, lock=lock)
    if ceremony is None:
        raise NotFound("no such ceremony")
    return ceremony


def _places_taken(uow, ceremony_id: str) -> int:
    return uow.repo.places_taken([ceremony_id]).get(ceremony_id, 0)


# --- ceremonies ------------------------------------------------------------------------------

def schedule(uow, *, actor: Actor, request: CeremonyPlan) -> dict:
    ensure_may_have_role(actor, *ORGANISERS, doing="schedule a ceremony")
    ceremony = ceremonies.schedule(title=request.title, starts_at=request.starts_at,
                                   location=request.location, capacity=request.capacity,
                                   language=request.language, scheduled_by=actor.subject,
                                   now=utcnow())
    uow.repo.add(ceremony)
    uow.publish(CEREMONY_SCHEDULED, ceremony_state(ceremony))
    return ceremony_view(ceremony, 0)


def list_ceremonies(uow) -> list[dict]:
    upcoming = uow.repo.upcoming_ceremonies(utcnow())
    taken = uow.repo.places_taken([c.ceremony_id for c in upcoming])
    return [ceremony_view(c, taken.get(c.ceremony_id, 0)) for c in upcoming]


def cancel(uow, *, actor: Actor, ceremony_id: str, reason: str) -> dict:
    ensure_may_have_role(actor, *ORGANISERS, doing="cancel a ceremony")
    ceremony = _ceremony(uow, ceremony_id, lock=True)
    now = utcnow()
    ceremony.cancel(reason=reason, now=now)
    uow.publish(CEREMONY_CANCELLED, {"ceremony_id": ceremony.ceremony_id, "reason": reason,
                                     "cancelled_at": now})
    return ceremony_view(ceremony, _places_taken(uow, ceremony_id))


def book(uow, *, actor: Actor, ceremony_id: str) -> dict:
    student_id = _student_id(actor)
    # Locks: the student's row serialises their own bookings, the ceremony's row its capacity.
    requirement = uow.repo.requirement(student_id, lock=True)
    ceremony = _ceremony(uow, ceremony_id, lock=True)
    now = utcnow()
    taken = _places_taken(uow, ceremony_id)
    booking = bookings.book(
        ceremony=ceremony, student_id=student_id, requirement=requirement, places_taken=taken,
        upcoming_booking=uow.repo.upcoming_booking(student_id, now),
        presented=uow.repo.presentation(student_id) is not None, now=now,
        lapse=uow.repo.lapse(student_id))
    uow.repo.add(booking)
    uow.publish(CEREMONY_BOOKED, {"booking_id": booking.booking_id,
                                  "ceremony": ceremony_state(ceremony),
                                  "student_id": student_id, "booked_at": booking.booked_at})
    return {"booking_id": booking.booking_id, "ceremony": ceremony_view(ceremony, taken + 1),
            "student_id": student_id, "booked_at": booking.booked_at}


# --- the final report ------------------------------------------------------------------------

def submit_report(uow, *, actor: Actor, filename: str, content: bytes,
                  max_bytes: int) -> reports.FinalReport:
    student_id = _student_id(actor)
    requirement = uow.repo.requirement(student_id, lock=True)
    report = reports.submit_report(student_id=student_id, requirement=requirement,
                                   latest=uow.repo.latest_report(student_id), filename=filename,
                                   content=content, max_bytes=max_bytes, now=utcnow(),
                                   lapse=uow.repo.lapse(student_id))
    uow.repo.add(report)
    uow.publish(REPORT_SUBMITTED, {
        "student_id": student_id, "report_id": report.report_id, "filename": report.filename,
        "size": report.size, "sha256": report.sha256, "submitted_at": report.submitted_at})
    return report


def get_report(uow, *, actor: Actor, student_id: str) -> reports.FinalReport:
    """The student's latest report, for those who may see it; to anyone else it does not exist."""
    allowed = reports.may_see_report(actor, student_id=student_id,
                                     requirement=uow.repo.requirement(student_id))
    report = uow.repo.latest_report(student_id) if allowed else None
    if report is None:
        raise NotFound("no report found for this student")
    return report


# --- the presentation ------------------------------------------------------------------------

def record_presentation(uow, *, actor: Actor, ceremony_id: str, student_id: str) -> dict:
    ceremony = _ceremony(uow, ceremony_id)
    presentation = presentations.record_presentation(
        ceremony=ceremony, student_id=student_id, actor=actor,
        requirement=uow.repo.requirement(student_id),
        booking=uow.repo.booking(ceremony_id, student_id),
        existing=uow.repo.presentation(student_id), now=utcnow())
    uow.repo.add(presentation)
    view = {"student_id": student_id, "ceremony_id": ceremony_id, "ceremony_date": ceremony.date,
            "recorded_by": presentation.recorded_by, "recorded_at": presentation.recorded_at}
    uow.publish(PRESENTATION_RECORDED, view)
    return view


# --- reactions to approvals' events (called through db.consume, which claims the event id) ---

def record_requirement_met(uow, data: dict):
    existing = uow.repo.requirement(data["student_id"], lock=True)
    if existing is None:
        uow.repo.add(RequirementMet(student_id=data["student_id"],
                                    programme_code=data["programme"],
                                    rule_set=data["rule_set"], met_at=data["met_at"]))
    else:  # a re-evaluation: keep the programme current, keep the first time it was met
        existing.programme_code, existing.rule_set = data["programme"], data["rule_set"]
    lapse = uow.repo.lapse(data["student_id"], lock=True)
    if lapse is not None:
        lapse.lift(met_at=data["met_at"])


def record_approval_withdrawn(uow, data: dict):
    """An approval was taken back: when the requirement no longer holds, new bookings and report
    submissions stop (existing bookings stay) until approvals says it is met again."""
    student_id = data["student_id"]
    uow.repo.requirement(student_id, lock=True)  # serialises with the student's bookings and uploads
    lapse = uow.repo.lapse(student_id, lock=True)
    if data["activity_requirement_met"]:  # still met after the withdrawal: that is news too
        if lapse is not None:
            lapse.lift(met_at=data["withdrawn_at"])
    elif lapse is None:
        uow.repo.add(RequirementLapse(student_id=student_id, activity_id=data["activity_id"],
                                      reason=data["reason"], lapsed_at=data["withdrawn_at"]))
    else:
        lapse.lapse(activity_id=data["activity_id"], reason=data["reason"],
                    at=data["withdrawn_at"])


def _record_report_decision(uow, data: dict, status: str):
    report = uow.repo.report(data["report_id"])
    if report is None or report.student_id != data["student_id"]:
        # Cannot be applied; raising sends the event through retries to the dead-letter queue.
        raise LookupError(f"report {data['report_id']} of student {data['student_id']} is unknown")
    report.record_decision(status=status, decided_by=data["decided_by"],
                           decided_at=data["decided_at"], comment=data.get("comment"))


def record_report_accepted(uow, data: dict):
    _record_report_decision(uow, data, reports.ACCEPTED)


def record_report_returned(uow, data: dict):
    _record_report_decision(uow, data, reports.RETURNED)
