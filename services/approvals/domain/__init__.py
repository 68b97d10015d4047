"""Approvals' domain: who may decide, the decisions, and the rules that make a student eligible.

Plain Python. The rules come from the programme page as written down in RULES.md; the choices
marked (policy) there are made here and tested in tests/unit/test_approvals_domain.py.
"""
from __future__ import annotations

import base64
import statistics
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.errors import Conflict, Forbidden, Invalid, NotFound

# Student copy
REGISTERED = "registered"
WITHDRAWN = "withdrawn"

# Activity copy and report copy
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
ACCEPTED = "accepted"
RETURNED = "returned"
# An approval taken back by a coordinator or an admin (with a reason); the activity stops counting.
APPROVAL_WITHDRAWN = "approval_withdrawn"

ACTIVITY_DECISIONS = (APPROVED, REJECTED, CHANGES_REQUESTED)
REPORT_DECISIONS = (ACCEPTED, RETURNED)
# A decision that sends work back to the student must say why: the student sees the reason.
DECISIONS_NEEDING_A_REASON = (REJECTED, CHANGES_REQUESTED, RETURNED, APPROVAL_WITHDRAWN)

# What an evaluation concluded; each is reached (and announced) at most once per student.
REQUIREMENT_MET = "activity_requirement_met"
ELIGIBLE = "eligible"

SWEDEN, ABROAD, DIGITAL = "sweden", "abroad", "digital"


# --- the copies other services' events keep up to date ------------------------------------

@dataclass(eq=False)
class Student:
    """Approvals' copy of a student (from registration's events)."""
    student_id: str
    name: str  # personal data
    email: str  # personal data
    language: str
    programme_code: str
    programme_name_en: str
    programme_name_sv: str
    expected_graduation: str
    status: str = REGISTERED
    registered_at: datetime | None = None  # unknown for copies made before it was kept

    @property
    def programme(self) -> dict:
        return {"code": self.programme_code, "name_en": self.programme_name_en,
                "name_sv": self.programme_name_sv}


@dataclass(eq=False)
class Activity:
    """Approvals' copy of the latest version of an activity, with its decision status.

    `activity_type` and `location` are the event's objects; `sessions` the attendance sessions
    the version carries (dates as ISO strings). `approved_*` remember what the coordinator last
    approved: (policy) a repeated-attendance activity keeps counting with its approved sessions
    while a newer version (more sessions) waits for a decision, and counts with the location
    that was approved, not one a later, undecided version claims.
    """
    activity_id: str
    student_id: str
    version: int
    activity_type: dict
    title: str
    description: str
    location: dict
    start_date: date
    end_date: date
    sessions: list
    submitted_at: datetime
    status: str = PENDING
    approved_version: int | None = None
    approved_sessions: int = 0
    approved_location: str | None = None

    @property
    def type_code(self) -> str:
        return self.activity_type["code"]

    @property
    def sessions_required(self) -> int:
        return int(self.activity_type.get("sessions_required") or 1)

    @property
    def repeated_attendance(self) -> bool:
        return self.sessions_required > 1

    @property
    def location_kind(self) -> str:
        return self.location["kind"]

    @property
    def counted_location(self) -> str:
        """Where the activity counts: where it was when approved."""
        return self.approved_location or self.location_kind

    @property
    def approved(self) -> bool:
        return self.approved_version is not None and self.status not in (WITHDRAWN,
                                                                         APPROVAL_WITHDRAWN)

    @property
    def sessions_missing(self) -> int:
        """Approved attendance still to come; only a repeated-attendance type has any."""
        if not self.repeated_attendance:
            return 0
        return max(0, self.sessions_required - (self.approved_sessions if self.approved else 0))

    def counts(self) -> bool:
        """Approved, and for a repeated-attendance type with enough approved sessions: once."""
        return self.approved and self.sessions_missing == 0

    def replace_with(self, version: int, values: dict, submitted_at: datetime,
                     withdrawn: bool = False) -> bool:
        """Take a newer version from an event; an older or the same version changes nothing.

        A withdrawal is final: a version arriving after it (out of order) stays withdrawn.
        """
        if version <= self.version:
            return False
        for name, value in values.items():
            setattr(self, name, value)
        self.version, self.submitted_at = version, submitted_at
        self.status = WITHDRAWN if (withdrawn or self.status == WITHDRAWN) else PENDING
        return True

    def withdraw(self):
        self.status = WITHDRAWN

    def approve(self):
        self.status = APPROVED
        self.approved_version = self.version
        self.approved_sessions = len(self.sessions)
        self.approved_location = self.location_kind

    def take_back_approval(self):
        self.status = APPROVAL_WITHDRAWN
        self.approved_version, self.approved_sessions, self.approved_location = None, 0, None


