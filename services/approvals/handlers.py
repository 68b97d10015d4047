"""Approvals' use cases: each takes a unit of work and plain values, and commits once."""
from __future__ import annotations

import logging

from services.approvals import domain
from services.approvals.orm import Repository
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound

log = logging.getLogger(__name__)


# --- keeping the copies: consumers of other services' events -------------------------------

def record_student(uow, data: dict):
    """student.registered.v1 / student.updated.v1 carry the full state: take it as it is."""
    repo = Repository(uow.session)
    values = {
        "name": data["name"], "email": data["email"], "language": data["language"],
        "programme_code": data["programme"]["code"],
        "programme_name_en": data["programme"]["name_en"],
        "programme_name_sv": data["programme"]["name_sv"],
        "expected_graduation": data["expected_graduation"], "status": domain.REGISTERED,
    }
    student = repo.student(data["student_id"])
    if student is None:
        repo.add(domain.Student(student_id=data["student_id"], **values))
    else:
        for name, value in values.items():
            setattr(student, name, value)
    # A later graduation year may change the rule set; a late copy may complete a standing.
    evaluate(uow, repo, data["student_id"])


def withdraw_student(uow, data: dict):
    student = Repository(uow.session).student(data["student_id"])
    if student is not None:
        student.status = domain.WITHDRAWN


def _activity_values(data: dict) -> dict:
    return {
        "activity_type": dict(data["activity_type"]), "title": data["title"],
        "description": data["description"],
        "location": {"kind": data["location"]["kind"], "country": data["location"].get("country")},
        "start_date": data["start_date"], "end_date": data["end_date"],
        "sessions": [{"session_id": s["session_id"], "date": s["date"].isoformat(), "title": s["title"]}
                     for s in data.get("sessions") or []],
    }


def record_activity(uow, data: dict):
    """activity.submitted.v1 / activity.resubmitted.v1: the newest version awaits a decision."""
    repo = Repository(uow.session)
    activity = repo.activity(data["activity_id"])
    if activity is None:
        repo.add(domain.Activity(activity_id=data["activity_id"], student_id=data["student_id"],
                                 version=data["version"], submitted_at=data["submitted_at"],
                                 **_activity_values(data)))
    elif not activity.replace_with(data["version"], _activity_values(data), data["submitted_at"]):
        log.info("activity %s version %s is not newer than %s: ignored",
                 data["activity_id"], data["version"], activity.version)
        return
    _alert_if_nobody_decides(repo, data["student_id"])


def _alert_if_nobody_decides(repo: Repository, student_id: str):
    """A programme with no available coordinator is an operational alert, never a silent queue."""
    student = repo.student(student_id)
    if student is None:
        return
    if not domain.available_coordinators(student.programme_code, repo.coordinators(), utcnow().date()):
        log.error("ALERT: no coordinator is available for programme %s; work for student %s waits",
                  student.programme_code, student_id)


def withdraw_activity(uow, data: dict):
    activity = Repository(uow.session).activity(data["activity_id"])
    if activity is not None:
        activity.withdraw()


def record_report(uow, data: dict):
    """report.submitted.v1: the final report awaits the coordinator's decision."""
    repo = Repository(uow.session)
    report = repo.report(data["student_id"], lock=True)
    if report is None:
        repo.add(domain.Report(student_id=data["student_id"], report_id=data["report_id"],
                               version=1, submitted_at=data["submitted_at"]))
        _alert_if_nobody_decides(repo, data["student_id"])
    elif report.resubmitted(data["report_id"], data["submitted_at"]):
        _alert_if_nobody_decides(repo, data["student_id"])


def record_presentation(uow, data: dict):
    """presentation.recorded.v1: the student presented; this may complete eligibility."""
    repo = Repository(uow.session)
    if repo.presentation(data["student_id"]) is None:
        repo.add(domain.Presentation(
            student_id=data["student_id"], ceremony_id=data["ceremony_id"],
            ceremony_date=data["ceremony_date"], recorded_by=data["recorded_by"],
            recorded_at=data["recorded_at"]))
    evaluate(uow, repo, data["student_id"])


