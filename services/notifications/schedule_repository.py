"""The part of notifications' repository the scheduled messages use: the directory copy, the
waiting items, the claims that make each scheduled message once (mirrored by tests/unit/fakes/).

Claims hold across replicas: a digest is taken by inserting its (coordinator, day) row, skipped
when another transaction has it (the insert waits for that one to end); reminders take their rows
with SELECT ... FOR UPDATE SKIP LOCKED, and mark them in the transaction that writes the message.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from services.notifications import orm
from services.notifications.domain.directory import DirectoryEntry
from services.notifications.domain.preferences import COORDINATOR, Preference
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.waiting import WAITING, WaitingItem
from shared.personal_records import ERASED_EMAIL


class ScheduleRepository:
    session: sa.orm.Session

    # --- copies ---------------------------------------------------------------------------------

    def record_programme(self, code: str, name_en: str, name_sv: str) -> None:
        table = orm.programmes
        found = self.session.execute(sa.select(table.c.name_en, table.c.name_sv).where(table.c.code == code)).first()
        if found is None:
            self._insert_or_skip(table, {"code": code, "name_en": name_en, "name_sv": name_sv})
        elif tuple(found) != (name_en, name_sv):
            self.session.execute(table.update().where(table.c.code == code).values(name_en=name_en, name_sv=name_sv))

    def programme_names(self) -> dict[str, dict[str, str]]:
        rows = self.session.execute(sa.select(orm.programmes))
        return {row.code: {"en": row.name_en, "sv": row.name_sv} for row in rows}

    def directory_entry(self, subject: str, lock: bool = False) -> DirectoryEntry | None:
        return self.session.get(DirectoryEntry, subject, with_for_update=lock or None)

    def directory(self) -> list[DirectoryEntry]:
        return list(self.session.scalars(sa.select(DirectoryEntry).order_by(DirectoryEntry.subject)))

    def coordinator_preference(self, subject: str) -> Preference | None:
        """A coordinator's own choices (language, digest time), whichever identity provider."""
        return self.session.scalars(
            sa.select(Preference)
            .where(Preference.subject == subject, Preference.role == COORDINATOR)
            .order_by(Preference.updated_at.desc())
        ).first()

    def waiting_item(self, item_id: str, lock: bool = False) -> WaitingItem | None:
        return self.session.get(WaitingItem, item_id, with_for_update=lock or None)

    def items_waiting_of(self, student_id: str) -> list[WaitingItem]:
        return list(
            self.session.scalars(
                sa.select(WaitingItem).where(WaitingItem.student_id == student_id, WaitingItem.status == WAITING)
            )
        )

    # --- the digest -----------------------------------------------------------------------------

    def digest_taken(self, coordinator: str, day: date) -> bool:
        table = orm.digests
        query = sa.select(table.c.day).where(table.c.coordinator == coordinator, table.c.day == day)
        return self.session.execute(query).first() is not None

    def take_digest(self, coordinator: str, day: date, now: datetime) -> bool:
        """Claim the coordinator's digest of `day`; False when another transaction has it."""
        values = {"coordinator": coordinator, "day": day, "taken_at": now, "message_id": None, "items": 0}
        return self._insert_or_skip(orm.digests, values)

    def digest_written(self, coordinator: str, day: date, message_id: str, items: int) -> None:
        table = orm.digests
        self.session.execute(
            table.update()
            .where(table.c.coordinator == coordinator, table.c.day == day)
            .values(message_id=message_id, items=items)
        )

    def unlisted_items(self, coordinator: str, programmes: set[str]) -> list[tuple[WaitingItem, Recipient]]:
        """The items waiting in `programmes` whose version no digest has listed to the coordinator."""
        notices = orm.item_notices
        listed = sa.exists().where(
            notices.c.coordinator == coordinator,
            notices.c.item_id == WaitingItem.item_id,
            notices.c.version == WaitingItem.version,
            notices.c.kind == "coordinator-digest",
        )
        query = (
            sa.select(WaitingItem, Recipient)
            .join(Recipient, Recipient.student_id == WaitingItem.student_id)
            .where(
                WaitingItem.status == WAITING,
                Recipient.programme_code.in_(sorted(programmes)),
                Recipient.withdrawn_at.is_(None),
                ~listed,
            )
            .order_by(WaitingItem.waiting_since, WaitingItem.item_id)
        )
        return [(row[0], row[1]) for row in self.session.execute(query)]

    def note_listed(self, coordinator: str, items: list[WaitingItem], kind: str, message_id: str) -> None:
        for item in items:
            values = {
                "coordinator": coordinator,
                "item_id": item.item_id,
                "version": item.version,
                "kind": kind,
                "message_id": message_id,
            }
            self._insert_or_skip(orm.item_notices, values)

    # --- reminders ------------------------------------------------------------------------------

    def overdue_candidates(self, waiting_before: datetime, limit: int = 500) -> list[tuple[WaitingItem, Recipient]]:
        """Items waiting since before `waiting_before` not reminded of yet, locked; rows another
        transaction holds are skipped (a replica taking the same reminders)."""
        query = (
            sa.select(WaitingItem, Recipient)
            .join(Recipient, Recipient.student_id == WaitingItem.student_id)
            .where(
                WaitingItem.status == WAITING,
                WaitingItem.reminded_at.is_(None),
                WaitingItem.waiting_since < waiting_before,
                Recipient.withdrawn_at.is_(None),
            )
            .order_by(WaitingItem.waiting_since, WaitingItem.item_id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=orm.waiting_items)
        )
        return [(row[0], row[1]) for row in self.session.execute(query)]

    def graduation_candidates(self, first_month: str, last_month: str, limit: int = 500) -> list[Recipient]:
        """Enrolled students graduating in [first_month, last_month] without the requirement met and
        not reminded yet, locked (others' locked rows skipped)."""
        query = (
            sa.select(Recipient)
            .where(
                Recipient.expected_graduation >= first_month,
                Recipient.expected_graduation <= last_month,
                Recipient.withdrawn_at.is_(None),
                Recipient.requirement_met.is_(False),
                Recipient.graduation_reminded_at.is_(None),
                Recipient.email != ERASED_EMAIL,
            )
            .order_by(Recipient.student_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(query))

    # --- plumbing -------------------------------------------------------------------------------

    def _insert_or_skip(self, table: sa.Table, values: dict) -> bool:
        """INSERT ... ON CONFLICT DO NOTHING; True when the row is ours."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        return self.session.execute(insert(table).values(**values).on_conflict_do_nothing()).rowcount == 1
