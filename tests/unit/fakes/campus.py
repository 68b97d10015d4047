"""An in-memory campus edge repository with the same methods as services.campus.orm."""

from __future__ import annotations

from services.campus.domain.inbound import WAITING, InboundEvent
from services.campus.domain.people import Person


class FakeCampusRepository:
    def __init__(self):
        self.entries: list[InboundEvent] = []
        self.persons: dict[str, Person] = {}

    def add(self, obj):
        if isinstance(obj, Person):
            self.persons[obj.student_id] = obj
        else:
            raise TypeError(f"the campus repository keeps no {type(obj).__name__} by add()")

    def add_new(self, entries: list[InboundEvent]) -> list[InboundEvent]:
        added = []
        for entry in entries:
            if self.received(entry.source, entry.event_id) is None:
                entry.id = len(self.entries) + 1
                self.entries.append(entry)
                added.append(entry)
        return added

    def people_by_subject(self, issuer, subjects):
        return {p.subject: p for p in self.persons.values() if p.issuer == issuer and p.subject in set(subjects)}

    def person(self, student_id):
        return self.persons.get(student_id)

    def people(self, issuer):
        return [p for p in self.persons.values() if p.issuer == issuer]

    def received(self, source, event_id):
        return next((e for e in self.entries if (e.source, e.event_id) == (source, event_id)), None)

    def waiting_for(self, student_ref, lock=True):
        found = [e for e in self.entries if e.student_ref == student_ref and e.status == WAITING]
        return sorted(found, key=lambda e: (e.received_at, e.id))

    def waiting_before(self, moment, limit=500):
        return [e for e in self.entries if e.status == WAITING and e.received_at < moment][:limit]

    def log(self, *, system=None, status=None, student_ref=None, after=None, limit=100):
        found = [
            e
            for e in reversed(self.entries)
            if (system is None or e.system == system)
            and (status is None or e.status == status)
            and (student_ref is None or e.student_ref == student_ref)
            and (after is None or e.id < after)
        ]
        return found[:limit]

    def forwarded(self, system):
        return [e for e in self.entries if e.system == system and e.status != "expired"]
