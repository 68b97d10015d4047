"""An in-memory ceremony repository with the same methods as services.ceremony.orm."""
from __future__ import annotations

from collections import Counter

from services.ceremony.domain.bookings import Booking
from services.ceremony.domain.ceremonies import Ceremony
from services.ceremony.domain.presentations import Presentation
from services.ceremony.domain.reports import FinalReport
from services.ceremony.domain.requirement import RequirementLapse, RequirementMet


class FakeCeremonyRepository:
    def __init__(self):
        self.requirements: dict[str, RequirementMet] = {}
        self.lapses: dict[str, RequirementLapse] = {}
        self.ceremonies: dict[str, Ceremony] = {}
        self.bookings: list[Booking] = []
        self.reports: list[FinalReport] = []
        self.presentations: dict[str, Presentation] = {}

    def add(self, obj):
        if isinstance(obj, RequirementMet):
            self.requirements[obj.student_id] = obj
        elif isinstance(obj, RequirementLapse):
            self.lapses[obj.student_id] = obj
        elif isinstance(obj, Ceremony):
            self.ceremonies[obj.ceremony_id] = obj
        elif isinstance(obj, Booking):
            self.bookings.append(obj)
        elif isinstance(obj, FinalReport):
            self.reports.append(obj)
        elif isinstance(obj, Presentation):
            self.presentations[obj.student_id] = obj
        else:
            raise TypeError(f"the ceremony keeps no {type(obj).__name__}")

    def remove(self, obj):
        self.bookings.remove(obj)  # only bookings are ever removed (a released place)

    # `lock` serialises on a row in PostgreSQL; one thread here has nothing to serialise.
    def requirement(self, student_id, lock=False):
        return self.requirements.get(student_id)

    def lapse(self, student_id, lock=False):
        return self.lapses.get(student_id)

    def ceremony(self, ceremony_id, lock=False):
        return self.ceremonies.get(ceremony_id)

    def upcoming_ceremonies(self, now):
        return sorted((c for c in self.ceremonies.values() if c.is_upcoming(now)),
                      key=lambda c: c.starts_at)

    def places_taken(self, ceremony_ids):
        counts = Counter(b.ceremony_id for b in self.bookings if b.ceremony_id in ceremony_ids)
        return dict(counts)

    def upcoming_booking(self, student_id, now):
        upcoming = [b for b in self.bookings if b.student_id == student_id
                    and self.ceremonies[b.ceremony_id].is_upcoming(now)]
        return min(upcoming, key=lambda b: self.ceremonies[b.ceremony_id].starts_at, default=None)

    def booking(self, ceremony_id, student_id):
        return next((b for b in self.bookings
                     if (b.ceremony_id, b.student_id) == (ceremony_id, student_id)), None)

    def latest_report(self, student_id):
        mine = [r for r in self.reports if r.student_id == student_id]
        return max(mine, key=lambda r: r.submitted_at, default=None)

    def report(self, report_id):
        return next((r for r in self.reports if r.report_id == report_id), None)

    def presentation(self, student_id):
        return self.presentations.get(student_id)
