"""Certificates' tables, mapped onto the plain domain classes, and its repository."""

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.certificates.domain.certificates import VALID, Certificate, CertificateDocument
from services.certificates.domain.reviews import CertificateReview
from services.certificates.domain.degrees import Degree
from services.certificates.domain.supplement import DiplomaSupplementEntry
from shared import keyset
from shared.db import UTCDateTime, service_metadata
from shared.personal_data import classified

metadata = service_metadata()
mapper_registry = registry(metadata=metadata)

certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("certificate_id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("student_id", sa.String(36), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("holder_name", sa.String(200), nullable=False, comment="personal data"),
    sa.Column("programme_code", sa.String(50), nullable=False),
    sa.Column("programme_name_en", sa.String(200), nullable=False),
    sa.Column("programme_name_sv", sa.String(200), nullable=False),
    sa.Column("activities", sa.JSON, nullable=False, comment="personal data (activity titles)"),
    sa.Column("ceremony_date", sa.Date, nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.Column("revoked_reason", sa.Text, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("ceremony_id", sa.String(36), nullable=True, index=True),
    sa.Column("supersedes", sa.String(64), nullable=True),
    sa.Column("reissue_reason", sa.Text, nullable=True),
    sa.Column("superseded_at", UTCDateTime, nullable=True),
    # Its bit in the revocation status list (domain/status_list.py), allocated once when stored.
    sa.Column("status_index", sa.Integer, nullable=False, unique=True),
    sa.CheckConstraint("state IN ('valid', 'revoked', 'superseded')", name="state"),
    sa.UniqueConstraint("student_id", "version", name="uq_certificates_student_version"),
    # One valid certificate per student, kept by the database itself: concurrent deliveries of
    # two eligibility events both pass the in-transaction check, and the second commit fails
    # here (the event is retried and then finds the valid one). A partial unique index states
    # the rule exactly - revoked and superseded versions stay as history beside the valid one -
    # and both PostgreSQL and SQLite (the local run's database) support it.
    sa.Index(
        "uq_certificates_one_valid_per_student",
        "student_id",
        unique=True,
        postgresql_where=sa.text("state = 'valid'"),
        sqlite_where=sa.text("state = 'valid'"),
    ),
    info=classified(
        erasure="kept: what an issued certificate states is a record the university keeps (RULES.md)",
        identifier={"student_id": "whose certificate", "code": "the verification code printed on it"},
        contact={"holder_name": "the holder's legal name at issue"},
        content={
            "activities": "the activities that counted, with their titles",
            "revoked_reason": "why it was revoked",
            "reissue_reason": "why it was reissued",
        },
        none=(
            "certificate_id",
            "version",
            "state",
            "programme_code",
            "programme_name_en",
            "programme_name_sv",
            "ceremony_date",
            "issued_at",
            "revoked_at",
            "ceremony_id",
            "supersedes",
            "superseded_at",
            "status_index",
        ),
    ),
)

# Status indexes come from a PostgreSQL sequence: replicas storing certificates at once never get
# the same one (a gap from a rolled-back store is harmless). SQLite (the local run) has no
# sequences and takes the next after the highest; there the unique constraint refuses a clash of
# two stores at once, and the event is retried.
status_index_sequence = sa.Sequence("certificate_status_index", start=0, minvalue=0, metadata=metadata)

# The PDF lives apart from the certificate row so listing or verifying never loads the bytes.
certificate_documents = sa.Table(
    "certificate_documents",
    metadata,
    sa.Column("certificate_id", sa.String(36), sa.ForeignKey("certificates.certificate_id"), primary_key=True),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False, comment="personal data"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="kept: the PDF of an issued certificate",
        content={"content": "the certificate's PDF, with the holder's name"},
        none=("certificate_id", "filename", "media_type", "created_at"),
    ),
)

diploma_supplement_entries = sa.Table(
    "diploma_supplement_entries",
    metadata,
    sa.Column("entry_id", sa.String(36), primary_key=True),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("certificate_code", sa.String(64), sa.ForeignKey("certificates.code"), nullable=False, unique=True),
    sa.Column("section", sa.String(10), nullable=False),
    sa.Column("text_en", sa.Text, nullable=False, comment="personal data"),
    sa.Column("text_sv", sa.Text, nullable=False, comment="personal data"),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="kept: the Diploma Supplement line of an issued certificate",
        identifier={"student_id": "whose line"},
        content={"text_en": "the line, naming the activities", "text_sv": "the line, naming the activities"},
        none=("entry_id", "certificate_code", "section", "recorded_at"),
    ),
)

