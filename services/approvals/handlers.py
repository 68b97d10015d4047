"""Approvals' use cases: each takes a unit of work and plain values, and commits once."""
from __future__ import annotations

import logging

from services.approvals import domain
from services.approvals.orm import Repository
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import (ACTIVITY_APPROVAL_WITHDRAWN, ACTIVITY_APPROVED, ACTIVITY_CHANGES_REQUESTED,
                           ACTIVITY_REJECTED, REPORT_ACCEPTED, REPORT_RETURNED,
                           STUDENT_ACTIVITY_REQUIREMENT_MET, STUDENT_ELIGIBLE)

log = logging.getLogger(__name__)

# The event each decision announces.
ACTIVITY_DECISION_EVENTS = {domain.APPROVED: ACTIVITY_APPROVED, domain.REJECTED: ACTIVITY_REJECTED,
                            domain.CHANGES_REQUESTED: ACTIVITY_CHANGES_REQUESTED}
REPORT_DECISION_EVENTS = {domain.ACCEPTED: REPORT_ACCEPTED, domain.RETURNED: REPORT_RETURNED}


# --- keeping the copies: consumers of other services' events -------------------------------

def record_student(uow, data: dict):
    """student.registered.v1 / student.updated.v1 carry the full state: take it as it is.

    A new programme moves the student's undecided items to that programme's coordinators (the
    inbox follows the student's programme); the audit trail says so.
    """
    repo = Repository(uow.session)
    values = {
        "name": data["name"], "email": data["email"], "language": data["language"],
        "programme_code": data["programme"]["code"],
        "programme_name_en": data["programme"]["name_en"],
        "programme_name_sv": data["programme"]["name_sv"],
        "expected_graduation": data["expected_graduation"], "status": domain.REGISTERED,
    }
    at = data.get("registered_at") or data.get("updated_at") or utcnow()
    student = repo.student(data["student_id"])
    if student is None:
        student = domain.Student(student_id=data["student_id"], registered_at=data.get("registered_at"),
                                 **values)
        repo.add(student)
        _audit(repo, student.student_id, "registered", at=at, actor="registration",
               item_kind="student", item_id=student.student_id,
               detail=f"programme {student.programme_code}, graduation {student.expected_graduation}")
    else:
        before = (student.programme_code, student.expected_graduation, student.status)
        for name, value in values.items():
            setattr(student, name, value)
        if data.get("registered_at") is not None:
            student.registered_at = data["registered_at"]
        if before[0] != student.programme_code:
            waiting = len(_undecided_of(repo, student.student_id))
            _audit(repo, student.student_id, "programme_changed", at=at, actor="registration",
                   item_kind="student", item_id=student.student_id,
                   detail=f"{before[0]} -> {student.programme_code}; {waiting} undecided item(s) "
                          f"now wait for {student.programme_code}'s coordinators")
            _alert_if_nobody_decides(repo, student.student_id)
        if before[1] != student.expected_graduation:
            _audit(repo, student.student_id, "graduation_changed", at=at, actor="registration",
                   item_kind="student", item_id=student.student_id,
                   detail=f"{before[1]} -> {student.expected_graduation}")
        if before[2] == domain.WITHDRAWN:
            _audit(repo, student.student_id, "registered_again", at=at, actor="registration",
                   item_kind="student", item_id=student.student_id)
    # A later graduation year may change the rule set; a late copy may complete a standing.
    evaluate(uow, repo, data["student_id"])


def _undecided_of(repo: Repository, student_id: str) -> list:
    items = [a for a in repo.activities_of(student_id) if a.status == domain.PENDING]
    report = repo.report(student_id)
    if report is not None and report.status == domain.PENDING:
        items.append(report)
    return items


def _audit(repo: Repository, student_id: str, action: str, **values):
    repo.add(domain.audit(student_id, action, **values))


