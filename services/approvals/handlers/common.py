"""What several of approvals' use cases share: the audit line, the directory's view of a caller."""
from __future__ import annotations

from datetime import date

from services.approvals.domain import audit
from services.approvals.domain.coordinators import as_in_directory
from services.approvals.domain.decisions import ACTIVITY, REPORT
from shared.db import utcnow
from shared.permissions import Actor


def today() -> date:
    return utcnow().date()


def note(uow, student_id: str, action: str, **values):
    """Append a line to the student's audit trail (`values`: at, actor, item_kind, ...)."""
    uow.repo.add(audit.audit(student_id, action, **values))


def in_directory(uow, actor: Actor) -> Actor:
    """The caller with the programmes approvals' own directory says they cover today."""
    return as_in_directory(actor, uow.repo.coordinators(), today())


def waiting_items(uow, programmes: set[str] | None) -> list[dict]:
    """The undecided activities and reports of registered students (programmes None: all)."""
    items = []
    for activity, student in uow.repo.pending_activities(programmes):
        items.append({
            "kind": ACTIVITY, "id": activity.activity_id, "student_id": student.student_id,
            "student_name": student.name, "programme": student.programme_code,
            "type": activity.type_code, "title": activity.title, "version": activity.version,
            "sessions": len(activity.sessions), "submitted_at": activity.submitted_at})
    for report, student in uow.repo.pending_reports(programmes):
        items.append({
            "kind": REPORT, "id": report.report_id, "student_id": student.student_id,
            "student_name": student.name, "programme": student.programme_code,
            "version": report.version, "submitted_at": report.submitted_at})
    return items
