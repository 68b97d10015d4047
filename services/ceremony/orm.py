"""The ceremony's tables, mapped onto the plain domain classes, and its repository."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import deferred, registry

from services.ceremony.domain.bookings import ACTIVE, BOOKED, WAITING, Booking
from services.ceremony.domain.ceremonies import SCHEDULED, Ceremony
from services.ceremony.domain.presentations import Presentation
from services.ceremony.domain.reports import ACCEPTED, SUBMITTED, FinalReport
from services.ceremony.domain.requirement import RequirementLapse, RequirementMet
from shared import keyset
from shared.db import UTCDateTime, service_metadata
from shared.personal_data import classified

metadata = service_metadata()
mapper_registry = registry(metadata=metadata)

requirements_met = sa.Table(
    "requirements_met",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("programme_code", sa.String(50), nullable=False),
    sa.Column("rule_set", sa.String(100), nullable=False),
    sa.Column("met_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="kept: ids and dates only",
        identifier={"student_id": "who met the requirement"},
        none=("programme_code", "rule_set", "met_at"),
    ),
)

# The requirement no longer met since an approval was withdrawn (one row per student, the latest).
requirement_lapses = sa.Table(
    "requirement_lapses",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("activity_id", sa.String(36), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("lapsed_at", UTCDateTime, nullable=False),
    sa.Column("lifted_at", UTCDateTime, nullable=True),
    info=classified(
        erasure="the student's row is deleted",
        identifier={"student_id": "whose requirement lapsed"},
        content={"reason": "why an approval was withdrawn"},
        none=("activity_id", "lapsed_at", "lifted_at"),
    ),
)

ceremonies = sa.Table(
    "ceremonies",
    metadata,
    sa.Column("ceremony_id", sa.String(36), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False, index=True),
    sa.Column("utc_offset_minutes", sa.Integer, nullable=False),
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("scheduled_by", sa.String(300), nullable=False),
    sa.Column("scheduled_at", UTCDateTime, nullable=False),
    sa.Column("cancelled_at", UTCDateTime, nullable=True),
    sa.Column("cancel_reason", sa.Text, nullable=True),
    sa.Column("programmes", sa.JSON, nullable=False, server_default="[]"),
    sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
    info=classified(
        erasure="not a student's data",
        identifier={"scheduled_by": "the coordinator's account"},
        none=(
            "ceremony_id",
            "title",
            "starts_at",
            "utc_offset_minutes",
            "location",
            "capacity",
            "language",
            "programmes",
            "status",
            "scheduled_at",
            "cancelled_at",
            "cancel_reason",
        ),
    ),
)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("booking_id", sa.String(36), primary_key=True),
    sa.Column("ceremony_id", sa.String(36), sa.ForeignKey("ceremonies.ceremony_id"), nullable=False),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("booked_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default=BOOKED),
    sa.Column("placed_at", UTCDateTime, nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    info=classified(
        erasure="the student's bookings are deleted (the place is released)",
        identifier={"student_id": "who booked"},
        none=("booking_id", "ceremony_id", "booked_at", "status", "placed_at", "closed_at"),
    ),
)
# One booking or waiting place per student at a time (concurrent bookings cannot both win).
sa.Index(
    "uq_bookings_active_per_student",
    bookings.c.student_id,
    unique=True,
    postgresql_where=bookings.c.status.in_(ACTIVE),
    sqlite_where=bookings.c.status.in_(ACTIVE),
)
sa.Index("ix_bookings_ceremony_status", bookings.c.ceremony_id, bookings.c.status)
# The list of ceremonies to come, one page at a time: scheduled, by (starts_at, ceremony_id).
sa.Index("ix_ceremonies_upcoming", ceremonies.c.status, ceremonies.c.starts_at, ceremonies.c.ceremony_id)

final_reports = sa.Table(
    "final_reports",
    metadata,
    sa.Column("report_id", sa.String(36), primary_key=True),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("filename", sa.String(255), nullable=False),
    # The file itself lives in the database: backed up with everything else, never lost.
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("decided_by", sa.String(300), nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    info=classified(
        erasure="the student's reports are deleted",
        identifier={"student_id": "whose report", "decided_by": "the coordinator's account"},
        content={
            "filename": "the student's file name",
            "content": "the student's report",
            "sha256": "identifies the student's file",
            "comment": "the coordinator's reason",
        },
        none=("report_id", "size", "status", "submitted_at", "decided_at"),
    ),
)
# At most one report per student that is pending or accepted (concurrent uploads cannot both win).
sa.Index(
    "uq_final_reports_open_per_student",
    final_reports.c.student_id,
    unique=True,
    postgresql_where=final_reports.c.status.in_([SUBMITTED, ACCEPTED]),
    sqlite_where=final_reports.c.status.in_([SUBMITTED, ACCEPTED]),
)

presentations = sa.Table(
    "presentations",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("ceremony_id", sa.String(36), sa.ForeignKey("ceremonies.ceremony_id"), nullable=False),
    sa.Column("recorded_by", sa.String(300), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="kept: the ceremony date is stated on an issued certificate",
        identifier={"student_id": "who presented", "recorded_by": "the coordinator's account"},
        none=("ceremony_id", "recorded_at"),
    ),
)

mapper_registry.map_imperatively(RequirementMet, requirements_met)
mapper_registry.map_imperatively(RequirementLapse, requirement_lapses)
mapper_registry.map_imperatively(Ceremony, ceremonies)
mapper_registry.map_imperatively(Booking, bookings)
# The file is read only when asked for, not with every metadata query.
mapper_registry.map_imperatively(FinalReport, final_reports, properties={"content": deferred(final_reports.c.content)})
mapper_registry.map_imperatively(Presentation, presentations)


class Repository:
    """The ceremony's reads and writes over one session (the unit of work's: `uow.repo`)."""

    def __init__(self, session):
        self.session = session

    def add(self, obj):
        self.session.add(obj)

    def remove(self, obj):
        self.session.delete(obj)

    def requirement(self, student_id: str, lock: bool = False) -> RequirementMet | None:
        """With `lock`, one student's bookings and uploads are serialised on this row."""
        return self.session.get(RequirementMet, student_id, with_for_update=lock or None)

    def lapse(self, student_id: str, lock: bool = False) -> RequirementLapse | None:
        return self.session.get(RequirementLapse, student_id, with_for_update=lock or None)

    def ceremony(self, ceremony_id: str, lock: bool = False) -> Ceremony | None:
        """With `lock`, bookings of one ceremony are serialised, so capacity holds under load."""
        return self.session.get(Ceremony, ceremony_id, with_for_update=lock or None)

    def upcoming_ceremonies(self, now: datetime, position: tuple | None, limit: int) -> list[Ceremony]:
        """At most `limit + 1` scheduled ceremonies still to come after `position`, soonest first
        (ix_ceremonies_upcoming: the filter's status, then the order)."""
        query = sa.select(Ceremony).where(Ceremony.status == SCHEDULED, Ceremony.starts_at > now)
        return list(
            self.session.scalars(
                keyset.after(query, [ceremonies.c.starts_at, ceremonies.c.ceremony_id], position, limit)
            )
        )

    def places_taken(self, ceremony_ids: list[str], status: str = BOOKED) -> dict[str, int]:
        """How many bookings in `status` each ceremony has (booked: the places taken)."""
        if not ceremony_ids:
            return {}
        result = self.session.execute(
            sa.select(Booking.ceremony_id, sa.func.count())
            .where(Booking.ceremony_id.in_(ceremony_ids), Booking.status == status)
            .group_by(Booking.ceremony_id)
        )
        return {ceremony_id: count for ceremony_id, count in result}

    def active_booking(self, student_id: str, lock: bool = False) -> Booking | None:
        """The student's booking or waiting place, if they hold one."""
        query = sa.select(Booking).where(Booking.student_id == student_id, Booking.status.in_(ACTIVE))
        return self.session.scalars(query.with_for_update() if lock else query).first()

    def bookings_of(self, ceremony_id: str, *statuses: str) -> list[Booking]:
        """A ceremony's bookings in the given states, in the order the students asked."""
        return list(
            self.session.scalars(
                sa.select(Booking)
                .where(Booking.ceremony_id == ceremony_id, Booking.status.in_(statuses or ACTIVE))
                .order_by(Booking.booked_at, Booking.booking_id)
            )
        )

    def waiting_list(self, ceremony_id: str) -> list[Booking]:
        return self.bookings_of(ceremony_id, WAITING)

    def booking(self, ceremony_id: str, student_id: str) -> Booking | None:
        """The student's latest booking at this ceremony (after a cancellation, they may book
        the same ceremony again)."""
        return self.session.scalars(
            sa.select(Booking)
            .where(Booking.ceremony_id == ceremony_id, Booking.student_id == student_id)
            .order_by(Booking.booked_at.desc())
        ).first()

    def report_statuses(self, student_ids: list[str]) -> dict[str, str]:
        """Each student's latest report's status (students with none are left out)."""
        if not student_ids:
            return {}
        rows = self.session.execute(
            sa.select(FinalReport.student_id, FinalReport.status, FinalReport.submitted_at)
            .where(FinalReport.student_id.in_(student_ids))
            .order_by(FinalReport.submitted_at)
        )
        return {student_id: status for student_id, status, _ in rows}  # the latest wins

    def latest_report(self, student_id: str) -> FinalReport | None:
        return self.session.scalars(
            sa.select(FinalReport).where(FinalReport.student_id == student_id).order_by(FinalReport.submitted_at.desc())
        ).first()

    def report(self, report_id: str) -> FinalReport | None:
        return self.session.get(FinalReport, report_id)

    def presentation(self, student_id: str) -> Presentation | None:
        return self.session.get(Presentation, student_id)
