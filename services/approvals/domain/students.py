"""Approvals' copy of a student, and of the milestones other services tell it of.

Each is kept up to date from another service's events: the student (registration), the final
report and the presentation (ceremony), the issued certificate (certificates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.approvals.domain.statuses import ACCEPTED, PENDING, REGISTERED, WITHDRAWN


@dataclass(eq=False)
class Student:
    """Approvals' copy of a student (from registration's events)."""

    student_id: str
    name: str  # personal data
    email: str  # personal data
    language: str
    programme_code: str
    programme_name_en: str
    programme_name_sv: str
    expected_graduation: str
    status: str = REGISTERED
    registered_at: datetime | None = None  # unknown for copies made before it was kept

    @property
    def programme(self) -> dict:
        return {"code": self.programme_code, "name_en": self.programme_name_en, "name_sv": self.programme_name_sv}


@dataclass(eq=False)
class Report:
    """The student's final report as approvals sees it; `version` counts the submissions."""

    student_id: str
    report_id: str
    version: int
    submitted_at: datetime
    status: str = PENDING

    def resubmitted(self, report_id: str, submitted_at: datetime) -> bool:
        if report_id == self.report_id or self.status == ACCEPTED:
            return False  # the same report again, or one after acceptance: nothing to decide
        self.report_id, self.submitted_at = report_id, submitted_at
        self.version, self.status = self.version + 1, PENDING
        return True

    def withdraw(self) -> bool:
        """The student left the CIM: a report waiting for a decision leaves the inboxes (one
        decided stays as decided). True when it was waiting."""
        if self.status != PENDING:
            return False
        self.status = WITHDRAWN
        return True


@dataclass(eq=False)
class Presentation:
    student_id: str
    ceremony_id: str
    ceremony_date: date
    recorded_by: str
    recorded_at: datetime


@dataclass(eq=False)
class IssuedCertificate:
    """Approvals' note that a student's certificate was issued (for the funnel)."""

    student_id: str
    code: str
    issued_at: datetime
