"""An in-memory approvals repository with the same methods as services.approvals.orm.Repository."""

from __future__ import annotations

from itertools import count

from services.approvals.domain.activities import Activity
from services.approvals.domain.audit import AuditEntry
from services.approvals.domain.coordinators import Coordinator
from services.approvals.domain import funnel, inbox
from services.approvals.domain.decisions import ACTIVITY, REPORT, Decision
from services.approvals.domain.eligibility import Evaluation
from services.approvals.domain.statuses import ACCEPTED, PENDING, WITHDRAWN
from services.approvals.domain.students import IssuedCertificate, Presentation, Report, Student
from shared.errors import Conflict
from tests.unit.fakes import after

# Where `add` keeps each kind of object, and the attribute that is its key.
_TABLES = {
    Student: ("students_by_id", "student_id"),
    Activity: ("activities", "activity_id"),
    Report: ("reports", "student_id"),
    Presentation: ("presentations", "student_id"),
    Coordinator: ("coordinators_by_subject", "subject"),
    IssuedCertificate: ("certificates", "student_id"),
}


class FakeApprovalsRepository:
    def __init__(self, coordinators=()):
        self.students_by_id: dict[str, Student] = {}
        self.activities: dict[str, Activity] = {}
        self.reports: dict[str, Report] = {}
        self.presentations: dict[str, Presentation] = {}
        self.certificates: dict[str, IssuedCertificate] = {}
        self.coordinators_by_subject = {c.subject: c for c in coordinators}
        self.withdrawals: dict[str, tuple] = {}
        self.decisions: list[Decision] = []
        self.evaluations: list[Evaluation] = []
        self.entries: list[AuditEntry] = []
        self.funnel_journeys: dict[str, dict] = {}
        self.summary: dict[tuple, int] = {}
        self._seq = count(1)

    def student(self, student_id):
        return self.students_by_id.get(student_id)

    def activity(self, activity_id, lock=False):
        return self.activities.get(activity_id)

    def activities_of(self, student_id):
        return [a for a in self.activities.values() if a.student_id == student_id]

    def report(self, student_id, lock=False):
        return self.reports.get(student_id)

    def presentation(self, student_id):
        return self.presentations.get(student_id)

    def standing_inputs(self, student_id):
        student = self.student(student_id)
        if student is None:
            return None
        return student, self.activities_of(student_id), self.report(student_id), self.presentation(student_id)

    def coordinator(self, subject):
        return self.coordinators_by_subject.get(subject)

    def coordinators_page(self, position, limit):
        return after(self.coordinators_by_subject.values(), lambda c: (c.subject,), position, limit)

    def coordinators(self):
        return sorted(self.coordinators_by_subject.values(), key=lambda c: c.subject)

    def evaluation(self, student_id, outcome):
        return next((e for e in self.evaluations if (e.student_id, e.outcome) == (student_id, outcome)), None)

    def _waiting(self):
        """Every waiting item as the inbox shows it (what orm's inbox query selects)."""
        items = []
        for kind, pool, key in ((ACTIVITY, self.activities, "activity_id"), (REPORT, self.reports, "report_id")):
            for item in pool.values():
                student = self.students_by_id.get(item.student_id)
                if item.status != PENDING or student is None or student.status == WITHDRAWN:
                    continue
                row = {
                    "kind": kind,
                    "id": getattr(item, key),
                    "student_id": student.student_id,
                    "student_name": student.name,
                    "programme": student.programme_code,
                    "version": item.version,
                    "submitted_at": item.submitted_at,
                }
                if kind == ACTIVITY:
                    row.update(type=item.type_code, title=item.title, sessions=len(item.sessions))
                items.append(row)
        return sorted(items, key=inbox.position)

    def inbox_items(self, criteria, after, limit):
        return [
            i for i in self._waiting() if inbox.matches(i, criteria) and (after is None or inbox.position(i) > after)
        ][:limit]

    def waiting_by_programme(self):
        found = {}
        for item in self._waiting():
            count, oldest = found.get(item["programme"], (0, item["submitted_at"]))
            found[item["programme"]] = (count + 1, min(oldest, item["submitted_at"]))
        return found

    def journey(self, student_id):
        s = self.students_by_id.get(student_id)
        if s is None or s.status == WITHDRAWN:
            return None
        journey = dict.fromkeys(funnel.FUNNEL_STAGES)
        journey.update(programme=s.programme_code, registered=s.registered_at)
        for e in self.evaluations:
            if e.student_id == student_id and e.outcome in journey:
                journey[e.outcome] = e.evaluated_at
        accepted = [
            d.decided_at
            for d in self.decisions
            if d.student_id == student_id and d.kind == REPORT and d.decision == ACCEPTED
        ]
        journey["report_accepted"] = max(accepted) if accepted else None
        presentation = self.presentations.get(student_id)
        journey["presented"] = presentation.recorded_at if presentation else None
        certificate = self.certificates.get(student_id)
        journey["certificate_issued"] = certificate.issued_at if certificate else None
        return journey

    def counted_journey(self, student_id):
        return self.funnel_journeys.get(student_id)

    def count_journey(self, student_id, journey, delta):
        self.funnel_journeys.pop(student_id, None)
        if journey is not None:
            self.funnel_journeys[student_id] = dict(journey)
        for key, n in delta.items():
            self.summary[key] = self.summary.get(key, 0) + n

    def forget_funnel(self):
        self.funnel_journeys.clear()
        self.summary.clear()

    def all_journeys(self):
        return [(i, j) for i in sorted(self.students_by_id) if (j := self.journey(i)) is not None]

    def funnel_summary(self, programmes):
        found = {code: {} for code in programmes}
        for (code, stage, bucket), n in self.summary.items():
            if code in found and n > 0:
                found[code][(stage, bucket)] = n
        return found

    def funnel_programmes(self):
        return {code for (code, stage, _), n in self.summary.items() if stage == funnel.FUNNEL_STAGES[0] and n > 0}

    def programme_codes(self):
        codes = {s.programme_code for s in self.students_by_id.values()}
        for coordinator in self.coordinators_by_subject.values():
            codes |= set(coordinator.programmes)
        return codes

    def is_withdrawn(self, activity_id):
        return activity_id in self.withdrawals

    def note_withdrawal(self, activity_id, student_id, withdrawn_at):
        if activity_id in self.withdrawals:
            return False
        self.withdrawals[activity_id] = (student_id, withdrawn_at)
        return True

    def audit_trail(self, student_id, after=None, limit=None):
        return [e for e in self.entries if e.student_id == student_id and (after is None or e.seq > after)][:limit]

    def decisions_of(self, student_id):
        return sorted((d for d in self.decisions if d.student_id == student_id), key=lambda d: d.decided_at)

    def issued_certificate(self, student_id):
        return self.certificates.get(student_id)

    def add(self, obj):
        if isinstance(obj, AuditEntry):
            obj.seq = next(self._seq)
            self.entries.append(obj)
            return
        table, key = _TABLES[type(obj)]
        getattr(self, table)[getattr(obj, key)] = obj

    def add_decision(self, decision):
        key = (decision.kind, decision.item_id, decision.version, decision.decision)
        if any((d.kind, d.item_id, d.version, d.decision) == key for d in self.decisions):
            raise Conflict("this version has already been decided")
        self.decisions.append(decision)

    def claim_evaluation(self, evaluation):
        if self.evaluation(evaluation.student_id, evaluation.outcome) is not None:
            return False
        self.evaluations.append(evaluation)
        return True

    def forget_evaluation(self, evaluation):
        self.evaluations.remove(evaluation)
