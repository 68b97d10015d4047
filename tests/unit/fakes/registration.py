"""An in-memory registration repository with the same methods as services.registration.orm."""

from __future__ import annotations

from services.registration import domain
from tests.unit.fakes import after


class FakeRegistrationRepository:
    def __init__(self, programmes=()):
        self.programmes_by_code = {p.code: p for p in programmes}
        self.students: dict[str, domain.Student] = {}

    def programme(self, code):
        return self.programmes_by_code.get(code)

    def programmes_page(self, position, limit):
        return after(self.programmes_by_code.values(), lambda p: (p.code,), position, limit)

    def programmes(self):
        return sorted(self.programmes_by_code.values(), key=lambda p: p.code)

    def student(self, student_id):
        return self.students.get(student_id)

    def student_by_person(self, issuer, subject):
        return next((s for s in self.students.values() if (s.issuer, s.subject) == (issuer, subject)), None)

    def add(self, obj):
        self.students[obj.student_id] = obj
