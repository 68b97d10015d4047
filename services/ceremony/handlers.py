"""The ceremony's use cases: each takes a unit of work and plain values, and commits once."""
from __future__ import annotations

from services.ceremony import domain
from services.ceremony.orm import Repository
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import CEREMONY_BOOKED, CEREMONY_CANCELLED, CEREMONY_SCHEDULED, PRESENTATION_RECORDED, REPORT_SUBMITTED


def ceremony_state(ceremony: domain.Ceremony) -> dict:
    """What the events carry about a ceremony (event-carried state transfer)."""
    return {"ceremony_id": ceremony.ceremony_id, "title": ceremony.title,
            "starts_at": ceremony.local_starts_at, "location": ceremony.location,
            "capacity": ceremony.capacity, "language": ceremony.language}


def ceremony_view(ceremony: domain.Ceremony, places_taken: int) -> dict:
    return {"id": ceremony.ceremony_id, "title": ceremony.title,
            "starts_at": ceremony.local_starts_at, "location": ceremony.location,
            "capacity": ceremony.capacity, "language": ceremony.language,
            "free_places": max(ceremony.capacity - places_taken, 0), "status": ceremony.status}


def report_view(report: domain.FinalReport) -> dict:
    return {"report_id": report.report_id, "student_id": report.student_id,
            "filename": report.filename, "size": report.size, "sha256": report.sha256,
            "status": report.status, "submitted_at": report.submitted_at,
            "decided_at": report.decided_at, "comment": report.comment}


def _student_id(actor: dict) -> str:
    domain.require_role(actor["role"], "student")
    if not actor.get("student_id"):
        raise NotFound("you are not registered for the CIM")
    return actor["student_id"]


def schedule(uow, *, actor: dict, request: dict) -> dict:
    domain.require_role(actor["role"], "coordinator", "admin")
    ceremony = domain.schedule(title=request["title"], starts_at=request["starts_at"],
                               location=request["location"], capacity=request["capacity"],
                               language=request["language"], scheduled_by=actor["subject"],
                               now=utcnow())
    Repository(uow.session).add(ceremony)
    uow.publish(CEREMONY_SCHEDULED, ceremony_state(ceremony))
    uow.commit()
    return ceremony_view(ceremony, 0)


def list_ceremonies(uow) -> list[dict]:
    repo = Repository(uow.session)
    upcoming = repo.upcoming_ceremonies(utcnow())
    taken = repo.places_taken([c.ceremony_id for c in upcoming])
    return [ceremony_view(c, taken.get(c.ceremony_id, 0)) for c in upcoming]


def cancel(uow, *, actor: dict, ceremony_id: str, reason: str) -> dict:
    domain.require_role(actor["role"], "coordinator", "admin")
    repo = Repository(uow.session)
    ceremony = repo.ceremony(ceremony_id, lock=True)
    if ceremony is None:
        raise NotFound("no such ceremony")
    now = utcnow()
    ceremony.cancel(reason=reason, now=now)
    uow.publish(CEREMONY_CANCELLED, {"ceremony_id": ceremony.ceremony_id, "reason": reason,
                                          "cancelled_at": now})
    uow.commit()
    return ceremony_view(ceremony, repo.places_taken([ceremony_id]).get(ceremony_id, 0))


def book(uow, *, actor: dict, ceremony_id: str) -> dict:
    student_id = _student_id(actor)
    repo = Repository(uow.session)
    # Locks: the student's row serialises their own bookings, the ceremony's row its capacity.
    requirement = repo.requirement(student_id, lock=True)
    ceremony = repo.ceremony(ceremony_id, lock=True)
    if ceremony is None:
        raise NotFound("no such ceremony")
    now = utcnow()
    taken = repo.places_taken([ceremony_id]).get(ceremony_id, 0)
    booking = domain.book(ceremony=ceremony, student_id=student_id, requirement=requirement,
                          places_taken=taken, upcoming_booking=repo.upcoming_booking(student_id, now),
                          presented=repo.presentation(student_id) is not None, now=now,
                          lapse=repo.lapse(student_id))
    repo.add(booking)
    uow.publish(CEREMONY_BOOKED, {"booking_id": booking.booking_id,
                                       "ceremony": ceremony_state(ceremony),
                                       "student_id": student_id, "booked_at": booking.booked_at})
    uow.commit()
    return {"booking_id": booking.booking_id, "ceremony": ceremony_view(ceremony, taken + 1),
            "student_id": student_id, "booked_at": booking.booked_at}


