"""Builders for approvals' tests: the events it consumes and the people of its seed directory.

Each returns event data as the producing service publishes it; override one thing per test.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from shared.db import utcnow
from tests.builders import a_coordinator, an_admin

# The seed directory (migration 0002): c-biomed covers MBIOM and BBIOM, c-health-1 MPUBH and MMEDS.
BIOMED, HEALTH = "c-biomed", "c-health-1"


def biomed() -> dict:
    """The seed directory's biomedicine coordinator, as the gateway sends an actor over RPC."""
    return a_coordinator(subject=BIOMED, programmes=()).to_dict()


def health() -> dict:
    return a_coordinator(subject=HEALTH, programmes=()).to_dict()


def root() -> dict:
    return an_admin(subject="root").to_dict()


def an_activity_type(**overrides) -> dict:
    """A conference: one session counts."""
    values = {
        "code": "conference",
        "name_en": "International conference or workshop",
        "name_sv": "Internationell konferens eller workshop",
        "sessions_required": 1,
        "supplement_en": "an international conference",
        "supplement_sv": "en internationell konferens",
    }
    return {**values, **overrides}


def an_activity_event(student_id: str, kind: str = "abroad", age: int = 0, **overrides) -> dict:
    """activity.submitted.v1 (or .resubmitted.v1 with `version`): `age` orders submissions,
    the larger the later (hours before now: 10 - age)."""
    values = {
        "activity_id": str(uuid.uuid4()),
        "student_id": student_id,
        "version": 1,
        "activity_type": an_activity_type(),
        "title": f"Conference {kind}",
        "description": "I presented.",
        "location": {"kind": kind, "country": {"sweden": "SE", "abroad": "DE"}.get(kind)},
        "start_date": date(2026, 3, 1 + age),
        "end_date": date(2026, 3, 2 + age),
        "sessions": [],
        "submitted_at": utcnow() - timedelta(hours=10 - age),
    }
    return {**values, **overrides}


def a_report_event(student_id: str, **overrides) -> dict:
    """report.submitted.v1."""
    values = {
        "student_id": student_id,
        "report_id": str(uuid.uuid4()),
        "filename": "report.pdf",
        "size": 1234,
        "sha256": "0" * 64,
        "submitted_at": utcnow(),
    }
    return {**values, **overrides}


def a_presentation_event(student_id: str, **overrides) -> dict:
    """presentation.recorded.v1."""
    values = {
        "student_id": student_id,
        "ceremony_id": "cer-1",
        "ceremony_date": date(2027, 5, 20),
        "recorded_by": BIOMED,
        "recorded_at": utcnow(),
    }
    return {**values, **overrides}


def a_certificate_issued_event(student_id: str, **overrides) -> dict:
    """certificate.issued.v1."""
    values = {
        "certificate_id": "cert-1",
        "code": "ABCD-EFGH",
        "version": 1,
        "student_id": student_id,
        "programme": "MBIOM",
        "verify_url": "http://x/verify/ABCD-EFGH",
        "issued_at": utcnow(),
    }
    return {**values, **overrides}


def a_leave(days_before: int = 1, days_after: int = 10, **overrides) -> dict:
    """A leave as PUT /v1/coordinators/{subject} takes it, around today."""
    today = date.today()
    values = {
        "from": (today - timedelta(days=days_before)).isoformat(),
        "to": (today + timedelta(days=days_after)).isoformat(),
    }
    return {**values, **overrides}
