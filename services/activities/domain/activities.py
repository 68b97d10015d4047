"""An activity claim's life: logged, decided on, resubmitted as new versions, given sessions.

Every submitted version is kept, and a decision only counts for the version it was made on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from services.activities.domain.catalogue import ActivityType
from services.activities.domain.details import Details, Located, check_details
from shared.errors import Conflict, Invalid, NotFound
from shared.permissions import STUDENT, Actor, ensure_may_act_as_student, ensure_may_have_role

SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
WITHDRAWN = "withdrawn"
APPROVAL_WITHDRAWN = "approval_withdrawn"  # a coordinator took an approval back, with a reason
STATUSES = (SUBMITTED, APPROVED, REJECTED, CHANGES_REQUESTED, WITHDRAWN, APPROVAL_WITHDRAWN)
DECISIONS = (APPROVED, REJECTED, CHANGES_REQUESTED, APPROVAL_WITHDRAWN)
# (policy) After changes were requested, or after an approval was withdrawn, the student may
# correct the activity and resubmit it as a new version.
RESUBMITTABLE = (CHANGES_REQUESTED, APPROVAL_WITHDRAWN)


@dataclass(eq=False)
class AttendanceSession:
    """One attended occasion of a repeated-attendance activity (a language café, a lecture)."""

    session_id: str
    activity_id: str
    date: date
    title: str
    added_at: datetime
    # Reported by a campus system: its CloudEvents source, and its id of the occasion.
    verified_by: str | None = None
    external_ref: str | None = None


@dataclass(eq=False)
class ActivityVersion(Located):
    """The activity as it stood when (re)submitted: kept for audit, never changed."""

    activity_id: str
    version: int
    type_code: str
    title: str
    description: str
    location_kind: str
    location_country: str | None
    start_date: date
    end_date: date
    evidence_urls: list
    sessions: list  # [{session_id, date (ISO), title}] at that version
    submitted_at: datetime


@dataclass(eq=False)
class Decision:
    """A coordinator's decision on one version, as the approvals service announced it."""

    decision_id: str
    activity_id: str
    version: int
    decision: str
    comment: str | None
    decided_by: str
    decided_at: datetime
    recorded_at: datetime