def receive_version(existing: Activity | None, *, withdrawn: bool, activity_id: str,
                    student_id: str, version: int, values: dict,
                    submitted_at: datetime) -> tuple[Activity, bool]:
    """An activity version arrives (in any order, possibly twice): the newest one is kept.

    `withdrawn` says whether the student's withdrawal has already arrived; it wins over any
    version, whichever came first. Returns the copy and whether it changed.
    """
    if existing is None:
        activity = Activity(activity_id=activity_id, student_id=student_id, version=version,
                            submitted_at=submitted_at, **values)
        if withdrawn:
            activity.withdraw()
        return activity, True
    changed = existing.replace_with(version, values, submitted_at, withdrawn=withdrawn)
    return existing, changed


@dataclass(eq=False)
class Report:
    """The student's final report as approvals sees it; `version` counts the submissions."""
    student_id: str
    report_id: str
    version: int
    submitted_at: datetime
    status: str = PENDING

    def resubmitted(self, report_id: str, submitted_at: datetime) -> bool:
        if report_id == self.report_id or self.status == ACCEPTED:
            return False  # the same report again, or one after acceptance: nothing to decide
        self.report_id, self.submitted_at = report_id, submitted_at
        self.version, self.status = self.version + 1, PENDING
        return True


@dataclass(eq=False)
class Presentation:
    student_id: str
    ceremony_id: str
    ceremony_date: date
    recorded_by: str
    recorded_at: datetime


@dataclass(eq=False)
class Decision:
    """One decision, kept forever: who decided what about which version, when, and why."""
    decision_id: str
    kind: str  # "activity" | "report"
    item_id: str  # the activity id or the report id
    student_id: str
    version: int
    decision: str
    comment: str | None
    decided_by: str
    decided_at: datetime


@dataclass(eq=False)
class Evaluation:
    """A conclusion reached about a student, with the rule set (and version) that reached it."""
    evaluation_id: str
    student_id: str
    outcome: str  # REQUIREMENT_MET | ELIGIBLE
    rule_set: str
    rule_set_version: int
    activity_ids: list
    evaluated_at: datetime


# --- the coordinator directory -------------------------------------------------------------

@dataclass(eq=False)
class Coordinator:
    """An international coordinator, keyed by the `sub` of their token.

    (policy) `on_leave` with no dates is a leave until further notice; with dates, the leave
    holds from `leave_from` to `leave_to` inclusive. During leave the coordinator receives no
    work and decides nothing; a named `substitute` covers their programmes meanwhile.
    """
    subject: str
    name: str | None
    email: str | None  # personal data
    programmes: list
    on_leave: bool = False
    leave_from: date | None = None
    leave_to: date | None = None
    substitute: str | None = None

    def away(self, today: date) -> bool:
        if not self.on_leave:
            return False
        return ((self.leave_from is None or self.leave_from <= today)
                and (self.leave_to is None or today <= self.leave_to))

    def update(self, *, programmes: list, name: str | None, email: str | None,
               leave: dict | None):
        self.programmes = sorted(set(programmes))
        if name is not None:
            self.name = name
        if email is not None:
            self.email = email
        if leave is None:
            self.on_leave, self.leave_from, self.leave_to, self.substitute = False, None, None, None
        else:
            self.on_leave = True
            self.leave_from, self.leave_to = leave["leave_from"], leave["leave_to"]
            self.substitute = leave.get("substitute")


def check_leave(subject: str, leave: dict | None, known_subjects: set[str]):
    if leave is None:
        return
    if leave["leave_from"] > leave["leave_to"]:
        raise Invalid({"leave": ["the leave must not end before it starts"]})
    substitute = leave.get("substitute")
    if substitute == subject:
        raise Invalid({"leave": ["a coordinator cannot substitute for themselves"]})
    if substitute is not None and substitute not in known_subjects:
        raise Invalid({"leave": [f"unknown substitute {substitute!r}: add them as a coordinator first"]})


def programmes_covered(subject: str, coordinators: list[Coordinator], today: date) -> set[str]:
    """The programmes a person decides for today: their own unless away, plus those they stand in for."""
    covered: set[str] = set()
    for coordinator in coordinators:
        if coordinator.subject == subject and not coordinator.away(today):
            covered |= set(coordinator.programmes)
        elif coordinator.substitute == subject and coordinator.away(today):
            covered |= set(coordinator.programmes)
    return covered


