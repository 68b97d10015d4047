"""What approvals answers to readers: the inbox, an activity to decide, progress, the audit
trail, the funnel and the alerts."""

from __future__ import annotations

from services.approvals.domain import audit as audits, coordinators, decisions, eligibility
from services.approvals.domain import funnel as funnels
from services.approvals.domain import inbox as inboxes
from services.approvals.handlers.common import in_directory, today
from services.approvals.handlers.decisions import DECIDERS
from shared.db import utcnow
from shared.errors import Forbidden, NotFound
from shared.permissions import (
    ADMIN,
    COORDINATOR,
    STUDENT,
    Actor,
    ensure_may_coordinate,
    ensure_may_have_role,
    ensure_may_read_student,
)
from shared.rpc.approvals import InboxFilter


def _covered(uow, actor: Actor) -> set[str] | None:
    """The programmes the caller decides for today (None: all, for an admin)."""
    ensure_may_have_role(actor, *DECIDERS, doing="have the coordinator's view")
    if actor.is_admin:
        return None
    return set(in_directory(uow, actor).programmes)


def inbox(uow, *, actor: Actor, query: InboxFilter | None = None) -> dict:
    """What the caller may decide, oldest first, filtered; one page read at the source, each
    item with its waiting time."""
    query = query or InboxFilter()
    covered = _covered(uow, actor)
    criteria = inboxes.InboxCriteria(
        programmes=None if covered is None else frozenset(covered),
        programme=query.programme,
        type_code=query.type,
        kind=query.kind,
        status=query.status,
        student_id=query.student,
        search=query.q,
    )
    after = inboxes.decode_cursor(query.cursor) if query.cursor else None
    limit = query.limit or 100
    page = inboxes.page_of(uow.repo.inbox_items(criteria, after, limit + 1), limit)
    now = utcnow()
    for item in page["items"]:
        item["status"] = inboxes.inbox_status(item["version"])
        item["waiting_seconds"] = max(0, int((now - item["submitted_at"]).total_seconds()))
    return page


def get_activity(uow, *, actor: Actor, activity_id: str) -> dict:
    """What a coordinator reads before deciding: the latest version and the decisions so far."""
    ensure_may_have_role(actor, *DECIDERS, doing="read activities here")
    activity = uow.repo.activity(activity_id)
    student = uow.repo.student(activity.student_id) if activity is not None else None
    if activity is None or student is None:
        raise NotFound("no such activity")
    ensure_may_coordinate(in_directory(uow, actor), student.programme_code, "activity")
    kind = activity.activity_type
    return {
        "activity_id": activity.activity_id,
        "student_id": student.student_id,
        "student_name": student.name,
        "programme": student.programme_code,
        "version": activity.version,
        "type": kind["code"],
        "type_name_en": kind["name_en"],
        "type_name_sv": kind["name_sv"],
        "sessions_required": kind["sessions_required"],
        "title": activity.title,
        "description": activity.description,
        "location": activity.location,
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "sessions": activity.sessions,
        "status": activity.status,
        "submitted_at": activity.submitted_at,
        "decisions": [
            d
            for d in uow.repo.decisions_of(student.student_id)
            if d.kind == decisions.ACTIVITY and d.item_id == activity_id
        ],
    }


def progress(uow, *, actor: Actor) -> eligibility.Standing:
    """The student's own standing: what counts and what is still missing."""
    ensure_may_have_role(actor, STUDENT, doing="see progress (it is the student's own view)")
    inputs = uow.repo.standing_inputs(actor.student_id) if actor.student_id else None
    if inputs is None:
        raise NotFound("you are not registered for the CIM (or your registration is on its way)")
    return eligibility.assess(*inputs)


def audit_trail(uow, *, actor: Actor, student_id: str, cursor: str | None = None, limit: int | None = None) -> dict:
    """The student's append-only log, oldest first, one page (all when no limit): for them,
    their coordinators, admins."""
    ensure_may_have_role(actor, STUDENT, COORDINATOR, ADMIN, doing="read an audit trail")
    student = uow.repo.student(student_id)
    if student is None:
        raise NotFound("no such student")
    ensure_may_read_student(in_directory(uow, actor), student_id, student.programme_code)
    after = audits.decode_cursor(cursor) if cursor else None
    entries = uow.repo.audit_trail(student_id, after, None if limit is None else limit + 1)
    more = limit is not None and len(entries) > limit
    entries = entries[:limit] if limit is not None else entries
    return {"items": entries, "next_cursor": audits.encode_cursor(entries[-1].seq) if more else None}


def funnel(uow, *, actor: Actor, programme: str | None = None) -> list[dict]:
    """Per programme: how many reached each stage, and the median wait from the stage before."""
    covered = _covered(uow, actor)
    if programme is not None and covered is not None and programme not in covered:
        # A programme is public knowledge (not someone's object): refused, not hidden.
        raise Forbidden("you do not cover this programme")
    if programme:
        programmes = [programme]
    elif covered is not None:
        programmes = sorted(covered)
    else:  # every programme with a student counted, and every one in the directory
        programmes = sorted(uow.repo.funnel_programmes() | {p for c in uow.repo.coordinators() for p in c.programmes})
    summary = uow.repo.funnel_summary(programmes)
    return [row for code in programmes for row in funnels.funnel_from_summary(code, summary[code])]


def alerts(uow, *, actor: Actor) -> list[dict]:
    """Programmes nobody can decide for today, with the work waiting for them (admins only)."""
    ensure_may_have_role(actor, ADMIN, doing="read the alerts (they are for admins)")
    waiting = uow.repo.waiting_by_programme()
    return [
        {
            "kind": "no_coordinator_available",
            "programme": code,
            "waiting_items": waiting.get(code, (0, None))[0],
            "oldest_waiting_since": waiting.get(code, (0, None))[1],
            "marker": coordinators.ALERT_MARKER,
        }
        for code in sorted(
            coordinators.uncovered_programmes(uow.repo.programme_codes(), uow.repo.coordinators(), today())
        )
    ]