@dataclass(eq=False)
class Activity(Located):
    activity_id: str
    student_id: str
    type_code: str
    title: str
    description: str
    location_kind: str
    location_country: str | None
    start_date: date
    end_date: date
    evidence_urls: list
    status: str
    version: int
    created_at: datetime
    submitted_at: datetime
    sessions: list = field(default_factory=list)
    versions: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    # Reported by a campus system (the mobility office, the events office): who verified it,
    # and that system's id of it. Still decided by the coordinator.
    verified_by: str | None = None
    external_ref: str | None = None

    @property
    def latest_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    def decision_on(self, version: int) -> Decision | None:
        """The last decision made on that version, if any."""
        return next((d for d in reversed(self.decisions) if d.version == version), None)

    @property
    def approval_stands(self) -> bool:
        """An approval was given and not taken back since (a later version may be waiting)."""
        for decision in reversed(self.decisions):
            if decision.decision in (APPROVED, APPROVAL_WITHDRAWN):
                return decision.decision == APPROVED
        return False

    def resubmit(self, details: Details, activity_type: ActivityType | None, now: datetime):
        """A new version after the coordinator asked for changes; the old versions stay."""
        if self.status not in RESUBMITTABLE:
            raise Conflict(
                "an activity can be resubmitted only when changes were requested or its approval was withdrawn"
            )
        details = check_details(details, activity_type)
        if self.sessions and not activity_type.repeated_attendance:
            raise Invalid(
                {
                    "type": [
                        f"{activity_type.code!r} has no attendance sessions, "
                        "but this activity has some; log a new activity instead"
                    ]
                }
            )
        self._apply(details)
        self._next_version(now)

    def add_session(
        self,
        *,
        session_date: date,
        title: str,
        activity_type: ActivityType,
        now: datetime,
        verified_by: str | None = None,
        external_ref: str | None = None,
    ) -> AttendanceSession:
        """Record one more attended session; it goes back to the coordinator as a new version."""
        if not activity_type.repeated_attendance:
            raise Invalid(
                {"activity": [f"{activity_type.code!r} is not a repeated-attendance activity; it has no sessions"]}
            )
        if self.status == WITHDRAWN:
            raise Conflict("the activity is withdrawn")
        title = (title or "").strip()
        if not title:
            raise Invalid({"title": ["a session needs a title"]})
        if session_date is None:
            raise Invalid({"date": ["a session needs a date"]})
        if any(s.date == session_date and s.title == title for s in self.sessions):
            raise Conflict("this session is already recorded")
        session = AttendanceSession(
            session_id=str(uuid.uuid4()),
            activity_id=self.activity_id,
            date=session_date,
            title=title,
            added_at=now,
            verified_by=verified_by,
            external_ref=external_ref,
        )
        self.sessions.append(session)
        self.start_date, self.end_date = (min(self.start_date, session_date), max(self.end_date, session_date))
        self._next_version(now)
        return session

    def withdraw(self):
        """Before a decision only; (policy) an activity with a standing approval (a
        repeated-attendance one waiting for its new sessions) stays: a coordinator may withdraw
        the approval instead."""
        if self.status not in (SUBMITTED, CHANGES_REQUESTED):
            raise Conflict(f"an activity that is {self.status} can no longer be withdrawn")
        if self.approval_stands:
            raise Conflict("this activity has an approval; ask your coordinator to withdraw it")
        self.status = WITHDRAWN

    def record_decision(
        self, *, decision: str, version: int, comment: str | None, decided_by: str, decided_at: datetime, now: datetime
    ) -> bool:
        """Apply a decision; one on an outdated version, or after a withdrawal, changes nothing."""
        if decision not in DECISIONS:
            raise ValueError(f"not a decision: {decision!r}")
        if version != self.version or self.status == WITHDRAWN:
            return False
        self.decisions.append(
            Decision(
                decision_id=str(uuid.uuid4()),
                activity_id=self.activity_id,
                version=version,
                decision=decision,
                comment=comment,
                decided_by=decided_by,
                decided_at=decided_at,
                recorded_at=now,
            )
        )
        self.status = decision
        return True

    def _apply(self, details: Details):
        self.type_code, self.title, self.description = (details.type_code, details.title, details.description)
        self.location_kind, self.location_country = details.location_kind, details.location_country
        self.start_date, self.end_date = details.start_date, details.end_date
        self.evidence_urls = list(details.evidence_urls)

    def _next_version(self, now: datetime):
        """Any change goes back to the coordinator as a new version, whatever was decided."""
        self.version += 1
        self.status = SUBMITTED
        self.submitted_at = now
        self._keep_version()

    def _keep_version(self):
        self.versions.append(
            ActivityVersion(
                activity_id=self.activity_id,
                version=self.version,
                type_code=self.type_code,
                title=self.title,
                description=self.description,
                location_kind=self.location_kind,
                location_country=self.location_country,
                start_date=self.start_date,
                end_date=self.end_date,
                evidence_urls=list(self.evidence_urls),
                sessions=[
                    {"session_id": s.session_id, "date": s.date.isoformat(), "title": s.title} for s in self.sessions
                ],
                submitted_at=self.submitted_at,
            )
        )


def acting_student(actor: Actor) -> str:
    """Only a registered student acts on activities (the gateway sets their student id); a
    student with none is not registered: 404, as everywhere."""
    ensure_may_have_role(actor, STUDENT, doing="log or manage activities")
    ensure_may_act_as_student(actor, actor.student_id, what="registration for the CIM")
    return actor.student_id


def own_activity(activity: Activity | None, actor: Actor) -> Activity:
    """Someone else's activity is reported exactly like a missing one: its existence stays secret."""
    if activity is None:
        raise NotFound("no such activity")
    ensure_may_act_as_student(actor, activity.student_id, what="activity")
    return activity


def log(*, student_id: str, details: Details, activity_type: ActivityType | None, now: datetime) -> Activity:
    """A new claim, version 1, waiting for the coordinator."""
    details = check_details(details, activity_type)
    activity = Activity(
        activity_id=str(uuid.uuid4()),
        student_id=student_id,
        type_code=details.type_code,
        title=details.title,
        description=details.description,
        location_kind=details.location_kind,
        location_country=details.location_country,
        start_date=details.start_date,
        end_date=details.end_date,
        evidence_urls=list(details.evidence_urls),
        status=SUBMITTED,
        version=1,
        created_at=now,
        submitted_at=now,
    )
    activity._keep_version()
    return activity