# --- evaluation ---------------------------------------------------------------------------

def evaluate(uow, repo: Repository, student_id: str):
    """Announce each outcome the first time it is reached (the evaluations' key keeps it once)."""
    student = repo.student(student_id)
    if student is None or student.status == domain.WITHDRAWN:
        return
    presentation = repo.presentation(student_id)
    standing = domain.assess(student, repo.activities_of(student_id), repo.report(student_id),
                             presentation)
    now = utcnow()
    if standing.activity_requirement_met and repo.claim_evaluation(
            domain.new_evaluation(student_id, domain.REQUIREMENT_MET, standing, now)):
        uow.publish("student.activity_requirement_met.v1", {
            "student_id": student_id, "programme": student.programme_code,
            "rule_set": standing.rule_set.name,
            "activity_ids": [a.activity_id for a in standing.counted], "met_at": now})
    if standing.eligible and repo.claim_evaluation(
            domain.new_evaluation(student_id, domain.ELIGIBLE, standing, now)):
        uow.publish("student.eligible.v1", {
            "student_id": student_id, "name": student.name, "email": student.email,
            "language": student.language, "programme": student.programme,
            "rule_set": standing.rule_set.name, "rule_set_version": standing.rule_set.version,
            "activities": [{
                "activity_id": a.activity_id, "activity_type": a.activity_type, "title": a.title,
                "location": a.location, "start_date": a.start_date, "end_date": a.end_date,
            } for a in standing.counted],
            "ceremony": {"ceremony_id": presentation.ceremony_id, "date": presentation.ceremony_date},
            "eligible_at": now})


# --- asked by the gateway -----------------------------------------------------------------

def coordinator_programmes(uow, *, subject: str) -> list[str]:
    repo = Repository(uow.session)
    return sorted(domain.programmes_covered(subject, repo.coordinators(), utcnow().date()))


def inbox(uow, *, actor: dict) -> list[dict]:
    """Pending activities and reports of the caller's programmes (an admin's: all), oldest first."""
    repo = Repository(uow.session)
    if actor["role"] == "admin":
        programmes = None
    elif actor["role"] == "coordinator":
        programmes = domain.programmes_covered(actor["subject"], repo.coordinators(), utcnow().date())
    else:
        raise Forbidden("only coordinators and admins have an inbox")
    now = utcnow()
    items = []
    for activity, student in repo.pending_activities(programmes):
        items.append({
            "kind": "activity", "id": activity.activity_id, "student_id": student.student_id,
            "student_name": student.name, "programme": student.programme_code,
            "type": activity.type_code, "title": activity.title, "version": activity.version,
            "submitted_at": activity.submitted_at})
    for report, student in repo.pending_reports(programmes):
        items.append({
            "kind": "report", "id": report.report_id, "student_id": student.student_id,
            "student_name": student.name, "programme": student.programme_code,
            "version": report.version, "submitted_at": report.submitted_at})
    items.sort(key=lambda item: (item["submitted_at"], item["id"]))
    for item in items:
        item["waiting_seconds"] = max(0, int((now - item["submitted_at"]).total_seconds()))
    return items


def _decider_of(repo: Repository, actor: dict, student: domain.Student):
    domain.ensure_may_decide(role=actor["role"], subject=actor["subject"],
                             programme_code=student.programme_code,
                             coordinators=repo.coordinators(), today=utcnow().date())
    if student.status == domain.WITHDRAWN:
        raise Conflict("the student has left the CIM")


