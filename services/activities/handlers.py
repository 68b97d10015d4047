"""Activities' use cases: each takes a unit of work (with its repository) and typed values.

A use case never commits: its unit of work commits when the caller's `with` block ends. The RPC
use cases return domain objects, which the view schemas of shared.rpc.activities dump.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from services.activities.domain import activities as claims
from services.activities.domain import catalogue, reported
from services.activities.domain.details import Details
from shared import keyset
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import ACTIVITY_RESUBMITTED, ACTIVITY_SUBMITTED, ACTIVITY_WITHDRAWN
from shared.permissions import ADMIN, Actor, ensure_may_have_role
from shared.rpc.activities import ActivityClaim, ActivityTypeEntry, SessionClaim
from shared.rpc.paging import FIRST_PAGE, Page


def activity_type_state(activity_type: catalogue.ActivityType) -> dict:
    """The catalogue entry as events carry it (consumers keep their own copy)."""
    return {
        "code": activity_type.code,
        "name_en": activity_type.name_en,
        "name_sv": activity_type.name_sv,
        "sessions_required": activity_type.sessions_required,
        "supplement_en": activity_type.supplement_en,
        "supplement_sv": activity_type.supplement_sv,
    }


def activity_state(activity: claims.Activity, activity_type: catalogue.ActivityType) -> dict:
    """The data of activity.submitted.v1 / activity.resubmitted.v1: the whole current version."""
    return {
        "activity_id": activity.activity_id,
        "student_id": activity.student_id,
        "version": activity.version,
        "activity_type": activity_type_state(activity_type),
        "title": activity.title,
        "description": activity.description,
        "location": asdict(activity.location),
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "sessions": [{"session_id": s.session_id, "date": s.date, "title": s.title} for s in activity.sessions],
        "submitted_at": activity.submitted_at,
        "verified_by": activity.verified_by,
    }


def _details(request: ActivityClaim) -> Details:
    return Details(
        type_code=request.type,
        title=request.title,
        description=request.description,
        location_kind=request.location.kind,
        location_country=request.location.country,
        start_date=request.start_date,
        end_date=request.end_date,
        evidence_urls=tuple(request.evidence_urls or ()),
    )


def _own(uow, actor: Actor, activity_id: str) -> claims.Activity:
    claims.acting_student(actor)
    return claims.own_activity(uow.repo.activity(activity_id), actor)


# --- a student's claims ----------------------------------------------------------------------


def log_activity(uow, *, actor: Actor, request: ActivityClaim) -> claims.Activity:
    student_id = claims.acting_student(actor)
    activity_type = uow.repo.activity_type(request.type)
    activity = claims.log(student_id=student_id, details=_details(request), activity_type=activity_type, now=utcnow())
    uow.repo.add(activity)
    uow.publish(ACTIVITY_SUBMITTED, activity_state(activity, activity_type))
    return activity


def add_session(uow, *, actor: Actor, activity_id: str, request: SessionClaim) -> claims.Activity:
    activity = _own(uow, actor, activity_id)
    activity_type = uow.repo.activity_type(activity.type_code)
    activity.add_session(session_date=request.date, title=request.title, activity_type=activity_type, now=utcnow())
    uow.publish(ACTIVITY_RESUBMITTED, activity_state(activity, activity_type))
    return activity


def resubmit(uow, *, actor: Actor, activity_id: str, request: ActivityClaim) -> claims.Activity:
    activity = _own(uow, actor, activity_id)
    activity_type = uow.repo.activity_type(request.type)
    activity.resubmit(_details(request), activity_type, now=utcnow())
    uow.publish(ACTIVITY_RESUBMITTED, activity_state(activity, activity_type))
    return activity


def withdraw(uow, *, actor: Actor, activity_id: str) -> claims.Activity:
    activity = _own(uow, actor, activity_id)
    activity.withdraw()
    uow.publish(
        ACTIVITY_WITHDRAWN,
        {"activity_id": activity.activity_id, "student_id": activity.student_id, "withdrawn_at": utcnow()},
    )
    return activity


def list_activities(uow, *, actor: Actor, page: Page = FIRST_PAGE) -> dict:
    """One page of the student's own activities, in the order they were logged."""
    student_id = claims.acting_student(actor)
    position = keyset.decode_cursor(page.cursor, "activities", (keyset.aware_datetime, str)) if page.cursor else None
    rows = uow.repo.activities_page(student_id, position, page.limit)
    return keyset.page_of(rows, page.limit, "activities", lambda a: (a.created_at, a.activity_id))


def get_activity(uow, *, actor: Actor, activity_id: str) -> claims.Activity:
    return _own(uow, actor, activity_id)


