"""Keeping approvals' copies up to date from other services' events (each handled once).

Each handler takes the unit of work and the event's data, as `db.consume` calls it.
"""

from __future__ import annotations

import logging

from services.approvals.domain import activities, coordinators, statuses, students
from services.approvals.handlers.common import note, today
from services.approvals.handlers.eligibility import evaluate
from services.approvals.handlers.funnel import count_again
from shared.db import utcnow

log = logging.getLogger(__name__)


def record_student(uow, data: dict):
    """student.registered.v1 / student.updated.v1 carry the full state: take it as it is.

    A new programme moves the student's undecided items to that programme's coordinators (the
    inbox follows the student's programme); the audit trail says so.
    """
    values = {
        "name": data["name"],
        "email": data["email"],
        "language": data["language"],
        "programme_code": data["programme"]["code"],
        "programme_name_en": data["programme"]["name_en"],
        "programme_name_sv": data["programme"]["name_sv"],
        "expected_graduation": data["expected_graduation"],
        "status": statuses.REGISTERED,
    }
    at = data.get("registered_at") or data.get("updated_at") or utcnow()
    student = uow.repo.student(data["student_id"])
    about = {"at": at, "actor": "registration", "item_kind": "student", "item_id": data["student_id"]}
    if student is None:
        student = students.Student(student_id=data["student_id"], registered_at=data.get("registered_at"), **values)
        uow.repo.add(student)
        note(
            uow,
            student.student_id,
            "registered",
            **about,
            detail=f"programme {student.programme_code}, graduation {student.expected_graduation}",
        )
    else:
        before = (student.programme_code, student.expected_graduation, student.status)
        for name, value in values.items():
            setattr(student, name, value)
        if data.get("registered_at") is not None:
            student.registered_at = data["registered_at"]
        if before[0] != student.programme_code:
            waiting = len(_undecided_of(uow, student.student_id))
            note(
                uow,
                student.student_id,
                "programme_changed",
                **about,
                detail=f"{before[0]} -> {student.programme_code}; {waiting} undecided item(s) "
                f"now wait for {student.programme_code}'s coordinators",
            )
            _alert_if_nobody_decides(uow, student.student_id)
        if before[1] != student.expected_graduation:
            note(
                uow,
                student.student_id,
                "graduation_changed",
                **about,
                detail=f"{before[1]} -> {student.expected_graduation}",
            )
        if before[2] == statuses.WITHDRAWN:
            note(uow, student.student_id, "registered_again", **about)
    # A later graduation year may change the rule set; a late copy may complete a standing.
    evaluate(uow, data["student_id"])


def _undecided_of(uow, student_id: str) -> list:
    items = [a for a in uow.repo.activities_of(student_id) if a.status == statuses.PENDING]
    report = uow.repo.report(student_id)
    if report is not None and report.status == statuses.PENDING:
        items.append(report)
    return items


def withdraw_student(uow, data: dict):
    """The student left the CIM: their undecided activities leave the inboxes with them (the
    activities service withdraws them too; each activity.withdrawn.v1 then finds them so), and
    so does a final report waiting for its decision (ceremony withdraws its own on the same event)."""
    student = uow.repo.student(data["student_id"])
    if student is not None:
        student.status = statuses.WITHDRAWN
        for activity in uow.repo.activities_of(student.student_id):
            if activity.status == statuses.PENDING:
                activity.withdraw()
        report = uow.repo.report(student.student_id, lock=True)
        if report is not None and report.withdraw():
            note(
                uow,
                student.student_id,
                "report_withdrawn",
                at=data["withdrawn_at"],
                actor="registration",
                item_kind="report",
                item_id=report.report_id,
            )
        note(
            uow,
            student.student_id,
            "left_the_cim",
            at=data["withdrawn_at"],
            actor="registration",
            item_kind="student",
            item_id=student.student_id,
            detail=data.get("reason"),
        )
        count_again(uow, student.student_id)


def _activity_values(data: dict) -> dict:
    return {
        "activity_type": dict(data["activity_type"]),
        "title": data["title"],
        "description": data["description"],
        "location": {"kind": data["location"]["kind"], "country": data["location"].get("country")},
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "sessions": [
            {"session_id": s["session_id"], "date": s["date"].isoformat(), "title": s["title"]}
            for s in data.get("sessions") or []
        ],
    }


