"""Activities' tables, mapped onto the plain domain classes, and its repository."""

import zlib

import sqlalchemy as sa
from sqlalchemy.orm import registry, relationship, selectinload

from services.activities.domain.activities import STATUSES, Activity, ActivityVersion, AttendanceSession, Decision
from services.activities.domain.catalogue import ActivityType
from services.activities.domain.details import LOCATION_KINDS
from shared import keyset
from shared.db import UTCDateTime, service_metadata
from shared.personal_data import classified

metadata = service_metadata()
mapper_registry = registry(metadata=metadata)


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


activity_types = sa.Table(
    "activity_types",
    metadata,
    sa.Column("code", sa.String(50), primary_key=True),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("name_sv", sa.String(200), nullable=False),
    sa.Column("sessions_required", sa.Integer, nullable=False),
    sa.Column("default_location", sa.String(20), nullable=False),
    sa.Column("supplement_en", sa.String(500), nullable=False),
    sa.Column("supplement_sv", sa.String(500), nullable=False),
    sa.CheckConstraint("sessions_required >= 1", name="sessions_required_positive"),
    sa.CheckConstraint(_one_of("default_location", LOCATION_KINDS), name="default_location_kind"),
    info=classified(
        none=("code", "name_en", "name_sv", "sessions_required", "default_location", "supplement_en", "supplement_sv")
    ),
)

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("activity_id", sa.String(36), primary_key=True),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("type_code", sa.String(50), sa.ForeignKey("activity_types.code"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("location_kind", sa.String(20), nullable=False),
    sa.Column("location_country", sa.String(2), nullable=True),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("evidence_urls", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    # Reported by a campus system: its CloudEvents source, and its id (one activity per id).
    sa.Column("verified_by", sa.String(300), nullable=True),
    sa.Column("external_ref", sa.String(200), nullable=True, unique=True),
    sa.CheckConstraint(_one_of("status", STATUSES), name="status_known"),
    sa.CheckConstraint(_one_of("location_kind", LOCATION_KINDS), name="location_kind_known"),
    sa.CheckConstraint("end_date >= start_date", name="dates_in_order"),
    info=classified(
        erasure="the student's rows are deleted (an issued certificate keeps its own copy)",
        identifier={"student_id": "whose activity", "verified_by": "the campus system or person who verified it"},
        content={
            "title": "what the student took part in",
            "description": "the student's own account",
            "evidence_urls": "the student's evidence",
            "external_ref": "a campus system's reference to the person's record",
        },
        none=(
            "activity_id",
            "type_code",
            "location_kind",
            "location_country",
            "start_date",
            "end_date",
            "status",
            "version",
            "created_at",
            "submitted_at",
        ),
    ),
)

# Every submitted version, as it stood: the audit trail behind each decision.
activity_versions = sa.Table(
    "activity_versions",
    metadata,
    sa.Column("activity_id", sa.String(36), sa.ForeignKey("activities.activity_id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("type_code", sa.String(50), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("location_kind", sa.String(20), nullable=False),
    sa.Column("location_country", sa.String(2), nullable=True),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("evidence_urls", sa.JSON, nullable=False),
    sa.Column("sessions", sa.JSON, nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="deleted with the activity",
        content={
            "title": "what the student took part in",
            "description": "the student's own account",
            "evidence_urls": "the student's evidence",
            "sessions": "the dates and titles the student attended",
        },
        none=(
            "activity_id",
            "version",
            "type_code",
            "location_kind",
            "location_country",
            "start_date",
            "end_date",
            "submitted_at",
        ),
    ),
)

activity_sessions = sa.Table(
    "activity_sessions",
    metadata,
    sa.Column("session_id", sa.String(36), primary_key=True),
    sa.Column("activity_id", sa.String(36), sa.ForeignKey("activities.activity_id"), nullable=False, index=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.Column("verified_by", sa.String(300), nullable=True),
    sa.Column("external_ref", sa.String(200), nullable=True, unique=True),
    info=classified(
        erasure="deleted with the activity",
        identifier={"verified_by": "who verified the attendance", "external_ref": "a campus system's reference"},
        content={"title": "what the student attended"},
        none=("session_id", "activity_id", "date", "added_at"),
    ),
)

# The decisions that applied, in the order they arrived (outdated ones are not recorded).
activity_decisions = sa.Table(
    "activity_decisions",
    metadata,
    sa.Column("decision_id", sa.String(36), primary_key=True),
    sa.Column("activity_id", sa.String(36), sa.ForeignKey("activities.activity_id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(300), nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="deleted with the activity",
        identifier={"decided_by": "the coordinator's account"},
        content={"comment": "the coordinator's words about the student's activity"},
        none=("decision_id", "activity_id", "version", "decision", "decided_at", "recorded_at"),
    ),
)

# A student's own activities, one page at a time in the order they were logged.
sa.Index("ix_activities_student_created", activities.c.student_id, activities.c.created_at, activities.c.activity_id)

mapper_registry.map_imperatively(ActivityType, activity_types)
mapper_registry.map_imperatively(AttendanceSession, activity_sessions)
mapper_registry.map_imperatively(ActivityVersion, activity_versions)
mapper_registry.map_imperatively(Decision, activity_decisions)
mapper_registry.map_imperatively(
    Activity,
    activities,
    properties={
        "sessions": relationship(AttendanceSession, order_by=(activity_sessions.c.date, activity_sessions.c.added_at)),
        "versions": relationship(ActivityVersion, order_by=activity_versions.c.version),
        "decisions": relationship(Decision, order_by=activity_decisions.c.recorded_at),
    },
)


class Repository:
    """Activities' reads and writes over one session (the unit of work's: `uow.repo`)."""

    def __init__(self, session):
        self.session = session

    def activity_type(self, code: str) -> ActivityType | None:
        return self.session.get(ActivityType, code)

    def activity_types(self) -> list[ActivityType]:
        return list(self.session.scalars(sa.select(ActivityType).order_by(ActivityType.code)))

    def activity_types_page(self, position: tuple | None, limit: int) -> list[ActivityType]:
        """At most `limit + 1` catalogue entries after `position`, by code (the primary key)."""
        query = sa.select(ActivityType)
        return list(self.session.scalars(keyset.after(query, [activity_types.c.code], position, limit)))

    def activity(self, activity_id: str) -> Activity | None:
        return self.session.get(Activity, activity_id)

    def activities_page(self, student_id: str, position: tuple | None, limit: int) -> list[Activity]:
        """At most `limit + 1` of the student's activities after `position`, in the order they
        were logged (ix_activities_student_created)."""
        query = (
            sa.select(Activity)
            .where(Activity.student_id == student_id)
            .options(selectinload(Activity.sessions), selectinload(Activity.decisions))
        )
        order = [activities.c.created_at, activities.c.activity_id]
        return list(self.session.scalars(keyset.after(query, order, position, limit)))

    def activities_of(self, student_id: str) -> list[Activity]:
        return list(
            self.session.scalars(
                sa.select(Activity)
                .where(Activity.student_id == student_id)
                .options(selectinload(Activity.sessions), selectinload(Activity.decisions))
                .order_by(Activity.created_at, Activity.activity_id)
            )
        )

    def lock_student(self, student_id: str):
        """Serialise concurrent writers of one student's activities until the commit (two
        attendance reports at once must find, not both create, the activity they belong to).
        PostgreSQL: a transaction-scoped advisory lock; SQLite serialises writers itself."""
        if self.session.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(f"activities:{student_id}".encode())
            self.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def activity_reported_as(self, external_ref: str) -> Activity | None:
        return self.session.scalars(sa.select(Activity).where(Activity.external_ref == external_ref)).one_or_none()

    def session_reported_as(self, external_ref: str) -> AttendanceSession | None:
        return self.session.scalars(
            sa.select(AttendanceSession).where(AttendanceSession.external_ref == external_ref)
        ).one_or_none()

    def add(self, obj):
        self.session.add(obj)
