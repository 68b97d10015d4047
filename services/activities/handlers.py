"""Activities' use cases: each takes a unit of work and plain values, and commits once."""
from __future__ import annotations

from datetime import date

from services.activities import domain
from services.activities.orm import Repository
from shared.db import utcnow
from shared.errors import Forbidden, NotFound
from shared.events import ACTIVITY_RESUBMITTED, ACTIVITY_SUBMITTED, ACTIVITY_WITHDRAWN


def activity_type_state(activity_type: domain.ActivityType) -> dict:
    """The catalogue entry as events carry it (consumers keep their own copy)."""
    return {"code": activity_type.code, "name_en": activity_type.name_en,
            "name_sv": activity_type.name_sv, "sessions_required": activity_type.sessions_required,
            "supplement_en": activity_type.supplement_en,
            "supplement_sv": activity_type.supplement_sv}


def _location(activity: domain.Activity) -> dict:
    return {"kind": activity.location_kind, "country": activity.location_country}


def _sessions(activity: domain.Activity) -> list[dict]:
    return [{"session_id": s.session_id, "date": s.date, "title": s.title}
            for s in activity.sessions]


def activity_state(activity: domain.Activity, activity_type: domain.ActivityType) -> dict:
    """The data of activity.submitted.v1 / activity.resubmitted.v1: the whole current version."""
    return {
        "activity_id": activity.activity_id, "student_id": activity.student_id,
        "version": activity.version, "activity_type": activity_type_state(activity_type),
        "title": activity.title, "description": activity.description,
        "location": _location(activity), "start_date": activity.start_date,
        "end_date": activity.end_date, "sessions": _sessions(activity),
        "submitted_at": activity.submitted_at,
    }


def view(activity: domain.Activity) -> dict:
    decision = activity.latest_decision
    return {
        "id": activity.activity_id, "student_id": activity.student_id,
        "type": activity.type_code, "title": activity.title,
        "description": activity.description, "location": _location(activity),
        "start_date": activity.start_date, "end_date": activity.end_date,
        "evidence_urls": list(activity.evidence_urls), "sessions": _sessions(activity),
        "status": activity.status, "version": activity.version,
        "submitted_at": activity.submitted_at,
        "latest_decision": None if decision is None else {
            "decision": decision.decision, "comment": decision.comment,
            "decided_at": decision.decided_at, "version": decision.version},
    }


def _details(request: dict) -> domain.Details:
    location = request["location"]
    return domain.Details(
        type_code=request["type"], title=request["title"], description=request["description"],
        location_kind=location["kind"], location_country=location.get("country"),
        start_date=request["start_date"], end_date=request["end_date"],
        evidence_urls=tuple(request.get("evidence_urls") or ()))


def _own(repo: Repository, activity_id: str, student_id: str) -> domain.Activity:
    return domain.own_activity(repo.activity(activity_id), student_id)


def log_activity(uow, *, student_id: str, request: dict) -> dict:
    repo = Repository(uow.session)
    activity_type = repo.activity_type(request["type"])
    activity = domain.log(student_id=student_id, details=_details(request),
                          activity_type=activity_type, now=utcnow())
    repo.add(activity)
    uow.publish(ACTIVITY_SUBMITTED, activity_state(activity, activity_type))
    uow.commit()
    return view(activity)


def add_session(uow, *, student_id: str, activity_id: str, request: dict) -> dict:
    repo = Repository(uow.session)
    activity = _own(repo, activity_id, student_id)
    activity_type = repo.activity_type(activity.type_code)
    activity.add_session(session_date=request["date"], title=request["title"],
                         activity_type=activity_type, now=utcnow())
    uow.publish(ACTIVITY_RESUBMITTED, activity_state(activity, activity_type))
    uow.commit()
    return view(activity)


def resubmit(uow, *, student_id: str, activity_id: str, request: dict) -> dict:
    repo = Repository(uow.session)
    activity = _own(repo, activity_id, student_id)
    activity_type = repo.activity_type(request["type"])
    activity.resubmit(_details(request), activity_type, now=utcnow())
    uow.publish(ACTIVITY_RESUBMITTED, activity_state(activity, activity_type))
    uow.commit()
    return view(activity)