def record_activity(uow, data: dict):
    """activity.submitted.v1 / activity.resubmitted.v1: the newest version awaits a decision."""
    existing = uow.repo.activity(data["activity_id"])
    activity, changed = activities.receive_version(
        existing,
        withdrawn=uow.repo.is_withdrawn(data["activity_id"]),
        activity_id=data["activity_id"],
        student_id=data["student_id"],
        version=data["version"],
        values=_activity_values(data),
        submitted_at=data["submitted_at"],
    )
    if not changed:
        log.info(
            "activity %s version %s is not newer than %s: ignored",
            data["activity_id"],
            data["version"],
            activity.version,
        )
        return
    if existing is None:
        uow.repo.add(activity)
    sessions = len(activity.sessions)
    note(
        uow,
        activity.student_id,
        "activity_submitted" if data["version"] == 1 else "activity_resubmitted",
        at=data["submitted_at"],
        actor="student",
        item_kind="activity",
        item_id=activity.activity_id,
        version=activity.version,
        detail=f"{activity.type_code}: {activity.title} ({activity.location_kind}"
        + (f", {sessions} session(s))" if activity.repeated_attendance else ")"),
    )
    _alert_if_nobody_decides(uow, data["student_id"])


def _alert_if_nobody_decides(uow, student_id: str):
    """A programme with no available coordinator is an operational alert, never a silent queue.

    The work is kept (an admin sees it, and it appears in the inbox of whoever covers the
    programme next); `GET /v1/coordinator/alerts` lists the programmes concerned.
    """
    student = uow.repo.student(student_id)
    if student is None:
        return
    if not coordinators.available_coordinators(student.programme_code, uow.repo.coordinators(), today()):
        log.error(
            "%s: programme %s has no available coordinator; work for student %s waits",
            coordinators.ALERT_MARKER,
            student.programme_code,
            student_id,
        )


def withdraw_activity(uow, data: dict):
    """activity.withdrawn.v1: kept even before the activity itself arrives (order-independent)."""
    if not uow.repo.note_withdrawal(data["activity_id"], data["student_id"], data["withdrawn_at"]):
        return
    activity = uow.repo.activity(data["activity_id"])
    if activity is not None:
        activity.withdraw()
    note(
        uow,
        data["student_id"],
        "activity_withdrawn",
        at=data["withdrawn_at"],
        actor="student",
        item_kind="activity",
        item_id=data["activity_id"],
        version=None if activity is None else activity.version,
    )


def record_report(uow, data: dict):
    """report.submitted.v1: the final report awaits the coordinator's decision."""
    report = uow.repo.report(data["student_id"], lock=True)
    if report is None:
        report = students.Report(
            student_id=data["student_id"], report_id=data["report_id"], version=1, submitted_at=data["submitted_at"]
        )
        uow.repo.add(report)
    elif not report.resubmitted(data["report_id"], data["submitted_at"]):
        return
    note(
        uow,
        data["student_id"],
        "report_submitted",
        at=data["submitted_at"],
        actor="student",
        item_kind="report",
        item_id=data["report_id"],
        version=report.version,
        detail=data.get("filename"),
    )
    _alert_if_nobody_decides(uow, data["student_id"])


def record_presentation(uow, data: dict):
    """presentation.recorded.v1: the student presented; this may complete eligibility."""
    if uow.repo.presentation(data["student_id"]) is None:
        uow.repo.add(
            students.Presentation(
                student_id=data["student_id"],
                ceremony_id=data["ceremony_id"],
                ceremony_date=data["ceremony_date"],
                recorded_by=data["recorded_by"],
                recorded_at=data["recorded_at"],
            )
        )
        note(
            uow,
            data["student_id"],
            "presentation_recorded",
            at=data["recorded_at"],
            actor=data["recorded_by"],
            item_kind="ceremony",
            item_id=data["ceremony_id"],
            detail=data["ceremony_date"].isoformat(),
        )
    evaluate(uow, data["student_id"])


def record_certificate_issued(uow, data: dict):
    """certificate.issued.v1: the last stage of the funnel (the first issue is kept)."""
    if uow.repo.issued_certificate(data["student_id"]) is None:
        uow.repo.add(
            students.IssuedCertificate(student_id=data["student_id"], code=data["code"], issued_at=data["issued_at"])
        )
    note(
        uow,
        data["student_id"],
        "certificate_issued",
        at=data["issued_at"],
        actor="certificates",
        item_kind="certificate",
        item_id=data["code"],
        version=data["version"],
    )
    count_again(uow, data["student_id"])