def submit_report(uow, *, actor: dict, filename: str, content: bytes, max_bytes: int) -> dict:
    student_id = _student_id(actor)
    repo = Repository(uow.session)
    requirement = repo.requirement(student_id, lock=True)
    report = domain.submit_report(student_id=student_id, requirement=requirement,
                                  latest=repo.latest_report(student_id), filename=filename,
                                  content=content, max_bytes=max_bytes, now=utcnow(),
                                  lapse=repo.lapse(student_id))
    repo.add(report)
    uow.publish(REPORT_SUBMITTED, {
        "student_id": student_id, "report_id": report.report_id, "filename": report.filename,
        "size": report.size, "sha256": report.sha256, "submitted_at": report.submitted_at})
    uow.commit()
    return report_view(report)


def _visible_report(repo: Repository, actor: dict, student_id: str) -> domain.FinalReport:
    allowed = domain.may_see_report(role=actor["role"], actor_student_id=actor.get("student_id"),
                                    programmes=actor.get("programmes") or [],
                                    student_id=student_id, requirement=repo.requirement(student_id))
    report = repo.latest_report(student_id) if allowed else None
    if report is None:
        raise NotFound("no report found for this student")
    return report


def get_report(uow, *, actor: dict, student_id: str) -> dict:
    return report_view(_visible_report(Repository(uow.session), actor, student_id))


def download_report(uow, *, actor: dict, student_id: str) -> dict:
    report = _visible_report(Repository(uow.session), actor, student_id)
    return {"report_id": report.report_id, "filename": report.filename, "sha256": report.sha256,
            "content_b64": report.content}


def record_presentation(uow, *, actor: dict, ceremony_id: str, student_id: str) -> dict:
    repo = Repository(uow.session)
    ceremony = repo.ceremony(ceremony_id)
    if ceremony is None:
        raise NotFound("no such ceremony")
    presentation = domain.record_presentation(
        ceremony=ceremony, student_id=student_id, role=actor["role"],
        programmes=actor.get("programmes") or [], recorded_by=actor["subject"],
        requirement=repo.requirement(student_id), booking=repo.booking(ceremony_id, student_id),
        existing=repo.presentation(student_id), now=utcnow())
    repo.add(presentation)
    view = {"student_id": student_id, "ceremony_id": ceremony_id, "ceremony_date": ceremony.date,
            "recorded_by": presentation.recorded_by, "recorded_at": presentation.recorded_at}
    uow.publish(PRESENTATION_RECORDED, view)
    uow.commit()
    return view


# --- reactions to approvals' events (called through db.consume, which commits) -------------

def record_requirement_met(uow, data: dict):
    repo = Repository(uow.session)
    existing = repo.requirement(data["student_id"], lock=True)
    if existing is None:
        repo.add(domain.RequirementMet(student_id=data["student_id"],
                                       programme_code=data["programme"],
                                       rule_set=data["rule_set"], met_at=data["met_at"]))
    else:  # a re-evaluation: keep the programme current, keep the first time it was met
        existing.programme_code, existing.rule_set = data["programme"], data["rule_set"]
    lapse = repo.lapse(data["student_id"], lock=True)
    if lapse is not None:
        lapse.lift(met_at=data["met_at"])


def record_approval_withdrawn(uow, data: dict):
    """An approval was taken back: when the requirement no longer holds, new bookings and report
    submissions stop (existing bookings stay) until approvals says it is met again."""
    repo = Repository(uow.session)
    student_id = data["student_id"]
    repo.requirement(student_id, lock=True)  # serialises with the student's bookings and uploads
    lapse = repo.lapse(student_id, lock=True)
    if data["activity_requirement_met"]:  # still met after the withdrawal: that is news too
        if lapse is not None:
            lapse.lift(met_at=data["withdrawn_at"])
    elif lapse is None:
        repo.add(domain.RequirementLapse(student_id=student_id, activity_id=data["activity_id"],
                                         reason=data["reason"], lapsed_at=data["withdrawn_at"]))
    else:
        lapse.lapse(activity_id=data["activity_id"], reason=data["reason"],
                    at=data["withdrawn_at"])


def _record_report_decision(uow, data: dict, status: str):
    report = Repository(uow.session).report(data["report_id"])
    if report is None or report.student_id != data["student_id"]:
        # Cannot be applied; raising sends the event through retries to the dead-letter queue.
        raise LookupError(f"report {data['report_id']} of student {data['student_id']} is unknown")
    report.record_decision(status=status, decided_by=data["decided_by"],
                           decided_at=data["decided_at"], comment=data.get("comment"))


def record_report_accepted(uow, data: dict):
    _record_report_decision(uow, data, domain.ACCEPTED)


def record_report_returned(uow, data: dict):
    _record_report_decision(uow, data, domain.RETURNED)
