"""The scheduled messages' part of the in-memory notifications repository (as schedule_repository.py)."""

from __future__ import annotations

from services.notifications.domain.preferences import COORDINATOR
from services.notifications.domain.waiting import WAITING
from shared.personal_records import ERASED_EMAIL


class FakeScheduleRepository:
    def _init_schedule(self):
        self.programmes: dict[str, dict[str, str]] = {}
        self.directory_entries: dict = {}
        self.items: dict = {}
        self.digests: dict[tuple, dict] = {}
        self.notices: dict[tuple, str] = {}  # (coordinator, item_id, version, kind) -> message_id

    def record_programme(self, code, name_en, name_sv):
        self.programmes[code] = {"en": name_en, "sv": name_sv}

    def programme_names(self):
        return dict(self.programmes)

    def directory_entry(self, subject, lock=False):
        return self.directory_entries.get(subject)

    def directory(self):
        return [self.directory_entries[s] for s in sorted(self.directory_entries)]

    def coordinator_preference(self, subject):
        found = [p for p in self.preferences.values() if p.subject == subject and p.role == COORDINATOR]
        return max(found, key=lambda p: p.updated_at, default=None)

    def waiting_item(self, item_id, lock=False):
        return self.items.get(item_id)

    def items_waiting_of(self, student_id):
        return [i for i in self.items.values() if i.student_id == student_id and i.status == WAITING]

    def digest_taken(self, coordinator, day):
        return (coordinator, day) in self.digests

    def take_digest(self, coordinator, day, now):
        if (coordinator, day) in self.digests:
            return False
        self.digests[(coordinator, day)] = {"taken_at": now, "message_id": None, "items": 0}
        return True

    def digest_written(self, coordinator, day, message_id, items):
        self.digests[(coordinator, day)].update(message_id=message_id, items=items)

    def _joined(self, condition):
        found = []
        for item in sorted(self.items.values(), key=lambda i: (i.waiting_since or 0, i.item_id)):
            student = self.recipients.get(item.student_id)
            if (
                item.status == WAITING
                and student is not None
                and student.withdrawn_at is None
                and condition(item, student)
            ):
                found.append((item, student))
        return found

    def unlisted_items(self, coordinator, programmes):
        return self._joined(
            lambda item, student: student.programme_code in programmes
            and (coordinator, item.item_id, item.version, "coordinator-digest") not in self.notices
        )

    def note_listed(self, coordinator, items, kind, message_id):
        for item in items:
            self.notices.setdefault((coordinator, item.item_id, item.version, kind), message_id)

    def overdue_candidates(self, waiting_before, limit=500):
        return self._joined(lambda item, student: item.reminded_at is None and item.waiting_since < waiting_before)[
            :limit
        ]

    def graduation_candidates(self, first_month, last_month, limit=500):
        return [
            r
            for _, r in sorted(self.recipients.items())
            if r.expected_graduation
            and first_month <= r.expected_graduation <= last_month
            and r.withdrawn_at is None
            and not r.requirement_met
            and r.graduation_reminded_at is None
            and r.email != ERASED_EMAIL
        ][:limit]
