"""Activities' test data: claims as a student sends them, catalogue entries, decision events."""

from __future__ import annotations

from datetime import date

from shared.db import utcnow
from shared.rpc.activities import ActivityClaim, ActivityTypeEntry, Location


def an_exchange(**overrides) -> dict:
    """An exchange semester abroad, as the body of logging (or resubmitting) an activity."""
    values = {
        "type": "exchange_semester",
        "title": "Exchange in Leiden",
        "description": "A semester of biomedicine courses at Leiden University",
        "location": {"kind": "abroad", "country": "NL"},
        "start_date": "2025-09-01",
        "end_date": "2026-01-31",
        "evidence_urls": ["https://example.org/transcript.pdf"],
    }
    return {**values, **overrides}


def a_language_cafe(**overrides) -> dict:
    """A repeated-attendance activity in Sweden (it takes sessions)."""
    values = {
        "type": "language_cafe",
        "title": "Spanish café",
        "description": "At the library",
        "location": {"kind": "sweden"},
        "start_date": "2025-09-01",
        "end_date": "2025-12-20",
    }
    return {**values, **overrides}


def a_claim(body: dict | None = None, **overrides) -> ActivityClaim:
    """A body above as the typed request a handler takes."""
    body = {**(body or an_exchange()), **overrides}
    return ActivityClaim(
        type=body["type"],
        title=body["title"],
        description=body["description"],
        location=Location(**body["location"]),
        start_date=date.fromisoformat(body["start_date"]),
        end_date=date.fromisoformat(body["end_date"]),
        evidence_urls=tuple(body.get("evidence_urls", ())),
    )


def an_activity_type_entry(**overrides) -> dict:
    """A whole catalogue entry as an admin puts it."""
    values = {
        "name_en": "Global health hackathon",
        "name_sv": "Hackathon i global hälsa",
        "repeated_attendance": False,
        "default_location": "abroad",
        "supplement_en": "Took part in a global health hackathon.",
        "supplement_sv": "Har deltagit i ett hackathon i global hälsa.",
    }
    return {**values, **overrides}


def a_type_entry(**overrides) -> ActivityTypeEntry:
    return ActivityTypeEntry(**{"sessions_required": None, **an_activity_type_entry(**overrides)})


def _about(activity) -> dict:
    """Which activity an event speaks of: from its view (a dict) or the domain object."""
    if isinstance(activity, dict):
        return {"activity_id": activity["id"], "student_id": activity["student_id"], "version": activity["version"]}
    return {"activity_id": activity.activity_id, "student_id": activity.student_id, "version": activity.version}


def a_decision(activity, **overrides) -> dict:
    """The data of approvals' decision events (approved, rejected, changes requested)."""
    return {**_about(activity), "decided_by": "c-1", "decided_at": utcnow(), "comment": None, **overrides}


def an_approval_withdrawal(activity, **overrides) -> dict:
    """The data of activity.approval_withdrawn.v1."""
    return {
        **_about(activity),
        "withdrawn_by": "c-1",
        "withdrawn_at": utcnow(),
        "reason": "the dates are wrong",
        "activity_requirement_met": False,
        "was_eligible": False,
        **overrides,
    }