def available_coordinators(programme_code: str, coordinators: list[Coordinator],
                           today: date) -> set[str]:
    """Everyone who can decide for a programme today (empty means an operational alert)."""
    return {c.subject for c in coordinators
            if programme_code in programmes_covered(c.subject, coordinators, today)}


def ensure_may_decide(*, role: str, subject: str, programme_code: str,
                      coordinators: list[Coordinator], today: date):
    """Only an admin, or a coordinator covering the student's programme per the directory."""
    if role == "admin":
        return
    if role == "coordinator" and programme_code in programmes_covered(subject, coordinators, today):
        return
    raise Forbidden("only a coordinator of the student's programme may decide this")


def ensure_reason(decision: str, comment: str | None):
    if decision in DECISIONS_NEEDING_A_REASON and not (comment or "").strip():
        raise Invalid({"comment": [f"a reason is required when the decision is {decision!r}"]})


def decide_activity(activity: Activity, *, decision: str, comment: str | None,
                    version: int | None, decided_by: str, now: datetime) -> Decision:
    if decision not in ACTIVITY_DECISIONS:
        raise Invalid({"decision": [f"must be one of {', '.join(ACTIVITY_DECISIONS)}"]})
    ensure_reason(decision, comment)
    if version is not None and version != activity.version:
        raise Conflict(f"version {version} is outdated or unknown: the activity is at version "
                       f"{activity.version}")
    if activity.status != PENDING:
        raise Conflict(f"this version of the activity is not awaiting a decision ({activity.status})")
    if decision == APPROVED:
        activity.approve()
    else:
        activity.status = decision
    return Decision(decision_id=str(uuid.uuid4()), kind="activity", item_id=activity.activity_id,
                    student_id=activity.student_id, version=activity.version, decision=decision,
                    comment=comment or None, decided_by=decided_by, decided_at=now)


def withdraw_approval(activity: Activity, *, reason: str | None, decided_by: str,
                      now: datetime) -> Decision:
    """Take an approval back: the activity stops counting; the reason is mandatory.

    (policy) It applies to the activity as a whole: a newer version still waiting for a decision
    is closed with it; the student may correct and resubmit.
    """
    if not (reason or "").strip():
        raise Invalid({"reason": ["a reason is required to withdraw an approval"]})
    if not activity.approved:
        raise Conflict(f"the activity has no approval to withdraw ({activity.status})")
    activity.take_back_approval()
    return Decision(decision_id=str(uuid.uuid4()), kind="activity", item_id=activity.activity_id,
                    student_id=activity.student_id, version=activity.version,
                    decision=APPROVAL_WITHDRAWN, comment=reason.strip(), decided_by=decided_by,
                    decided_at=now)


def decide_report(report: Report | None, *, decision: str, comment: str | None,
                  decided_by: str, now: datetime) -> Decision:
    if decision not in REPORT_DECISIONS:
        raise Invalid({"decision": [f"must be one of {', '.join(REPORT_DECISIONS)}"]})
    ensure_reason(decision, comment)
    if report is None or report.status != PENDING:
        raise Conflict("no final report is awaiting a decision")
    report.status = decision
    return Decision(decision_id=str(uuid.uuid4()), kind="report", item_id=report.report_id,
                    student_id=report.student_id, version=report.version, decision=decision,
                    comment=comment or None, decided_by=decided_by, decided_at=now)


# --- the rules -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSet:
    """A versioned statement of the activity requirement."""
    name: str
    version: int
    activities_required: int = 3
    # (policy) the 2022 cohort: one digital activity may stand for the activity abroad.
    digital_may_replace_abroad: bool = False


STANDARD = RuleSet("standard", 1)
DIGITAL_SUBSTITUTION_2022 = RuleSet("digital-substitution-2022", 1, digital_may_replace_abroad=True)


RULE_SETS = {(r.name, r.version): r for r in (STANDARD, DIGITAL_SUBSTITUTION_2022)}


def rule_set_for(expected_graduation: str) -> RuleSet:
    """Chosen by the graduation year, which may lie in the past (the 2022 rules stay live)."""
    if expected_graduation.startswith("2022"):
        return DIGITAL_SUBSTITUTION_2022
    return STANDARD


_EN_NUMBERS = {1: "one", 2: "two", 3: "three"}
_SV_COMMON = {1: "en", 2: "två", 3: "tre"}  # en aktivitet
_SV_NEUTER = {1: "ett", 2: "två", 3: "tre"}  # ett tillfälle


def _en(n: int) -> str:
    return _EN_NUMBERS.get(n, str(n))


@dataclass
class ActivityStanding:
    met: bool
    counted: list = field(default_factory=list)  # the activities that count, oldest first
    missing: list = field(default_factory=list)  # [{"en": ..., "sv": ...}]