def list_versions(uow, *, actor: Actor, activity_id: str, page: Page = FIRST_PAGE) -> dict:
    """One page of the submitted versions of the student's activity, oldest first, each with its
    decision (the versions are part of the activity, read with it: the page is cut from them).

    A dict, not the version itself: a version keeps its sessions as it stood (ISO dates) and
    does not know the decision on it; the activity does.
    """
    activity = _own(uow, actor, activity_id)
    after = keyset.decode_cursor(page.cursor, "versions", (int,))[0] if page.cursor else 0
    versions = [v for v in activity.versions if v.version > after][: page.limit + 1]
    items = [
        {
            "version": v.version,
            "type": v.type_code,
            "title": v.title,
            "description": v.description,
            "location": v.location,
            "start_date": v.start_date,
            "end_date": v.end_date,
            "evidence_urls": list(v.evidence_urls),
            "sessions": [
                {"session_id": s["session_id"], "date": date.fromisoformat(s["date"]), "title": s["title"]}
                for s in v.sessions
            ],
            "submitted_at": v.submitted_at,
            "decision": activity.decision_on(v.version),
        }
        for v in versions
    ]
    return keyset.page_of(items, page.limit, "versions", lambda v: (v["version"],))


# --- the catalogue ---------------------------------------------------------------------------


def list_activity_types(uow, page: Page = FIRST_PAGE) -> dict:
    """One page of the catalogue, by code."""
    position = keyset.decode_cursor(page.cursor, "activity-types", (str,)) if page.cursor else None
    rows = uow.repo.activity_types_page(position, page.limit)
    return keyset.page_of(rows, page.limit, "activity-types", lambda t: (t.code,))


def put_activity_type(
    uow, *, actor: Actor, code: str, request: ActivityTypeEntry
) -> tuple[bool, catalogue.ActivityType]:
    """An admin adds or changes a catalogue entry; returns (created?, the entry)."""
    ensure_may_have_role(actor, ADMIN, doing="change the activity catalogue")
    existing = uow.repo.activity_type(code)
    activity_type = catalogue.put_activity_type(existing, code=code, **asdict(request))
    if existing is None:
        uow.repo.add(activity_type)
    return existing is None, activity_type


# --- approvals' decisions (called through db.consume, which claims the event id) -------------


def record_decision(uow, data: dict, *, decision: str) -> bool:
    """Show the coordinator's decision on the version it was made on."""
    activity = uow.repo.activity(data["activity_id"])
    if activity is None or activity.student_id != data["student_id"]:
        # Activities is the only source of activity ids: this is a fault to look at, so it
        # fails (and is dead-lettered after the retries) rather than vanishing.
        raise NotFound(f"a decision on unknown activity {data['activity_id']}")
    return activity.record_decision(
        decision=decision,
        version=data["version"],
        comment=data.get("comment"),
        decided_by=data["decided_by"],
        decided_at=data["decided_at"],
        now=utcnow(),
    )


def record_approval(uow, data: dict) -> bool:
    return record_decision(uow, data, decision=claims.APPROVED)


def record_rejection(uow, data: dict) -> bool:
    return record_decision(uow, data, decision=claims.REJECTED)


def record_change_request(uow, data: dict) -> bool:
    return record_decision(uow, data, decision=claims.CHANGES_REQUESTED)


def record_approval_withdrawal(uow, data: dict) -> bool:
    """activity.approval_withdrawn.v1: the student sees the reason; the activity may be resubmitted."""
    return record_decision(
        uow,
        {**data, "decided_by": data["withdrawn_by"], "decided_at": data["withdrawn_at"], "comment": data["reason"]},
        decision=claims.APPROVAL_WITHDRAWN,
    )


# --- what campus systems reported (through the campus edge) ---------------------------------


def record_reported_exchange(uow, data: dict):
    """The mobility office's completed exchange: a verified activity for the coordinator, once
    per mobility id (a resend of the same exchange under a new event id changes nothing)."""
    if uow.repo.activity_reported_as(data["mobility_id"]) is not None:
        return
    activity_type = uow.repo.activity_type(data["kind"])
    activity = reported.reported_exchange(
        student_id=data["student_id"],
        activity_type=activity_type,
        mobility_id=data["mobility_id"],
        host_institution=data["host_institution"],
        country=data["country"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        verified_by=data["reported_by"],
        now=utcnow(),
    )
    uow.repo.add(activity)
    uow.publish(ACTIVITY_SUBMITTED, activity_state(activity, activity_type))


def record_reported_attendance(uow, data: dict):
    """The events office's attendance: a verified session on the student's activity of that
    type, created when missing; once per occasion (`event_ref`)."""
    uow.repo.lock_student(data["student_id"])
    if uow.repo.session_reported_as(data["event_ref"]) is not None:
        return
    activity_type = uow.repo.activity_type(data["activity_type"])
    now = utcnow()
    activity, new = reported.attendance_activity(
        uow.repo.activities_of(data["student_id"]),
        activity_type,
        student_id=data["student_id"],
        location_kind=data["location_kind"],
        session_date=data["date"],
        verified_by=data["reported_by"],
        now=now,
    )
    if new:
        uow.repo.add(activity)
    activity.add_session(
        session_date=data["date"],
        title=data["title"],
        activity_type=activity_type,
        now=now,
        verified_by=data["reported_by"],
        external_ref=data["event_ref"],
    )
    uow.publish(ACTIVITY_SUBMITTED if new else ACTIVITY_RESUBMITTED, activity_state(activity, activity_type))
