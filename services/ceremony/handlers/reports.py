"""The final report (submitting and reading it) and the reactions to approvals' events."""

from __future__ import annotations

from services.ceremony import report_pdf
from services.ceremony.domain import reports
from services.ceremony.domain.requirement import RequirementLapse, RequirementMet
from services.ceremony.handlers.common import student_id_of
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import REPORT_SUBMITTED
from shared.permissions import Actor


def submit_report(uow, *, actor: Actor, filename: str, content: bytes, max_bytes: int) -> reports.FinalReport:
    student_id = student_id_of(actor)
    requirement = uow.repo.requirement(student_id, lock=True)
    report = reports.submit_report(
        student_id=student_id,
        requirement=requirement,
        latest=uow.repo.latest_report(student_id),
        filename=filename,
        content=content,
        max_bytes=max_bytes,
        now=utcnow(),
        lapse=uow.repo.lapse(student_id),
    )
    cleaned, removed = report_pdf.sanitise(report.content)
    if removed:
        report.store_cleaned(cleaned)
    uow.repo.add(report)
    uow.publish(
        REPORT_SUBMITTED,
        {
            "student_id": student_id,
            "report_id": report.report_id,
            "filename": report.filename,
            "size": report.size,
            "sha256": report.sha256,
            "submitted_at": report.submitted_at,
        },
    )
    return report


def get_report(uow, *, actor: Actor, student_id: str) -> reports.FinalReport:
    """The student's latest report, for those who may see it; to anyone else it does not exist."""
    allowed = reports.may_see_report(actor, student_id=student_id, requirement=uow.repo.requirement(student_id))
    report = uow.repo.latest_report(student_id) if allowed else None
    if report is None:
        raise NotFound("no report found for this student")
    return report


# --- reactions to approvals' events (called through db.consume, which claims the event id) ---


def record_requirement_met(uow, data: dict):
    existing = uow.repo.requirement(data["student_id"], lock=True)
    if existing is None:
        uow.repo.add(
            RequirementMet(
                student_id=data["student_id"],
                programme_code=data["programme"],
                rule_set=data["rule_set"],
                met_at=data["met_at"],
            )
        )
    else:  # a re-evaluation: keep the programme current, keep the first time it was met
        existing.programme_code, existing.rule_set = data["programme"], data["rule_set"]
    lapse = uow.repo.lapse(data["student_id"], lock=True)
    if lapse is not None:
        lapse.lift(met_at=data["met_at"])


def record_approval_withdrawn(uow, data: dict):
    """An approval was taken back: when the requirement no longer holds, new bookings and report
    submissions stop (existing bookings stay) until approvals says it is met again."""
    student_id = data["student_id"]
    uow.repo.requirement(student_id, lock=True)  # serialises with the student's bookings and uploads
    lapse = uow.repo.lapse(student_id, lock=True)
    if data["activity_requirement_met"]:  # still met after the withdrawal: that is news too
        if lapse is not None:
            lapse.lift(met_at=data["withdrawn_at"])
    elif lapse is None:
        uow.repo.add(
            RequirementLapse(
                student_id=student_id,
                activity_id=data["activity_id"],
                reason=data["reason"],
                lapsed_at=data["withdrawn_at"],
            )
        )
    else:
        lapse.lapse(activity_id=data["activity_id"], reason=data["reason"], at=data["withdrawn_at"])


def _record_report_decision(uow, data: dict, status: str):
    report = uow.repo.report(data["report_id"])
    if report is None or report.student_id != data["student_id"]:
        # Cannot be applied; raising sends the event through retries to the dead-letter queue.
        raise LookupError(f"report {data['report_id']} of student {data['student_id']} is unknown")
    report.record_decision(
        status=status, decided_by=data["decided_by"], decided_at=data["decided_at"], comment=data.get("comment")
    )


def record_report_accepted(uow, data: dict):
    _record_report_decision(uow, data, reports.ACCEPTED)


def record_report_returned(uow, data: dict):
    _record_report_decision(uow, data, reports.RETURNED)