def withdraw_student(uow, data: dict):
    repo = Repository(uow.session)
    student = repo.student(data["student_id"])
    if student is not None:
        student.status = domain.WITHDRAWN
        _audit(repo, student.student_id, "left_the_cim", at=data["withdrawn_at"],
               actor="registration", item_kind="student", item_id=student.student_id)


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
    existing = repo.activity(data["activity_id"])
    activity, changed = domain.receive_version(
        existing, withdrawn=repo.is_withdrawn(data["activity_id"]),
        activity_id=data["activity_id"], student_id=data["student_id"], version=data["version"],
        values=_activity_values(data), submitted_at=data["submitted_at"])
    if not changed:
        log.info("activity %s version %s is not newer than %s: ignored",
                 data["activity_id"], data["version"], activity.version)
        return
    if existing is None:
        repo.add(activity)
    sessions = len(activity.sessions)
    _audit(repo, activity.student_id, "activity_submitted" if data["version"] == 1 else
           "activity_resubmitted", at=data["submitted_at"], actor="student", item_kind="activity",
           item_id=activity.activity_id, version=activity.version,
           detail=f"{activity.type_code}: {activity.title} ({activity.location_kind}"
                  + (f", {sessions} session(s))" if activity.repeated_attendance else ")"))
    _alert_if_nobody_decides(repo, data["student_id"])


def _alert_if_nobody_decides(repo: Repository, student_id: str):
    """A programme with no available coordinator is an operational alert, never a silent queue.

    The work is kept (an admin sees it, and it appears in the inbox of whoever covers the
    programme next); `GET /v1/coordinator/alerts` lists the programmes concerned.
    """
    student = repo.student(student_id)
    if student is None:
        return
    if not domain.available_coordinators(student.programme_code, repo.coordinators(), utcnow().date()):
        log.error("%s: programme %s has no available coordinator; work for student %s waits",
                  domain.ALERT_MARKER, student.programme_code, student_id)


def withdraw_activity(uow, data: dict):
    """activity.withdrawn.v1: kept even before the activity itself arrives (order-independent)."""
    repo = Repository(uow.session)
    if not repo.note_withdrawal(data["activity_id"], data["student_id"], data["withdrawn_at"]):
        return
    activity = repo.activity(data["activity_id"])
    if activity is not None:
        activity.withdraw()
    _audit(repo, data["student_id"], "activity_withdrawn", at=data["withdrawn_at"],
           actor="student", item_kind="activity", item_id=data["activity_id"],
           version=None if activity is None else activity.version)


def record_report(uow, data: dict):
    """report.submitted.v1: the final report awaits the coordinator's decision."""
    repo = Repository(uow.session)
    report = repo.report(data["student_id"], lock=True)
    if report is None:
        report = domain.Report(student_id=data["student_id"], report_id=data["report_id"],
                               version=1, submitted_at=data["submitted_at"])
        repo.add(report)
    elif not report.resubmitted(data["report_id"], data["submitted_at"]):
        return
    _audit(repo, data["student_id"], "report_submitted", at=data["submitted_at"], actor="student",
           item_kind="report", item_id=data["report_id"], version=report.version,
           detail=data.get("filename"))
    _alert_if_nobody_decides(repo, data["student_id"])


def record_presentation(uow, data: dict):
    """presentation.recorded.v1: the student presented; this may complete eligibility."""
    repo = Repository(uow.session)
    if repo.presentation(data["student_id"]) is None:
        repo.add(domain.Presentation(
            student_id=data["student_id"], ceremony_id=data["ceremony_id"],
            ceremony_date=data["ceremony_date"], recorded_by=data["recorded_by"],
            recorded_at=data["recorded_at"]))
        _audit(repo, data["student_id"], "presentation_recorded", at=data["recorded_at"],
               actor=data["recorded_by"], item_kind="ceremony", item_id=data["ceremony_id"],
               detail=data["ceremony_date"].isoformat())
    evaluate(uow, repo, data["student_id"])


