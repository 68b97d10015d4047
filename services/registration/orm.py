"""Registration's tables, mapped onto the plain domain classes, and its repository."""

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.registration.domain import Programme, Student
from shared import keyset
from shared.db import UTCDateTime, service_metadata
from shared.personal_data import classified

metadata = service_metadata()
mapper_registry = registry(metadata=metadata)

programmes = sa.Table(
    "programmes",
    metadata,
    sa.Column("code", sa.String(50), primary_key=True),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("name_sv", sa.String(200), nullable=False),
    info=classified(none=("code", "name_en", "name_sv")),
)

students = sa.Table(
    "students",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("issuer", sa.String(300), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, comment="personal data"),
    sa.Column("email", sa.String(254), nullable=False, comment="personal data"),
    sa.Column("programme_code", sa.String(50), sa.ForeignKey("programmes.code"), nullable=False),
    sa.Column("expected_graduation", sa.String(7), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("registered_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("issuer", "subject", name="uq_students_person"),
    info=classified(
        erasure="the row is pseudonymised: name, email and login replaced, status erased",
        identifier={
            "student_id": "the student's id everywhere",
            "issuer": "the login's issuer",
            "subject": "the login's account",
        },
        contact={"name": "the student's legal name", "email": "where messages go"},
        none=("programme_code", "expected_graduation", "language", "status", "registered_at"),
    ),
)

mapper_registry.map_imperatively(Programme, programmes)
mapper_registry.map_imperatively(Student, students)


class Repository:
    def __init__(self, session):
        self.session = session

    def programme(self, code: str) -> Programme | None:
        return self.session.get(Programme, code)

    def programmes(self) -> list[Programme]:
        return list(self.session.scalars(sa.select(Programme).order_by(Programme.code)))

    def programmes_page(self, position: tuple | None, limit: int) -> list[Programme]:
        """At most `limit + 1` programmes after `position`, by code (the primary key)."""
        return list(self.session.scalars(keyset.after(sa.select(Programme), [programmes.c.code], position, limit)))

    def student(self, student_id: str) -> Student | None:
        return self.session.get(Student, student_id)

    def names_of(self, student_ids: list[str]) -> dict[str, str]:
        """{student id: name} for those of `student_ids` that have a row: one statement."""
        rows = self.session.execute(
            sa.select(students.c.student_id, students.c.name).where(students.c.student_id.in_(student_ids))
        )
        return dict(rows.all())

    def student_by_person(self, issuer: str, subject: str) -> Student | None:
        return self.session.scalars(
            sa.select(Student).where(Student.issuer == issuer, Student.subject == subject)
        ).one_or_none()

    def add(self, obj):
        self.session.add(obj)