def assess_activities(rule_set: RuleSet, activities: list[Activity]) -> ActivityStanding:
    """The activity requirement: enough counting activities, one in Sweden and one abroad.

    Every location is one kind, so "in Sweden" and "abroad" are always met by two distinct
    activities (policy: one activity satisfies only one of them). A digital activity counts
    towards the total only, except as the 2022 cohort's replacement for the one abroad.
    """
    counted = sorted((a for a in activities if a.counts()),
                     key=lambda a: (a.start_date, a.submitted_at, a.activity_id))
    # One activity satisfies only one of the two: with one kind per activity, the Swedish one
    # and the one abroad are always distinct activities.
    in_sweden = [a for a in counted if a.counted_location == SWEDEN]
    abroad = [a for a in counted if a.counted_location == ABROAD]
    if not abroad and rule_set.digital_may_replace_abroad:
        abroad = [a for a in counted if a.counted_location == DIGITAL]

    missing = []
    if not in_sweden:
        missing.append({"en": "one more activity in Sweden", "sv": "en aktivitet till i Sverige"})
    if not abroad:
        if rule_set.digital_may_replace_abroad:
            missing.append({
                "en": "one more activity abroad (for your year a digital activity may take its place)",
                "sv": "en aktivitet till utomlands "
                      "(för din årskull kan en digital aktivitet ersätta den)"})
        else:
            missing.append({"en": "one more activity abroad", "sv": "en aktivitet till utomlands"})
    any_kind = rule_set.activities_required - len(counted) - len(missing)
    if any_kind > 0:
        plural = any_kind > 1
        missing.append({
            "en": f"{_en(any_kind)} more {'activities' if plural else 'activity'} of any kind",
            "sv": f"{_SV_COMMON.get(any_kind, any_kind)} {'aktiviteter' if plural else 'aktivitet'} "
                  "till av valfritt slag"})
    met = not missing
    if not met:
        for activity in sorted(activities, key=lambda a: (a.start_date, a.activity_id)):
            if activity.status in (PENDING, APPROVED) and activity.sessions_missing:
                n = activity.sessions_missing
                missing.append({
                    "en": f"{_en(n)} more approved {'sessions' if n > 1 else 'session'} of "
                          f"“{activity.title}” ({activity.activity_type['name_en']})",
                    "sv": f"{_SV_NEUTER.get(n, n)} {'godkända tillfällen' if n > 1 else 'godkänt tillfälle'}"
                          f" till av ”{activity.title}” ({activity.activity_type['name_sv']})"})
    return ActivityStanding(met=met, counted=counted, missing=missing)


REPORT_MISSING = {"en": "a final report accepted by your coordinator",
                  "sv": "en slutrapport som din koordinator har godkänt"}
PRESENTATION_MISSING = {"en": "an oral presentation at a CIM ceremony",
                        "sv": "en muntlig presentation vid en CIM-ceremoni"}


@dataclass
class Standing:
    """Where a student stands: the answer to "am I eligible, and if not, what is missing?"."""
    rule_set: RuleSet
    activity_requirement_met: bool
    report_accepted: bool
    presentation_recorded: bool
    counted: list
    missing: list

    @property
    def eligible(self) -> bool:
        return self.activity_requirement_met and self.report_accepted and self.presentation_recorded


def assess(student: Student, activities: list[Activity], report: Report | None,
           presentation: Presentation | None) -> Standing:
    """Eligible = activity requirement met + final report accepted + presentation recorded."""
    rule_set = rule_set_for(student.expected_graduation)
    activity_standing = assess_activities(rule_set, activities)
    report_accepted = report is not None and report.status == ACCEPTED
    presented = presentation is not None
    missing = list(activity_standing.missing)
    if not report_accepted:
        missing.append(dict(REPORT_MISSING))
    if not presented:
        missing.append(dict(PRESENTATION_MISSING))
    return Standing(rule_set=rule_set, activity_requirement_met=activity_standing.met,
                    report_accepted=report_accepted, presentation_recorded=presented,
                    counted=activity_standing.counted, missing=missing)


def new_evaluation(student_id: str, outcome: str, standing: Standing, now: datetime) -> Evaluation:
    return Evaluation(evaluation_id=str(uuid.uuid4()), student_id=student_id, outcome=outcome,
                      rule_set=standing.rule_set.name, rule_set_version=standing.rule_set.version,
                      activity_ids=[a.activity_id for a in standing.counted], evaluated_at=now)



# --- the coordinator's day ------------------------------------------------------------------

ALERT_MARKER = "CIM-ALERT no-coordinator-available"