def decide_activity(uow, *, actor: dict, activity_id: str, request: dict) -> dict:
    repo = Repository(uow.session)
    if actor["role"] not in ("coordinator", "admin"):
        raise Forbidden("only coordinators and admins decide on activities")
    activity = repo.activity(activity_id, lock=True)
    if activity is None:
        raise NotFound("no such activity")
    student = repo.student(activity.student_id)
    if student is None:
        raise Conflict("the student's record has not reached approvals yet; try again shortly")
    _decider_of(repo, actor, student)
    decision = domain.decide_activity(
        activity, decision=request["decision"], comment=request.get("comment"),
        version=request.get("version"), decided_by=actor["subject"], now=utcnow())
    repo.add_decision(decision)
    uow.publish(f"activity.{decision.decision}.v1", {
        "activity_id": activity.activity_id, "student_id": activity.student_id,
        "version": decision.version, "decided_by": decision.decided_by,
        "decided_at": decision.decided_at, "comment": decision.comment})
    if decision.decision == domain.APPROVED:
        evaluate(uow, repo, student.student_id)
    uow.commit()
    return {"activity_id": activity.activity_id, "student_id": activity.student_id,
            "version": decision.version, "decision": decision.decision,
            "comment": decision.comment, "decided_by": decision.decided_by,
            "decided_at": decision.decided_at}


def decide_report(uow, *, actor: dict, student_id: str, request: dict) -> dict:
    repo = Repository(uow.session)
    if actor["role"] not in ("coordinator", "admin"):
        raise Forbidden("only coordinators and admins decide on final reports")
    student = repo.student(student_id)
    if student is None:
        raise NotFound("no such student")
    _decider_of(repo, actor, student)
    decision = domain.decide_report(
        repo.report(student_id, lock=True), decision=request["decision"],
        comment=request.get("comment"), decided_by=actor["subject"], now=utcnow())
    repo.add_decision(decision)
    uow.publish(f"report.{decision.decision}.v1", {
        "student_id": student_id, "report_id": decision.item_id,
        "decided_by": decision.decided_by, "decided_at": decision.decided_at,
        "comment": decision.comment})
    if decision.decision == domain.ACCEPTED:
        evaluate(uow, repo, student_id)
    uow.commit()
    return {"student_id": student_id, "report_id": decision.item_id,
            "decision": decision.decision, "comment": decision.comment,
            "decided_by": decision.decided_by, "decided_at": decision.decided_at}


def progress(uow, *, actor: dict) -> dict:
    if actor["role"] != "student":
        raise Forbidden("progress is the student's own view")
    repo = Repository(uow.session)
    student = repo.student(actor["student_id"]) if actor.get("student_id") else None
    if student is None:
        raise NotFound("you are not registered for the CIM (or your registration is on its way)")
    standing = domain.assess(student, repo.activities_of(student.student_id),
                             repo.report(student.student_id), repo.presentation(student.student_id))
    return {
        "eligible": standing.eligible,
        "activity_requirement_met": standing.activity_requirement_met,
        "report_accepted": standing.report_accepted,
        "presentation_recorded": standing.presentation_recorded,
        "rule_set": standing.rule_set.name,
        "counted": [{"activity_id": a.activity_id, "title": a.title, "type": a.type_code}
                    for a in standing.counted],
        "missing": standing.missing,
    }


def coordinator_view(coordinator: domain.Coordinator) -> dict:
    leave = None
    if coordinator.on_leave:
        leave = {"from": coordinator.leave_from, "to": coordinator.leave_to,
                 "substitute": coordinator.substitute}
    return {"subject": coordinator.subject, "name": coordinator.name, "email": coordinator.email,
            "programmes": list(coordinator.programmes), "on_leave": coordinator.on_leave,
            "leave": leave}


def put_coordinator(uow, *, actor: dict, subject: str, request: dict) -> dict:
    """An admin enters or changes a coordinator of the directory (keyed by their token's `sub`)."""
    if actor["role"] != "admin":
        raise Forbidden("only an admin changes the coordinator directory")
    repo = Repository(uow.session)
    leave = request.get("leave")
    domain.check_leave(subject, leave, {c.subject for c in repo.coordinators()})
    coordinator = repo.coordinator(subject)
    if coordinator is None:
        coordinator = domain.Coordinator(subject=subject, name=None, email=None, programmes=[])
        repo.add(coordinator)
    coordinator.update(programmes=request["programmes"], name=request.get("name"),
                       email=request.get("email"), leave=leave)
    uow.commit()
    return coordinator_view(coordinator)
