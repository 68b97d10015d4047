"""An in-memory ceremony repository with the same methods as services.ceremony.orm."""

from __future__ import annotations

from collections import Counter

from services.ceremony.domain.bookings import ACTIVE, BOOKED, WAITING, Booking
from services.ceremony.domain.ceremonies import Ceremony
from services.ceremony.domain.presentations import Presentation
from services.ceremony.domain.reports import FinalReport
from services.ceremony.domain.requirement import RequirementLapse, RequirementMet
from tests.unit.fakes import after


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

    def upcoming_ceremonies(self, now, position=None, limit=100):
        upcoming = (c for c in self.ceremonies.values() if c.is_upcoming(now))
        return after(upcoming, lambda c: (c.starts_at, c.ceremony_id), position, limit)

    def places_taken(self, ceremony_ids, status=BOOKED):
        counts = Counter(b.ceremony_id for b in self.bookings if b.ceremony_id in ceremony_ids and b.status == status)
        return dict(counts)

    def active_booking(self, student_id, lock=False):
        return next((b for b in self.bookings if b.student_id == student_id and b.status in ACTIVE), None)

    def bookings_of(self, ceremony_id, *statuses):
        return sorted(
            (b for b in self.bookings if b.ceremony_id == ceremony_id and b.status in (statuses or ACTIVE)),
            key=lambda b: (b.booked_at, b.booking_id),
        )

    def waiting_list(self, ceremony_id):
        return self.bookings_of(ceremony_id, WAITING)

    def booking(self, ceremony_id, student_id):
        mine = [b for b in self.bookings if (b.ceremony_id, b.student_id) == (ceremony_id, student_id)]
        return max(mine, key=lambda b: b.booked_at, default=None)

    def report_statuses(self, student_ids):
        return {
            r.student_id: r.status
            for r in sorted(self.reports, key=lambda r: r.submitted_at)
            if r.student_id in student_ids
        }

    def latest_report(self, student_id):
        mine = [r for r in self.reports if r.student_id == student_id]
        return max(mine, key=lambda r: r.submitted_at, default=None)

    def report(self, report_id):
        return next((r for r in self.reports if r.report_id == report_id), None)

    def presentation(self, student_id):
        return self.presentations.get(student_id)