# Degrees student records conferred (campus events): the supplement line goes with each.
degrees = sa.Table(
    "degrees",
    metadata,
    sa.Column("degree_ref", sa.String(200), primary_key=True),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("programme", sa.String(50), nullable=False),
    sa.Column("conferred_on", sa.Date, nullable=False),
    sa.Column("reported_by", sa.String(300), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("supplement_sent_for", sa.String(64), nullable=True),
    info=classified(
        erasure="kept: ids and dates only",
        identifier={
            "degree_ref": "student records' reference to the degree",
            "student_id": "whose degree",
            "reported_by": "the campus system",
        },
        none=("programme", "conferred_on", "received_at", "supplement_sent_for"),
    ),
)

# A valid certificate flagged for an admin after one of its activities lost its approval.
certificate_reviews = sa.Table(
    "certificate_reviews",
    metadata,
    sa.Column("review_id", sa.String(36), primary_key=True),
    sa.Column(
        "certificate_id", sa.String(36), sa.ForeignKey("certificates.certificate_id"), nullable=False, index=True
    ),
    sa.Column("certificate_code", sa.String(64), nullable=False),
    sa.Column("student_id", sa.String(36), nullable=False),
    sa.Column("activity_id", sa.String(36), nullable=False),
    sa.Column("withdrawal_reason", sa.Text, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("decision", sa.String(10), nullable=True),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("decision IS NULL OR decision IN ('keep', 'revoke')", name="decision"),
    info=classified(
        erasure="the student's reviews keep their ids; reasons are blanked",
        identifier={
            "student_id": "whose certificate",
            "certificate_code": "the certificate",
            "decided_by": "the admin's account",
        },
        content={"withdrawal_reason": "why an approval was withdrawn", "decision_reason": "the admin's reason"},
        none=("review_id", "certificate_id", "activity_id", "requested_at", "decision", "decided_at"),
    ),
)

mapper_registry.map_imperatively(Certificate, certificates)
mapper_registry.map_imperatively(CertificateDocument, certificate_documents)
mapper_registry.map_imperatively(DiplomaSupplementEntry, diploma_supplement_entries)
mapper_registry.map_imperatively(Degree, degrees)
mapper_registry.map_imperatively(CertificateReview, certificate_reviews)


class Repository:
    """The certificates' store as the use cases see it (mirrored by tests/unit/fakes/)."""

    def __init__(self, session):
        self.session = session

    def pending_reviews_page(self, position: tuple | None, limit: int) -> list[tuple[CertificateReview, Certificate]]:
        """At most `limit + 1` pending reviews after `position`, oldest first, each with its
        certificate (one statement: a join, not a look-up per review)."""
        query = (
            sa.select(CertificateReview, Certificate)
            .join(Certificate, Certificate.certificate_id == CertificateReview.certificate_id)
            .where(CertificateReview.decision.is_(None))
        )
        order = [certificate_reviews.c.requested_at, certificate_reviews.c.review_id]
        return [tuple(row) for row in self.session.execute(keyset.after(query, order, position, limit))]

    def by_code(self, code: str, lock: bool = False) -> Certificate | None:
        query = sa.select(Certificate).where(Certificate.code == code)
        if lock:  # two admins revoking at once: the second waits, then sees it revoked
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def valid_for(self, student_id: str) -> Certificate | None:
        return self.session.scalars(
            sa.select(Certificate).where(Certificate.student_id == student_id, Certificate.state == VALID)
        ).one_or_none()

    def latest_for(self, student_id: str) -> Certificate | None:
        return self.session.scalars(
            sa.select(Certificate)
            .where(Certificate.student_id == student_id)
            .order_by(Certificate.version.desc())
            .limit(1)
        ).one_or_none()

    def latest_version(self, student_id: str) -> int:
        return self.session.scalar(
            sa.select(sa.func.coalesce(sa.func.max(Certificate.version), 0)).where(Certificate.student_id == student_id)
        )

    def document(self, certificate_id: str) -> CertificateDocument | None:
        return self.session.get(CertificateDocument, certificate_id)

    def supplement_for(self, student_id: str) -> DiplomaSupplementEntry | None:
        return self.session.scalars(
            sa.select(DiplomaSupplementEntry)
            .where(DiplomaSupplementEntry.student_id == student_id)
            .order_by(DiplomaSupplementEntry.recorded_at.desc())
            .limit(1)
        ).one_or_none()

    def valid_in_ceremony(self, ceremony_id: str) -> list[tuple[Certificate, CertificateDocument]]:
        return list(
            self.session.execute(
                sa.select(Certificate, CertificateDocument)
                .join(CertificateDocument, CertificateDocument.certificate_id == Certificate.certificate_id)
                .where(Certificate.ceremony_id == ceremony_id, Certificate.state == VALID)
                .order_by(Certificate.holder_name, Certificate.code)
            ).tuples()
        )

    def ceremony_known(self, ceremony_id: str) -> bool:
        return (
            self.session.scalar(
                sa.select(sa.func.count()).select_from(Certificate).where(Certificate.ceremony_id == ceremony_id)
            )
            > 0
        )

    def pending_reviews(self, certificate_id: str | None = None) -> list[CertificateReview]:
        query = sa.select(CertificateReview).where(CertificateReview.decision.is_(None))
        if certificate_id is not None:
            query = query.where(CertificateReview.certificate_id == certificate_id)
        return list(self.session.scalars(query.order_by(CertificateReview.requested_at)))

    def degree(self, degree_ref: str) -> Degree | None:
        return self.session.get(Degree, degree_ref)

    def degrees_of(self, student_id: str) -> list[Degree]:
        return list(self.session.scalars(sa.select(Degree).where(Degree.student_id == student_id)))

    def next_status_index(self) -> int:
        if self.session.get_bind().dialect.name == "postgresql":
            return self.session.scalar(status_index_sequence.next_value())
        highest = self.session.scalar(sa.select(sa.func.max(Certificate.status_index)))
        return 0 if highest is None else highest + 1

    def highest_status_index(self) -> int | None:
        return self.session.scalar(sa.select(sa.func.max(Certificate.status_index)))

    def status_set(self, first: int, last: int) -> list[int]:
        """The status indexes in [first, last] whose certificate is no longer valid."""
        return list(
            self.session.scalars(
                sa.select(Certificate.status_index).where(
                    Certificate.status_index.between(first, last), Certificate.state != VALID
                )
            )
        )

    def add(self, obj):
        self.session.add(obj)