def withdraw(uow, *, student_id: str, activity_id: str) -> dict:
    repo = Repository(uow.session)
    activity = _own(repo, activity_id, student_id)
    activity.withdraw()
    uow.publish(ACTIVITY_WITHDRAWN, {"activity_id": activity.activity_id,
                                          "student_id": activity.student_id,
                                          "withdrawn_at": utcnow()})
    uow.commit()
    return view(activity)


def list_activities(uow, *, student_id: str) -> list[dict]:
    return [view(a) for a in Repository(uow.session).activities_of(student_id)]


def get_activity(uow, *, student_id: str, activity_id: str) -> dict:
    return view(_own(Repository(uow.session), activity_id, student_id))


def activity_type_view(t: domain.ActivityType) -> dict:
    return {"code": t.code, "name_en": t.name_en, "name_sv": t.name_sv,
            "repeated_attendance": t.repeated_attendance,
            "sessions_required": t.sessions_required, "default_location": t.default_location,
            "supplement_en": t.supplement_en, "supplement_sv": t.supplement_sv}


def list_activity_types(uow) -> list[dict]:
    return [activity_type_view(t) for t in Repository(uow.session).activity_types()]


def put_activity_type(uow, *, actor: dict, code: str, request: dict) -> tuple[bool, dict]:
    """An admin adds or changes a catalogue entry; returns (created?, the entry)."""
    if actor["role"] != "admin":
        raise Forbidden("only an admin changes the activity catalogue")
    repo = Repository(uow.session)
    existing = repo.activity_type(code)
    activity_type = domain.put_activity_type(existing, code=code, values=request)
    if existing is None:
        repo.add(activity_type)
    uow.commit()
    return existing is None, activity_type_view(activity_type)


def list_versions(uow, *, student_id: str, activity_id: str) -> list[dict]:
    """Every submitted version of the student's activity, oldest first, with its decision."""
    activity = _own(Repository(uow.session), activity_id, student_id)
    decided = {}
    for decision in activity.decisions:
        decided[decision.version] = decision  # the last decision on each version
    return [{
        "version": v.version, "type": v.type_code, "title": v.title, "description": v.description,
        "location": {"kind": v.location_kind, "country": v.location_country},
        "start_date": v.start_date, "end_date": v.end_date, "evidence_urls": list(v.evidence_urls),
        "sessions": [{"session_id": s["session_id"], "date": date.fromisoformat(s["date"]),
                      "title": s["title"]} for s in v.sessions],
        "submitted_at": v.submitted_at,
        "decision": None if v.version not in decided else {
            "decision": decided[v.version].decision, "comment": decided[v.version].comment,
            "decided_at": decided[v.version].decided_at, "version": v.version},
    } for v in activity.versions]


def record_decision(uow, data: dict, *, decision: str) -> bool:
    """Show the coordinator's decision; `db.consume` commits it with the event's id."""
    activity = Repository(uow.session).activity(data["activity_id"])
    if activity is None or activity.student_id != data["student_id"]:
        # Activities is the only source of activity ids: this is a fault to look at, so it
        # fails (and is dead-lettered after the retries) rather than vanishing.
        raise NotFound(f"a decision on unknown activity {data['activity_id']}")
    return activity.record_decision(decision=decision, version=data["version"],
                                    comment=data.get("comment"), decided_by=data["decided_by"],
                                    decided_at=data["decided_at"], now=utcnow())


def record_approval(uow, data: dict) -> bool:
    return record_decision(uow, data, decision=domain.APPROVED)


def record_rejection(uow, data: dict) -> bool:
    return record_decision(uow, data, decision=domain.REJECTED)


def record_change_request(uow, data: dict) -> bool:
    return record_decision(uow, data, decision=domain.CHANGES_REQUESTED)


def record_approval_withdrawal(uow, data: dict) -> bool:
    """activity.approval_withdrawn.v1: the student sees the reason; the activity may be resubmitted."""
    return record_decision(uow, {**data, "decided_by": data["withdrawn_by"],
                                 "decided_at": data["withdrawn_at"], "comment": data["reason"]},
                           decision=domain.APPROVAL_WITHDRAWN)
