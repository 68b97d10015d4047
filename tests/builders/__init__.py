"""Test data builders: `a_student(**overrides)`, `an_actor(...)`: sensible defaults, change one
thing per test. Service-specific builders live beside these (`tests/builders/<service>.py`)."""

from __future__ import annotations

import uuid

from shared.db import utcnow
from shared.permissions import ADMIN, COORDINATOR, REGISTRAR, STUDENT, Actor

# A graduation two years ahead, whatever the day the suite runs: far enough that no student of a
# test is ever due the reminder of RULES.md (graduation < 90 days away, requirement not met),
# which would add a message to the counts the tests keep.
GRADUATION = f"{utcnow().year + 2}-06"

ISSUER = "cim-dev"


def an_actor(role: str = STUDENT, **overrides) -> Actor:
    values = {
        "issuer": ISSUER,
        "subject": f"{role[0]}-{uuid.uuid4().hex[:6]}",
        "role": role,
        "student_id": None,
        "programmes": (),
    }
    values.update(overrides)
    values["programmes"] = tuple(values["programmes"])
    return Actor(**values)


def a_student_actor(student_id: str = "stu-1", **overrides) -> Actor:
    return an_actor(STUDENT, **{"subject": "s-1", "student_id": student_id, **overrides})


def a_coordinator(*programmes: str, **overrides) -> Actor:
    return an_actor(COORDINATOR, **{"subject": "c-1", "programmes": programmes or ("MBIOM",), **overrides})


def an_admin(**overrides) -> Actor:
    return an_actor(ADMIN, **{"subject": "a-1", **overrides})


def a_registrar(**overrides) -> Actor:
    return an_actor(REGISTRAR, **{"subject": "r-1", **overrides})


def a_programme(code: str = "MBIOM", **overrides) -> dict:
    """A programme as events carry it."""
    names = {"MBIOM": ("Master's Programme in Biomedicine", "Masterprogram i biomedicin")}
    name_en, name_sv = names.get(code, (f"Programme {code}", f"Program {code}"))
    return {"code": code, "name_en": name_en, "name_sv": name_sv, **overrides}


def a_student(**overrides) -> dict:
    """A student's full state as student.registered.v1 / student.updated.v1 carry it."""
    values = {
        "student_id": f"stu-{uuid.uuid4().hex[:8]}",
        "name": "Ada Example",
        "email": "ada@example.org",
        "programme": a_programme(),
        "expected_graduation": GRADUATION,
        "language": "en",
        "registered_at": utcnow(),
    }
    values.update(overrides)
    return values
