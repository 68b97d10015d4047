"""Approvals' tables, mapped onto the plain domain classes, and its repository."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry

from services.approvals.domain.activities import Activity
from services.approvals.domain.audit import AuditEntry
from services.approvals.domain.coordinators import Coordinator
from services.approvals.domain.decisions import Decision
from services.approvals.domain.eligibility import Evaluation
from services.approvals.domain.funnel import FUNNEL_STAGES
from services.approvals.domain.students import IssuedCertificate, Presentation, Report, Student
from services.approvals.funnel_store import FunnelStore
from services.approvals.reads import ReadQueries
from shared.db import UTCDateTime, service_metadata
from shared.errors import Conflict
from shared.personal_data import classified

metadata = service_metadata()
mapper_registry = registry(metadata=metadata)

students = sa.Table(
    "students",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, comment="personal data"),
    sa.Column("email", sa.String(254), nullable=False, comment="personal data"),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("programme_code", sa.String(50), nullable=False, index=True),
    sa.Column("programme_name_en", sa.String(200), nullable=False),
    sa.Column("programme_name_sv", sa.String(200), nullable=False),
    sa.Column("expected_graduation", sa.String(7), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("registered_at", UTCDateTime, nullable=True),
    info=classified(
        erasure="the row is pseudonymised: name and email replaced",
        identifier={"student_id": "the student's id"},
        contact={"name": "the student's legal name (copy)", "email": "the student's email (copy)"},
        none=(
            "language",
            "programme_code",
            "programme_name_en",
            "programme_name_sv",
            "expected_graduation",
            "status",
            "registered_at",
        ),
    ),
)

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("activity_id", sa.String(36), primary_key=True),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("activity_type", sa.JSON, nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("location", sa.JSON, nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("sessions", sa.JSON, nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("approved_version", sa.Integer, nullable=True),
    sa.Column("approved_sessions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("approved_location", sa.String(20), nullable=True),
    info=classified(
        erasure="the student's rows are deleted",
        identifier={"student_id": "whose activity"},
        content={
            "title": "what the student took part in (copy)",
            "description": "the student's own account (copy)",
            "sessions": "the sessions the student attended (copy)",
        },
        none=(
            "activity_id",
            "version",
            "activity_type",
            "location",
            "start_date",
            "end_date",
            "submitted_at",
            "status",
            "approved_version",
            "approved_sessions",
            "approved_location",
        ),
    ),
)

# The student's withdrawals as they arrived: a withdrawal wins over any version, in any order.
activity_withdrawals = sa.Table(
    "activity_withdrawals",
    metadata,
    sa.Column("activity_id", sa.String(36), primary_key=True),
    sa.Column("student_id", sa.String(36), nullable=False),
    sa.Column("withdrawn_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="the student's rows are deleted",
        identifier={"student_id": "whose withdrawal"},
        none=("activity_id", "withdrawn_at"),
    ),
)

# Append-only: a decision row is never updated or deleted. One decision of each kind per version
# of an item (an approval and its withdrawal may concern the same version).
decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("decision_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("item_id", sa.String(36), nullable=False),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(300), nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("kind", "item_id", "version", "decision", name="uq_decisions_item_version_decision"),
    info=classified(
        erasure="the student's rows keep their ids; comments are blanked",
        identifier={"student_id": "whose item", "decided_by": "the coordinator's account"},
        content={"comment": "the coordinator's reason, which the student sees"},
        none=("decision_id", "kind", "item_id", "version", "decision", "decided_at"),
    ),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("report_id", sa.String(36), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    info=classified(
        erasure="the student's row is deleted",
        identifier={"student_id": "whose report"},
        none=("report_id", "version", "submitted_at", "status"),
    ),
)

presentations = sa.Table(
    "presentations",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("ceremony_id", sa.String(36), nullable=False),
    sa.Column("ceremony_date", sa.Date, nullable=False),
    sa.Column("recorded_by", sa.String(300), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="kept: the ceremony date is stated on an issued certificate",
        identifier={"student_id": "who presented", "recorded_by": "the coordinator's account"},
        none=("ceremony_id", "ceremony_date", "recorded_at"),
    ),
)

coordinators = sa.Table(
    "coordinators",
    metadata,
    sa.Column("subject", sa.String(300), primary_key=True),
    sa.Column("name", sa.String(200), nullable=True, comment="personal data"),
    sa.Column("email", sa.String(254), nullable=True, comment="personal data"),
    sa.Column("programmes", sa.JSON, nullable=False),
    sa.Column("on_leave", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("leave_from", sa.Date, nullable=True),
    sa.Column("leave_to", sa.Date, nullable=True),
    sa.Column("substitute", sa.String(300), nullable=True),
    info=classified(
        erasure="not a student's data: a coordinator is removed by an admin",
        identifier={"subject": "the coordinator's account", "substitute": "another coordinator's account"},
        contact={"name": "the coordinator's name", "email": "the coordinator's email"},
        none=("programmes", "on_leave", "leave_from", "leave_to"),
    ),
)

# One row per student and outcome: the unique key is what makes each announcement happen once.
evaluations = sa.Table(
    "evaluations",
    metadata,
    sa.Column("evaluation_id", sa.String(36), primary_key=True),
    sa.Column("student_id", sa.String(36), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("rule_set", sa.String(100), nullable=False),
    sa.Column("rule_set_version", sa.Integer, nullable=False),
    sa.Column("activity_ids", sa.JSON, nullable=False),
    sa.Column("evaluated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("student_id", "outcome", name="uq_evaluations_student_outcome"),
    info=classified(
        erasure="kept: ids and outcomes only, the basis of an issued certificate",
        identifier={"student_id": "whose evaluation"},
        none=("evaluation_id", "outcome", "rule_set", "rule_set_version", "activity_ids", "evaluated_at"),
    ),
)

# Append-only: every decision and change per student, in the order it happened.
audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.String(36), nullable=False, unique=True),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(300), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("item_kind", sa.String(20), nullable=True),
    sa.Column("item_id", sa.String(100), nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
    info=classified(
        erasure="kept without the erased data: details are blanked, the erasure itself is added",
        identifier={"student_id": "whom the entry is about", "actor": "who acted"},
        content={"detail": "what changed (may quote a reason)"},
        none=("seq", "entry_id", "at", "action", "item_kind", "item_id", "version"),
    ),
)

# certificate.issued.v1 as approvals keeps it: the last stage of the funnel.
issued_certificates = sa.Table(
    "issued_certificates",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(100), nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="kept: an issued certificate is a record the university keeps",
        identifier={"student_id": "whose certificate"},
        none=("code", "issued_at"),
    ),
)

# The funnel's summary, kept up to date by the events (funnel_store.py): per programme, stage and
# wait bucket (domain/funnel.py) how many students; and each student's journey as last counted.
funnel_summary = sa.Table(
    "funnel_summary",
    metadata,
    sa.Column("programme", sa.String(50), primary_key=True),
    sa.Column("stage", sa.String(40), primary_key=True),
    sa.Column("bucket", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("students", sa.Integer, nullable=False),
    info=classified(erasure="not a student's data: counts", none=("programme", "stage", "bucket", "students")),
)
funnel_journeys = sa.Table(
    "funnel_journeys",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("programme", sa.String(50), nullable=False),
    *(sa.Column(stage, UTCDateTime, nullable=True) for stage in FUNNEL_STAGES),
    info=classified(
        erasure="removed from the funnel when the student is erased (then counted no more)",
        identifier={"student_id": "whose journey"},
        none=("programme", *FUNNEL_STAGES),
    ),
)

# The read paths' keyset orders, so a page is read from an index and stops at its limit: the
# inbox (pending items, oldest first) and a student's audit trail (in the order of appending).
_PENDING_ACTIVITY = activities.c.status == "pending"
_PENDING_REPORT = reports.c.status == "pending"
sa.Index(
    "ix_activities_pending_inbox",
    activities.c.submitted_at,
    activities.c.activity_id,
    postgresql_where=_PENDING_ACTIVITY,
    sqlite_where=_PENDING_ACTIVITY,
)
sa.Index(
    "ix_reports_pending_inbox",
    reports.c.submitted_at,
    reports.c.report_id,
    postgresql_where=_PENDING_REPORT,
    sqlite_where=_PENDING_REPORT,
)
sa.Index("ix_audit_entries_student_seq", audit_entries.c.student_id, audit_entries.c.seq)
sa.Index("ix_decisions_student_kind", decisions.c.student_id, decisions.c.kind, decisions.c.decision)

mapper_registry.map_imperatively(Student, students)
mapper_registry.map_imperatively(AuditEntry, audit_entries)
mapper_registry.map_imperatively(IssuedCertificate, issued_certificates)
mapper_registry.map_imperatively(Activity, activities)
mapper_registry.map_imperatively(Decision, decisions)
mapper_registry.map_imperatively(Report, reports)
mapper_registry.map_imperatively(Presentation, presentations)
mapper_registry.map_imperatively(Coordinator, coordinators)
mapper_registry.map_imperatively(Evaluation, evaluations)


class Repository(ReadQueries, FunnelStore):
    """Approvals' objects in one session: what the use cases read and add (uow.repo)."""

    def __init__(self, session):
        self.session = session

    def student(self, student_id: str) -> Student | None:
        return self.session.get(Student, student_id)

    def activity(self, activity_id: str, lock: bool = False) -> Activity | None:
        return self.session.get(Activity, activity_id, with_for_update=lock or None)

    def activities_of(self, student_id: str) -> list[Activity]:
        return list(self.session.scalars(sa.select(Activity).where(Activity.student_id == student_id)))

    def report(self, student_id: str, lock: bool = False) -> Report | None:
        return self.session.get(Report, student_id, with_for_update=lock or None)

    def presentation(self, student_id: str) -> Presentation | None:
        return self.session.get(Presentation, student_id)

    def coordinator(self, subject: str) -> Coordinator | None:
        return self.session.get(Coordinator, subject)

    def coordinators(self) -> list[Coordinator]:
        return list(self.session.scalars(sa.select(Coordinator).order_by(Coordinator.subject)))

    def evaluation(self, student_id: str, outcome: str) -> Evaluation | None:
        return self.session.scalars(
            sa.select(Evaluation).where(Evaluation.student_id == student_id, Evaluation.outcome == outcome)
        ).one_or_none()

    def is_withdrawn(self, activity_id: str) -> bool:
        return (
            self.session.execute(
                sa.select(activity_withdrawals.c.activity_id).where(activity_withdrawals.c.activity_id == activity_id)
            ).first()
            is not None
        )

    def note_withdrawal(self, activity_id: str, student_id: str, withdrawn_at) -> bool:
        """Keep the withdrawal (once); True when it is new."""
        if self.is_withdrawn(activity_id):
            return False
        self.session.execute(
            activity_withdrawals.insert().values(
                activity_id=activity_id, student_id=student_id, withdrawn_at=withdrawn_at
            )
        )
        return True

    def issued_certificate(self, student_id: str) -> IssuedCertificate | None:
        return self.session.get(IssuedCertificate, student_id)

    def add(self, obj):
        self.session.add(obj)

    def add_decision(self, decision: Decision):
        """A second decision on the same version (a concurrent one) violates the key: Conflict."""
        self.session.flush()  # earlier changes must not ride in the savepoint below
        try:
            with self.session.begin_nested():
                self.session.add(decision)
        except IntegrityError:
            raise Conflict("this version has already been decided") from None

    def claim_evaluation(self, evaluation: Evaluation) -> bool:
        """Store an outcome unless the student already has it; True when this call stored it."""
        if self.evaluation(evaluation.student_id, evaluation.outcome) is not None:
            return False
        self.session.flush()  # earlier changes must not be undone with the savepoint below
        try:
            with self.session.begin_nested():
                self.session.add(evaluation)
        except IntegrityError:  # a concurrent transaction reached the same outcome first
            return False
        return True

    def forget_evaluation(self, evaluation: Evaluation):
        """An outcome that no longer holds (a lapsed requirement) may be reached again."""
        self.session.delete(evaluation)
