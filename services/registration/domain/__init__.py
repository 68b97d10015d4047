"""Registration's domain: who is enrolled in the CIM, in which programme. Plain Python."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.errors import Conflict, Invalid

REGISTERED = "registered"
WITHDRAWN = "withdrawn"


@dataclass(eq=False)
class Programme:
    code: str
    name_en: str
    name_sv: str


@dataclass(eq=False)
class Student:
    """A student's CIM profile. `issuer` + `subject` identify the person who signs in."""

    student_id: str
    issuer: str
    subject: str
    name: str  # legal name: personal data
    email: str  # personal data
    programme_code: str
    expected_graduation: str
    language: str
    status: str
    registered_at: datetime

    def change_programme(self, programme: Programme | None, programme_code: str) -> bool:
        """The student moved to another study programme; False when it is the same one.

        Their undecided items then wait for the new programme's coordinators (approvals follows
        the programme of the student's record).
        """
        if programme is None:
            raise Invalid({"programme": [f"unknown programme {programme_code!r}"]})
        if self.status == WITHDRAWN:
            raise Conflict("the student has left the CIM")
        if programme.code == self.programme_code:
            return False
        self.programme_code = programme.code
        return True

    def withdraw(self):
        if self.status == WITHDRAWN:
            raise Conflict("the registration is already withdrawn")
        self.status = WITHDRAWN

    def rename(self, legal_name: str) -> bool:
        """Student records changed the legal name; False when it is the name already held."""
        if not legal_name or not legal_name.strip():
            raise Invalid({"legal_name": ["a legal name is required"]})
        if legal_name == self.name:
            return False
        self.name = legal_name
        return True


def register(
    *,
    issuer: str,
    subject: str,
    name: str | None,
    email: str | None,
    programme: Programme | None,
    programme_code: str,
    expected_graduation: str,
    language: str,
    existing: Student | None,
    now: datetime,
) -> Student:
    """The rules of registering: one registration per person, a known programme, a name and email."""
    if existing is not None and existing.status == REGISTERED:
        raise Conflict("you are already registered for the CIM")
    if programme is None:
        raise Invalid({"programme": [f"unknown programme {programme_code!r}"]})
    if not name:
        raise Invalid({"name": ["a name is required (your token carries none)"]})
    if not email:
        raise Invalid({"email": ["an email address is required (your token carries none)"]})
    year, month = (int(part) for part in expected_graduation.split("-"))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Invalid({"expected_graduation": ["not a plausible graduation month"]})
    if existing is not None:  # re-registering after a withdrawal keeps the same student id
        existing.name, existing.email = name, email
        existing.programme_code, existing.expected_graduation = programme.code, expected_graduation
        existing.language, existing.status, existing.registered_at = language, REGISTERED, now
        return existing
    return Student(
        student_id=str(uuid.uuid4()),
        issuer=issuer,
        subject=subject,
        name=name,
        email=email,
        programme_code=programme.code,
        expected_graduation=expected_graduation,
        language=language,
        status=REGISTERED,
        registered_at=now,
    )
