"""An in-memory approvals repository with the same methods as services.approvals.orm.Repository."""
from __future__ import annotations

from itertools import count

from services.approvals.domain.activities import Activity
from services.approvals.domain.audit import AuditEntry
from services.approvals.domain.coordinators import Coordinator
from services.approvals.domain.decisions import REPORT, Decision
from services.approvals.domain.eligibility import Evaluation
from services.approvals.domain.statuses import ACCEPTED, PENDING, WITHDRAWN
from services.approvals.domain.students import IssuedCertificate, Presentation, Report, Student
from shared.errors import Conflict

# Where `add` keeps each kind of object, and the attribute that is its key.
_TABLES = {Student: ("students_by_id", "student_id"), Activity: ("activities", "activity_id"),
           Report: ("reports", "student_id"), Presentation: ("presentations", "student_id"),
           Coordinator: ("coordinators_by_subject", "subject"),
           IssuedCertificate: ("certificates", "student_id")}


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

    def coordinator(self, subject):
        return self.coordinators_by_subject.get(subject)

    def coordinators(self):
        return sorted(self.coordinators_by_subject.values(), key=lambda c: c.subject)

    def evaluation(self, student_id, outcome):
        return next((e for e in self.evaluations
                     if (e.student_id, e.outcome) == (student_id, outcome)), None)

    def _pending(self, items, programmes):
        pairs = [(item, self.students_by_id.get(item.student_id)) for item in items
                 if item.status == PENDING]
        return [(item, student) for item, student in pairs
                if student is not None and student.status != WITHDRAWN
                and (programmes is None or student.programme_code in programmes)]

    def pending_activities(self, programmes):
        return self._pending(self.activities.values(), programmes)

    def pending_reports(self, programmes):
        return self._pending(self.reports.values(), programmes)

    def students(self, programme=None):
        return sorted((s for s in self.students_by_id.values()
                       if programme is None or s.programme_code == programme),
                      key=lambda s: s.student_id)

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

    def audit_trail(self, student_id):
        return [e for e in self.entries if e.student_id == student_id]

    def decisions_of(self, student_id):
        return sorted((d for d in self.decisions if d.student_id == student_id),
                      key=lambda d: d.decided_at)

    def evaluations_of(self, student_ids):
        return [e for e in self.evaluations if e.student_id in student_ids]

    def presentations_of(self, student_ids):
        return [p for p in self.presentations.values() if p.student_id in student_ids]

    def report_acceptances(self, student_ids):
        accepted = {}
        for d in self.decisions:
            if d.kind == REPORT and d.decision == ACCEPTED and d.student_id in student_ids:
                accepted[d.student_id] = max(d.decided_at, accepted.get(d.student_id, d.decided_at))
        return accepted

    def issued_certificate(self, student_id):
        return self.certificates.get(student_id)

    def issued_certificates(self, student_ids):
        return [c for c in self.certificates.values() if c.student_id in student_ids]

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