def record_certificate_issued(uow, data: dict):
    """certificate.issued.v1: the last stage of the funnel (the first issue is kept)."""
    repo = Repository(uow.session)
    if repo.issued_certificate(data["student_id"]) is None:
        repo.add(domain.IssuedCertificate(student_id=data["student_id"], code=data["code"],
                                          issued_at=data["issued_at"]))
    _audit(repo, data["student_id"], "certificate_issued", at=data["issued_at"],
           actor="certificates", item_kind="certificate", item_id=data["code"],
           version=data["version"])


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
    rule_set = f"{standing.rule_set.name} v{standing.rule_set.version}"
    if standing.activity_requirement_met and repo.claim_evaluation(
            domain.new_evaluation(student_id, domain.REQUIREMENT_MET, standing, now)):
        _audit(repo, student_id, domain.REQUIREMENT_MET, at=now, actor="approvals",
               item_kind="eligibility", detail=f"rule set {rule_set}; counted "
               + ", ".join(a.activity_id for a in standing.counted))
        uow.publish(STUDENT_ACTIVITY_REQUIREMENT_MET, {
            "student_id": student_id, "programme": student.programme_code,
            "rule_set": standing.rule_set.name, "rule_set_version": standing.rule_set.version,
            "activity_ids": [a.activity_id for a in standing.counted], "met_at": now})
    if standing.eligible and repo.claim_evaluation(
            domain.new_evaluation(student_id, domain.ELIGIBLE, standing, now)):
        _audit(repo, student_id, domain.ELIGIBLE, at=now, actor="approvals",
               item_kind="eligibility", detail=f"rule set {rule_set}")
        uow.publish(STUDENT_ELIGIBLE, {
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


def _covered(repo: Repository, actor: dict) -> set[str] | None:
    """The programmes the caller decides for today (None: all, for an admin)."""
    if actor["role"] == "admin":
        return None
    if actor["role"] == "coordinator":
        return domain.programmes_covered(actor["subject"], repo.coordinators(), utcnow().date())
    raise Forbidden("only coordinators and admins have this view")


def _waiting_items(repo: Repository, programmes: set[str] | None) -> list[dict]:
    items = []
    for activity, student in repo.pending_activities(programmes):
        items.append({
            "kind": "activity", "id": activity.activity_id, "student_id": student.student_id,
            "student_name": student.name, "programme": student.programme_code,
            "type": activity.type_code, "title": activity.title, "version": activity.version,
            "sessions": len(activity.sessions), "submitted_at": activity.submitted_at})
    for report, student in repo.pending_reports(programmes):
        items.append({
            "kind": "report", "id": report.report_id, "student_id": student.student_id,
            "student_name": student.name, "programme": student.programme_code,
            "version": report.version, "submitted_at": report.submitted_at})
    return items


def inbox(uow, *, actor: dict, query: dict | None = None) -> dict:
    """What the caller may decide, oldest first, filtered and paged; each with its waiting time."""
    query = query or {}
    repo = Repository(uow.session)
    page = domain.inbox_page(
        _waiting_items(repo, _covered(repo, actor)), programme=query.get("programme"),
        type_code=query.get("type"), kind=query.get("kind"), status=query.get("status"),
        cursor=query.get("cursor"), limit=query.get("limit") or 100)
    now = utcnow()
    for item in page["items"]:
        item["status"] = domain.inbox_status(item["version"])
        item["waiting_seconds"] = max(0, int((now - item["submitted_at"]).total_seconds()))
    return page


def _decider_of(repo: Repository, actor: dict, student: domain.Student):
    domain.ensure_may_decide(role=actor["role"], subject=actor["subject"],
                             programme_code=student.programme_code,
                             coordinators=repo.coordinators(), today=utcnow().date())
    if student.status == domain.WITHDRAWN:
        raise Conflict("the student has left the CIM")


def get_activity(uow, *, actor: dict, activity_id: str) -> dict:
    """What a coordinator reads before deciding: the latest version and the decisions so far."""
    repo = Repository(uow.session)
    if actor["role"] not in ("coordinator", "admin"):
        raise Forbidden("only coordinators and admins read activities here")
    activity = repo.activity(activity_id)
    student = repo.student(activity.student_id) if activity is not None else None
    if activity is None or student is None:
        raise NotFound("no such activity")
    domain.ensure_may_decide(role=actor["role"], subject=actor["subject"],
                             programme_code=student.programme_code,
                             coordinators=repo.coordinators(), today=utcnow().date())
    decisions = [d for d in repo.decisions_of(student.student_id)
                 if d.kind == "activity" and d.item_id == activity_id]
    kind = activity.activity_type
    return {
        "activity_id": activity.activity_id, "student_id": student.student_id,
        "student_name": student.name, "programme": student.programme_code,
        "version": activity.version, "type": kind["code"], "type_name_en": kind["name_en"],
        "type_name_sv": kind["name_sv"], "sessions_required": kind["sessions_required"],
        "title": activity.title, "description": activity.description,
        "location": activity.location, "start_date": activity.start_date,
        "end_date": activity.end_date, "sessions": activity.sessions, "status": activity.status,
        "submitted_at": activity.submitted_at,
        "decisions": [{"version": d.version, "decision": d.decision, "comment": d.comment,
                       "decided_by": d.decided_by, "decided_at": d.decided_at} for d in decisions],
    }


def _activity_to_decide(repo: Repository, actor: dict, activity_id: str) -> tuple:
    if actor["role"] not in ("coordinator", "admin"):
        raise Forbidden("only coordinators and admins decide on activities")
    activity = repo.activity(activity_id, lock=True)
    if activity is None:
        raise NotFound("no such activity")
    student = repo.student(activity.student_id)
    if student is None:
        raise Conflict("the student's record has not reached approvals yet; try again shortly")
    _decider_of(repo, actor, student)
    return activity, student


def _decision_view(decision: domain.Decision) -> dict:
    return {"activity_id": decision.item_id, "student_id": decision.student_id,
            "version": decision.version, "decision": decision.decision,
            "comment": decision.comment, "decided_by": decision.decided_by,
            "decided_at": decision.decided_at}


def _audit_decision(repo: Repository, decision: domain.Decision):
    _audit(repo, decision.student_id, f"{decision.kind}_{decision.decision}",
           at=decision.decided_at, actor=decision.decided_by, item_kind=decision.kind,
           item_id=decision.item_id, version=decision.version, detail=decision.comment)


def decide_activity(uow, *, actor: dict, activity_id: str, request: dict) -> dict:
    repo = Repository(uow.session)
    activity, student = _activity_to_decide(repo, actor, activity_id)
    decision = domain.decide_activity(
        activity, decision=request["decision"], comment=request.get("comment"),
        version=request.get("version"), decided_by=actor["subject"], now=utcnow())
    repo.add_decision(decision)
    _audit_decision(repo, decision)
    uow.publish(ACTIVITY_DECISION_EVENTS[decision.decision], {
        "activity_id": activity.activity_id, "student_id": activity.student_id,
        "version": decision.version, "decided_by": decision.decided_by,
        "decided_at": decision.decided_at, "comment": decision.comment})
    if decision.decision == domain.APPROVED:
        evaluate(uow, repo, student.student_id)
    uow.commit()
    return _decision_view(decision)


def withdraw_approval(uow, *, actor: dict, activity_id: str, request: dict) -> dict:
    """Take an approval back (with a reason); the certificate side hears of it when it matters."""
    repo = Repository(uow.session)
    activity, student = _activity_to_decide(repo, actor, activity_id)
    was_eligible = repo.evaluation(student.student_id, domain.ELIGIBLE) is not None
    decision = domain.withdraw_approval(activity, reason=request.get("reason"),
                                        decided_by=actor["subject"], now=utcnow())
    repo.add_decision(decision)
    _audit_decision(repo, decision)
    standing = domain.assess(student, repo.activities_of(student.student_id),
                             repo.report(student.student_id), repo.presentation(student.student_id))
    met = repo.evaluation(student.student_id, domain.REQUIREMENT_MET)
    if met is not None and not standing.activity_requirement_met:
        # The requirement lapsed: forget the announcement, so that meeting it again (a new
        # approval) announces it again and the ceremony side reopens booking and the report.
        repo.session.delete(met)
        _audit(repo, student.student_id, "requirement_lapsed", at=decision.decided_at,
               actor=decision.decided_by, item_kind="eligibility", item_id=activity.activity_id,
               detail=decision.comment)
    uow.publish(ACTIVITY_APPROVAL_WITHDRAWN, {
        "activity_id": activity.activity_id, "student_id": student.student_id,
        "version": decision.version, "withdrawn_by": decision.decided_by,
        "withdrawn_at": decision.decided_at, "reason": decision.comment,
        "activity_requirement_met": standing.activity_requirement_met,
        "was_eligible": was_eligible})
    if was_eligible:
        log.warning("approval of activity %s withdrawn after student %s became eligible: "
                    "the certificate side is told", activity.activity_id, student.student_id)
    uow.commit()
    return {**_decision_view(decision), "activity_requirement_met": standing.activity_requirement_met,
            "was_eligible": was_eligible}


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
    _audit_decision(repo, decision)
    uow.publish(REPORT_DECISION_EVENTS[decision.decision], {
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
        "rule_set_version": standing.rule_set.version,
        "counted": [{"activity_id": a.activity_id, "title": a.title, "type": a.type_code,
                     "location": a.counted_location} for a in standing.counted],
        "missing": standing.missing,
    }


def audit_trail(uow, *, actor: dict, student_id: str) -> list[dict]:
    """The student's append-only log, oldest first: for them, their coordinators, admins."""
    repo = Repository(uow.session)
    domain.ensure_may_read_student(role=actor["role"], subject=actor["subject"],
                                   own_student_id=actor.get("student_id"),
                                   student=repo.student(student_id),
                                   coordinators=repo.coordinators(), today=utcnow().date())
    return [{"seq": e.seq, "at": e.at, "student_id": e.student_id, "actor": e.actor,
             "action": e.action, "item_kind": e.item_kind, "item_id": e.item_id,
             "version": e.version, "detail": e.detail} for e in repo.audit_trail(student_id)]


def funnel(uow, *, actor: dict, programme: str | None = None) -> list[dict]:
    """Per programme: how many reached each stage, and the median wait from the stage before."""
    repo = Repository(uow.session)
    covered = _covered(repo, actor)
    if programme is not None and covered is not None and programme not in covered:
        raise Forbidden("you do not cover this programme")
    programmes = sorted({programme} if programme else
                        (covered if covered is not None else repo.programme_codes()))
    rows = []
    for code in programmes:
        students = [s for s in repo.students(code) if s.status != domain.WITHDRAWN]
        ids = [s.student_id for s in students]
        journeys = {s.student_id: {"registered": s.registered_at} for s in students}
        for evaluation in repo.evaluations_of(ids):
            journeys[evaluation.student_id][evaluation.outcome] = evaluation.evaluated_at
        for student_id, at in repo.report_acceptances(ids).items():
            journeys[student_id]["report_accepted"] = at
        for presentation in repo.presentations_of(ids):
            journeys[presentation.student_id]["presented"] = presentation.recorded_at
        for certificate in repo.issued_certificates(ids):
            journeys[certificate.student_id]["certificate_issued"] = certificate.issued_at
        for journey in journeys.values():  # a student counts at a stage once they are registered
            if journey["registered"] is None:
                journey["registered"] = utcnow()  # (a copy from before the date was kept)
        rows += domain.funnel(code, list(journeys.values()))
    return rows


def alerts(uow, *, actor: dict) -> list[dict]:
    """Programmes nobody can decide for today, with the work waiting for them (admins only)."""
    if actor["role"] != "admin":
        raise Forbidden("alerts are for admins")
    repo = Repository(uow.session)
    today = utcnow().date()
    waiting: dict[str, list] = {}
    for item in _waiting_items(repo, None):
        waiting.setdefault(item["programme"], []).append(item["submitted_at"])
    return [{"kind": "no_coordinator_available", "programme": code,
             "waiting_items": len(waiting.get(code, [])),
             "oldest_waiting_since": min(waiting[code]) if waiting.get(code) else None,
             "marker": domain.ALERT_MARKER}
            for code in sorted(domain.uncovered_programmes(repo.programme_codes(),
                                                           repo.coordinators(), today))]


def coordinator_view(coordinator: domain.Coordinator) -> dict:
    leave = None
    if coordinator.on_leave:
        leave = {"from": coordinator.leave_from, "to": coordinator.leave_to,
                 "substitute": coordinator.substitute}
    return {"subject": coordinator.subject, "name": coordinator.name, "email": coordinator.email,
            "programmes": list(coordinator.programmes), "on_leave": coordinator.on_leave,
            "leave": leave}


def list_coordinators(uow, *, actor: dict) -> list[dict]:
    if actor["role"] != "admin":
        raise Forbidden("only an admin reads the coordinator directory")
    return [coordinator_view(c) for c in Repository(uow.session).coordinators()]


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
    repo.session.flush()
    today = utcnow().date()
    waiting = {item["programme"] for item in _waiting_items(repo, None)}
    for code in sorted(domain.uncovered_programmes(waiting, repo.coordinators(), today)):
        log.error("%s: programme %s has no available coordinator after the change to %s; "
                  "its work waits", domain.ALERT_MARKER, code, subject)
    uow.commit()
    return coordinator_view(coordinator)