def uncovered_programmes(programmes: set[str], coordinators: list[Coordinator],
                         today: date) -> set[str]:
    """The programmes nobody can decide for today: each is an operational alert."""
    return {p for p in programmes if not available_coordinators(p, coordinators, today)}


def ensure_may_read_student(*, role: str, subject: str, own_student_id: str | None,
                            student: Student | None, coordinators: list[Coordinator],
                            today: date):
    """A student's record: the student themselves, their programme's coordinators, an admin.

    Another student learns nothing (404, as if it did not exist); staff of another programme
    are refused (403).
    """
    if role == "student":
        if student is None or own_student_id != student.student_id:
            raise NotFound("no such student")
        return
    if student is None:
        raise NotFound("no such student")
    if role == "admin":
        return
    if role == "coordinator" and student.programme_code in programmes_covered(
            subject, coordinators, today):
        return
    raise Forbidden("only the student, their programme's coordinators and admins may read this")


INBOX_KINDS = ("activity", "report")
INBOX_STATUSES = ("new", "resubmitted")  # version 1, or a later version (changes, sessions)


def inbox_status(version: int) -> str:
    return "new" if version <= 1 else "resubmitted"


def encode_cursor(submitted_at: datetime, item_id: str) -> str:
    raw = f"{submitted_at.isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, item_id = raw.split("|", 1)
        return datetime.fromisoformat(at), item_id
    except (ValueError, UnicodeDecodeError):
        raise Invalid({"cursor": ["not a cursor this inbox gave out"]}) from None


def inbox_page(items: list[dict], *, programme: str | None = None, type_code: str | None = None,
               kind: str | None = None, status: str | None = None, cursor: str | None = None,
               limit: int = 100) -> dict:
    """Filter the items, oldest first, and cut one page after the cursor.

    Items are dicts with kind, id, programme, type (activities), version and submitted_at.
    """
    chosen = [i for i in items
              if (programme is None or i["programme"] == programme)
              and (type_code is None or i.get("type") == type_code)
              and (kind is None or i["kind"] == kind)
              and (status is None or inbox_status(i["version"]) == status)]
    chosen.sort(key=lambda i: (i["submitted_at"], i["id"]))
    total = len(chosen)
    if cursor:
        after = decode_cursor(cursor)
        chosen = [i for i in chosen if (i["submitted_at"], i["id"]) > after]
    page = chosen[:limit]
    next_cursor = None
    if len(chosen) > limit:
        next_cursor = encode_cursor(page[-1]["submitted_at"], page[-1]["id"])
    return {"items": page, "total": total, "next_cursor": next_cursor}


@dataclass(eq=False)
class AuditEntry:
    """One line of a student's audit trail: appended, never changed or removed."""
    entry_id: str
    student_id: str
    at: datetime
    actor: str  # who: a coordinator's or admin's sub, "student", or the service that learnt it
    action: str
    item_kind: str | None = None  # "activity" | "report" | "student" | "eligibility" | ...
    item_id: str | None = None
    version: int | None = None
    detail: str | None = None  # the reason of a decision, or what changed
    seq: int | None = None  # the order of appending (set by the database)


def audit(student_id: str, action: str, *, at: datetime, actor: str, item_kind: str | None = None,
          item_id: str | None = None, version: int | None = None,
          detail: str | None = None) -> AuditEntry:
    return AuditEntry(entry_id=str(uuid.uuid4()), student_id=student_id, at=at, actor=actor,
                      action=action, item_kind=item_kind, item_id=item_id, version=version,
                      detail=detail)


@dataclass(eq=False)
class IssuedCertificate:
    """Approvals' note that a student's certificate was issued (for the funnel)."""
    student_id: str
    code: str
    issued_at: datetime


FUNNEL_STAGES = ("registered", "activity_requirement_met", "report_accepted", "presented",
                 "eligible", "certificate_issued")


def funnel(programme: str, journeys: list[dict]) -> list[dict]:
    """Counts per stage, and the median time from the stage before (seconds; None when unknown).

    Each journey maps a stage to when the student reached it (missing or None: not reached).
    """
    rows = []
    for index, stage in enumerate(FUNNEL_STAGES):
        reached = [j for j in journeys if j.get(stage) is not None]
        waits = []
        if index > 0:
            before = FUNNEL_STAGES[index - 1]
            waits = [(j[stage] - j[before]).total_seconds() for j in reached
                     if j.get(before) is not None]
        median = int(statistics.median(waits)) if waits else None
        rows.append({"programme": programme, "stage": stage, "count": len(reached),
                     "median_wait_seconds": None if median is None else max(0, median)})
    return rows
