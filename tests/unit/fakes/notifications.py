"""An in-memory notifications repository with the same methods as services.notifications.orm."""

from __future__ import annotations

from services.notifications.domain.delivery import PENDING, SENDING, DeliveryAttempt
from services.notifications.domain.directory import DirectoryEntry
from services.notifications.domain.messages import Message
from services.notifications.domain.preferences import Preference
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.waiting import WaitingItem
from tests.unit.fakes.notifications_schedule import FakeScheduleRepository


class FakeNotificationsRepository(FakeScheduleRepository):
    def __init__(self):
        self._init_schedule()
        self.recipients: dict[str, Recipient] = {}
        self.messages: dict[str, Message] = {}
        self.delivery_log: list[DeliveryAttempt] = []
        self.preferences: dict[tuple[str, str], Preference] = {}

    def preference(self, issuer, subject, lock=False):
        return self.preferences.get((issuer, subject))

    def student_language(self, student_id):
        return next((p.language for p in self.preferences.values() if p.student_id == student_id), None)

    def recipient(self, student_id):
        return self.recipients.get(student_id)

    def messages_page(self, student_id, position, limit):
        rows = [m for m in self.messages_to(student_id) if position is None or (m.created_at, m.message_id) > position]
        return rows[: limit + 1]

    def messages_to(self, student_id):
        return sorted(
            (m for m in self.messages.values() if m.student_id == student_id),
            key=lambda m: (m.created_at, m.message_id),
        )

    def message(self, message_id, lock=False):
        return self.messages.get(message_id)

    def next_due(self, now, *, skip, only=None):
        due = [
            m
            for m in self.messages.values()
            if m.status in (PENDING, SENDING)
            and m.next_attempt_at <= now
            and m.message_id not in skip
            and only in (None, m.message_id)
        ]
        return min(due, key=lambda m: (m.next_attempt_at, m.message_id), default=None)

    def add(self, obj):
        if isinstance(obj, Recipient):
            self.recipients[obj.student_id] = obj
        elif isinstance(obj, Message):
            if any((m.event_id, m.kind) == (obj.event_id, obj.kind) for m in self.messages.values()):
                raise ValueError("one message per event and kind")  # uq_messages_event_kind
            self.messages[obj.message_id] = obj
        elif isinstance(obj, Preference):
            self.preferences[(obj.issuer, obj.subject)] = obj
        elif isinstance(obj, DeliveryAttempt):
            self.delivery_log.append(obj)
        elif isinstance(obj, DirectoryEntry):
            self.directory_entries[obj.subject] = obj
        elif isinstance(obj, WaitingItem):
            self.items[obj.item_id] = obj
        else:
            raise TypeError(f"the notifications repository keeps no {type(obj).__name__}")
