"""Builders for the certificates service's inputs: eligibility, name updates, withdrawals.

Values are as a consumer loads them from the event (dates are dates, times are aware).
"""

from __future__ import annotations

from datetime import date

from shared.db import utcnow
from tests.builders import a_programme

PROGRAMME = a_programme("MBIOM", name_en="Master's programme in Biomedicine")


def an_activity_type(code: str = "exchange_semester", **overrides) -> dict:
    values = {
        "code": code,
        "name_en": "Exchange semester",
        "name_sv": "Utbytestermin",
        "sessions_required": 1,
        "supplement_en": "Completed an exchange semester abroad.",
        "supplement_sv": "Har genomfört en utbytestermin utomlands.",
    }
    return {**values, **overrides}


def a_counted_activity(activity_id: str = "a-1", **overrides) -> dict:
    """One `activities[]` item of student.eligible.v1: by default an exchange in Leiden."""
    values = {
        "activity_id": activity_id,
        "activity_type": an_activity_type(),
        "title": "Exchange in Leiden",
        "location": {"kind": "abroad", "country": "NL"},
        "start_date": date(2025, 9, 1),
        "end_date": date(2026, 1, 31),
    }
    return {**values, **overrides}


def a_language_cafe(activity_id: str = "a-2") -> dict:
    return a_counted_activity(
        activity_id,
        activity_type=an_activity_type(
            "language_cafe",
            name_en="Language café",
            name_sv="Språkkafé",
            sessions_required=3,
            supplement_en="Took part in language cafés.",
            supplement_sv="Har deltagit i språkkaféer.",
        ),
        title="Spanish café",
        location={"kind": "sweden", "country": None},
        start_date=date(2025, 2, 1),
        end_date=date(2025, 5, 1),
    )


def a_digital_conference(activity_id: str = "a-3") -> dict:
    return a_counted_activity(
        activity_id,
        activity_type=an_activity_type("conference", name_en="International conference"),
        title="ISMB workshop",
        location={"kind": "digital", "country": None},
        start_date=date(2025, 3, 10),
        end_date=date(2025, 3, 12),
    )


def an_eligibility(student_id: str = "stu-1", name: str = "Astrid Lindgren", **overrides) -> dict:
    """student.eligible.v1's data: an exchange abroad and a language café, ceremony c-1."""
    values = {
        "student_id": student_id,
        "name": name,
        "email": "astrid@example.org",
        "language": "sv",
        "programme": PROGRAMME,
        "rule_set": "standard",
        "rule_set_version": 1,
        "activities": [a_counted_activity(), a_language_cafe()],
        "ceremony": {"ceremony_id": "c-1", "date": date(2026, 5, 20)},
        "eligible_at": utcnow(),
    }
    return {**values, **overrides}


def a_name_update(student_id: str = "stu-1", name: str = "Astrid Ericsson", **overrides) -> dict:
    """student.updated.v1's data: the student's full state after a change."""
    values = {
        "student_id": student_id,
        "name": name,
        "email": "astrid@example.org",
        "programme": PROGRAMME,
        "expected_graduation": "2027-06",
        "language": "sv",
        "updated_at": utcnow(),
    }
    return {**values, **overrides}


def a_withdrawal(student_id: str = "stu-1", activity_id: str = "a-1", was_eligible: bool = True, **overrides) -> dict:
    """activity.approval_withdrawn.v1's data."""
    values = {
        "activity_id": activity_id,
        "student_id": student_id,
        "version": 1,
        "withdrawn_by": "c-1",
        "withdrawn_at": utcnow(),
        "reason": "The host university cancelled the exchange.",
        "activity_requirement_met": False,
        "was_eligible": was_eligible,
    }
    return {**values, **overrides}
