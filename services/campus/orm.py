"""The campus edge's tables (the inbound log, the people it knows), mapped onto the domain."""

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.campus.domain.inbound import WAITING, Arrival, InboundEvent
from services.campus.domain.people import Person
from shared.batching import first_of_each
from shared.db import UTCDateTime, among_texts, insert_rows, service_metadata
from shared.personal_data import classified

metadata = service_metadata()
mapper_registry = registry(metadata=metadata)

inbound_events = sa.Table(
    "inbound_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("event_id", sa.String(300), nullable=False),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("system", sa.String(20), nullable=False),
    sa.Column("student_ref", sa.String(200), nullable=False),
    sa.Column("student_id", sa.String(36), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("payload", sa.Text, nullable=False, comment="personal data"),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=True),
    # Dedupe: the same (source, id) is the same event; enforced in the effect's transaction.
    sa.UniqueConstraint("source", "event_id", name="uq_inbound_events_source_event_id"),
    sa.Index("ix_inbound_events_waiting", "student_ref", "status", "id"),
    sa.Index("ix_inbound_events_system_id", "system", "id"),
    info=classified(
        erasure="the person's events are deleted: those naming their id, and those naming the subject the edge"
        " knows them by (kept before they registered, their enrolment, expired ones)",
        identifier={
            "student_ref": "the campus system's reference to the person",
            "student_id": "the student's id",
            "source": "the campus system",
            "event_id": "the campus system's event id",
        },
        content={"payload": "the event as sent (names, emails, activities)", "reason": "why it was parked"},
        none=("id", "event_type", "system", "status", "channel", "received_at", "applied_at"),
    ),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("issuer", sa.String(300), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.UniqueConstraint("issuer", "subject", name="uq_people_person"),
    info=classified(
        erasure="the row is deleted",
        identifier={"student_id": "the student's id", "issuer": "the login's issuer", "subject": "the login's account"},
        none=("status",),
    ),
)

mapper_registry.map_imperatively(InboundEvent, inbound_events)
mapper_registry.map_imperatively(Person, people)


class Repository:
    def __init__(self, session):
        self.session = session

    def add(self, obj):
        self.session.add(obj)

    def add_new(self, entries: list[Arrival]) -> list[Arrival]:
        """Insert those not there yet under the (source, event_id) key, in one statement; returns
        the ones inserted (with their ids; plain objects, not in the session: the log's rows are
        read back as InboundEvent). A repeat within the list is not inserted either.

        `ON CONFLICT DO NOTHING`: a concurrent transaction inserting the same key makes this one
        wait for it and then skip the row. Rows go in the order given (the ids follow it). Two
        batches holding two same keys in opposite orders could deadlock: PostgreSQL then fails
        one, whose events are then applied one by one (shared.campus.amqp)."""
        firsts, _ = first_of_each(entries, key=lambda e: (e.source, e.event_id))
        if not firsts:
            return []
        columns = [c.name for c in inbound_events.columns if c.name != "id"]
        inserted = insert_rows(
            self.session,
            inbound_events,
            [{name: getattr(e, name) for name in columns} for e in firsts],
            conflict=("source", "event_id"),
            returning=("id", "source", "event_id"),
        )
        by_key = {(e.source, e.event_id): e for e in firsts}
        added = []
        for row in inserted:
            entry = by_key[(row.source, row.event_id)]
            entry.id = row.id
            added.append(entry)
        return added

    def people_by_subject(self, issuer: str, subjects) -> dict[str, Person]:
        """The known people among these subjects (of one issuer), by subject: one query."""
        subjects = sorted(set(subjects))
        if not subjects:
            return {}
        dialect = self.session.bind.dialect.name
        found = self.session.scalars(
            sa.select(Person).where(Person.issuer == issuer, among_texts(Person.subject, subjects, dialect))
        )
        return {p.subject: p for p in found}

    def person(self, student_id: str) -> Person | None:
        return self.session.get(Person, student_id)

    def people(self, issuer: str) -> list[Person]:
        return list(self.session.scalars(sa.select(Person).where(Person.issuer == issuer)))

    def received(self, source: str, event_id: str) -> InboundEvent | None:
        return self.session.scalars(
            sa.select(InboundEvent).where(InboundEvent.source == source, InboundEvent.event_id == event_id)
        ).one_or_none()

    def waiting_for(self, student_ref: str, lock: bool = True) -> list[InboundEvent]:
        """The events kept for this person, oldest first (the order they were received in: by
        `received_at`, as batches from different queues may commit, and take ids, in any order)."""
        query = (
            sa.select(InboundEvent)
            .where(InboundEvent.student_ref == student_ref, InboundEvent.status == WAITING)
            .order_by(InboundEvent.received_at, InboundEvent.id)
        )
        return list(self.session.scalars(query.with_for_update() if lock else query))

    def waiting_before(self, moment, limit: int = 500) -> list[InboundEvent]:
        return list(
            self.session.scalars(
                sa.select(InboundEvent)
                .where(InboundEvent.status == WAITING, InboundEvent.received_at < moment)
                .order_by(InboundEvent.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )

    def log(
        self,
        *,
        system: str | None = None,
        status: str | None = None,
        student_ref: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[InboundEvent]:
        """The inbound log, newest first, paged by id (keyset)."""
        query = sa.select(InboundEvent)
        if system:
            query = query.where(InboundEvent.system == system)
        if status:
            query = query.where(InboundEvent.status == status)
        if student_ref:
            query = query.where(InboundEvent.student_ref == student_ref)
        if after is not None:
            query = query.where(InboundEvent.id < after)
        return list(self.session.scalars(query.order_by(InboundEvent.id.desc()).limit(limit)))

    def forwarded(self, system: str) -> list[InboundEvent]:
        """What a system has reported and the platform applied (for reconciliation)."""
        return list(
            self.session.scalars(
                sa.select(InboundEvent)
                .where(InboundEvent.system == system, InboundEvent.status != "expired")
                .order_by(InboundEvent.id)
            )
        )
