"""Builders for the notifications service's inputs: the events that tell a student something.

Values are as a consumer loads them from the event (times are aware).
"""

from __future__ import annotations

from datetime import datetime, timezone

from services.notifications.domain.messages import Composer
from services.notifications.templating import MessageTemplates
from shared.db import utcnow
from tests.builders import a_programme, a_student

WEB_URL = "https://cim.example.org"
TEMPLATES = MessageTemplates()  # the real template files: rendering them is fast and pure


def a_composer(web_url: str = WEB_URL) -> Composer:
    """What the service composes messages with: the real templates, links to `web_url`."""
    return Composer(render=TEMPLATES.render, web_url=web_url)


PROGRAMME = a_programme("MBIOM", name_en="Master's programme in Biomedicine")


def a_registration(student_id: str = "s-1", language: str = "sv", **overrides) -> dict:
    """student.registered.v1's data: Åsa Öberg, in Swedish by default."""
    return a_student(
        **{
            "student_id": student_id,
            "name": "Åsa Öberg",
            "email": "asa@example.org",
            "programme": PROGRAMME,
            "language": language,
            **overrides,
        }
    )


def a_decision(student_id: str = "s-1", comment: str | None = None, **overrides) -> dict:
    """An activity decision's data (activity.approved.v1, .rejected.v1, .changes_requested.v1)."""
    values = {
        "activity_id": "a-1",
        "student_id": student_id,
        "version": 1,
        "decided_by": "c-1",
        "decided_at": utcnow(),
        "comment": comment,
    }
    return {**values, **overrides}


def a_withdrawn_approval(student_id: str = "s-1", **overrides) -> dict:
    """activity.approval_withdrawn.v1's data."""
    values = {
        "activity_id": "a-1",
        "student_id": student_id,
        "version": 1,
        "withdrawn_by": "c-1",
        "withdrawn_at": utcnow(),
        "reason": "The exchange was cancelled.",
        "activity_requirement_met": False,
        "was_eligible": False,
    }
    return {**values, **overrides}


def a_ceremony(**overrides) -> dict:
    values = {
        "ceremony_id": "c-1",
        "title": "CIM Ceremony Spring 2027",
        "starts_at": datetime(2027, 6, 12, 12, 0, tzinfo=timezone.utc),
        "location": "Aula Medica, Solna",
        "capacity": 80,
        "language": "en",
    }
    return {**values, **overrides}


def a_booking(student_id: str = "s-1", **overrides) -> dict:
    """ceremony.booked.v1's data."""
    values = {"booking_id": "b-1", "ceremony": a_ceremony(), "student_id": student_id, "booked_at": utcnow()}
    return {**values, **overrides}


def an_issued_certificate(student_id: str = "s-1", code: str = "NEWCODE", **overrides) -> dict:
    """certificate.issued.v1's data (a first issue unless `supersedes` is given)."""
    values = {
        "certificate_id": "x",
        "code": code,
        "version": 1,
        "student_id": student_id,
        "programme": "MBIOM",
        "verify_url": f"https://cim.example.org/verify/{code}",
        "issued_at": utcnow(),
    }
    return {**values, **overrides}


def a_revocation(student_id: str = "s-1", code: str = "OLDCODE", **overrides) -> dict:
    """certificate.revoked.v1's data."""
    values = {
        "certificate_id": "x",
        "code": code,
        "student_id": student_id,
        "reason": "The exchange did not take place.",
        "revoked_at": utcnow(),
    }
    return {**values, **overrides}
