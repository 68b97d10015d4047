"""Approvals' use cases on a fake unit of work: what they keep, publish and refuse, in milliseconds."""

import pytest

from services.approvals.domain.coordinators import Coordinator
from services.approvals.domain.statuses import APPROVED, PENDING
from services.approvals.handlers import consumers, decisions, queries
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    REPORT_ACCEPTED,
    STUDENT_ACTIVITY_REQUIREMENT_MET,
    STUDENT_ELIGIBLE,
)
from shared.rpc.approvals import ActivityDecision, ApprovalWithdrawal, BulkItem, InboxFilter, ReportDecision
from tests.builders import a_coordinator, a_programme, a_student, a_student_actor, an_admin
from tests.builders.approvals import BIOMED, HEALTH, a_presentation_event, a_report_event, an_activity_event
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.approvals import FakeApprovalsRepository

APPROVE = ActivityDecision(decision=APPROVED)


def directory():
    # fresh objects per test: domain classes are mapped by the ORM once orm.py is imported
    return [
        Coordinator(BIOMED, "Biomedicine", None, ["BBIOM", "MBIOM"]),
        Coordinator(HEALTH, "Health", None, ["MMEDS", "MPUBH"]),
    ]


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeApprovalsRepository(directory()), producer="approvals")


def biomed():
    return a_coordinator(subject=BIOMED, programmes=())


def health():
    return a_coordinator(subject=HEALTH, programmes=())


def consume(uow, handler, data):
    with uow:
        handler(uow, data)


def registered(uow, **overrides) -> str:
    student = a_student(**overrides)
    consume(uow, consumers.record_student, student)
    return student["student_id"]


def submitted(uow, student_id, *kinds) -> list[str]:
    events = [an_activity_event(student_id, kind, age) for age, kind in enumerate(kinds)]
    for event in events:
        consume(uow, consumers.record_activity, event)
    return [event["activity_id"] for event in events]


def decide(uow, activity_id, actor=None, request=APPROVE):
    with uow:
        return decisions.decide_activity(uow, actor=actor or biomed(), activity_id=activity_id, request=request)


def test_a_registered_student_is_kept_with_a_line_in_the_audit_trail(uow):
    student_id = registered(uow)
    assert uow.repo.student(student_id).programme_code == "MBIOM"
    assert [e.action for e in uow.repo.audit_trail(student_id)] == ["registered"]
    assert uow.published == []


def test_an_activity_waits_for_a_decision_and_an_older_version_changes_nothing(uow):
    student_id = registered(uow)
    newer = an_activity_event(student_id, version=2, title="v2")
    consume(uow, consumers.record_activity, newer)
    consume(uow, consumers.record_activity, {**newer, "version": 1, "title": "v1"})
    activity = uow.repo.activity(newer["activity_id"])
    assert (activity.version, activity.title, activity.status) == (2, "v2", PENDING)
    assert [e.action for e in uow.repo.audit_trail(student_id)] == ["registered", "activity_resubmitted"]


def test_approving_publishes_the_approval_and_the_requirement_once_it_is_met(uow):
    student_id = registered(uow)
    activity_ids = submitted(uow, student_id, "sweden", "abroad", "digital")
    decision = decide(uow, activity_ids[0])
    assert (decision.decision, decision.decided_by, decision.version) == (APPROVED, BIOMED, 1)
    assert uow.committed and uow.types_published() == [ACTIVITY_APPROVED]
    for activity_id in activity_ids[1:]:
        decide(uow, activity_id)
    assert uow.types_published() == [ACTIVITY_APPROVED] * 3 + [STUDENT_ACTIVITY_REQUIREMENT_MET]
    met = uow.published[-1]["data"]
    assert met["student_id"] == student_id and set(met["activity_ids"]) == set(activity_ids)
    assert met["rule_set"] == "standard"


def test_a_stale_version_is_a_conflict_and_publishes_nothing(uow):
    student_id = registered(uow)
    [activity_id] = submitted(uow, student_id, "abroad")
    with pytest.raises(Conflict, match="outdated"):
        decide(uow, activity_id, request=ActivityDecision(decision=APPROVED, version=7))
    assert uow.rolled_back and uow.published == []
    assert uow.repo.activity(activity_id).status == PENDING and uow.repo.decisions == []


def test_deciding_a_version_twice_is_a_conflict(uow):
    [activity_id] = submitted(uow, registered(uow), "abroad")
    decide(uow, activity_id)
    with pytest.raises(Conflict):
        decide(uow, activity_id, actor=an_admin())
    assert uow.types_published() == [ACTIVITY_APPROVED]


def test_another_programmes_coordinator_does_not_learn_the_item_exists(uow):
    student_id = registered(uow)
    [activity_id] = submitted(uow, student_id, "abroad")
    # the caller's word for their programmes counts for nothing: approvals' directory decides
    claims_biomed = a_coordinator(subject=HEALTH, programmes=("MBIOM",))
    for actor in (health(), claims_biomed):
        with pytest.raises(NotFound):
            decide(uow, activity_id, actor=actor)
        with pytest.raises(NotFound):
            with uow:
                queries.get_activity(uow, actor=actor, activity_id=activity_id)
        with pytest.raises(NotFound):
            with uow:
                queries.audit_trail(uow, actor=actor, student_id=student_id)
    with pytest.raises(Forbidden):  # a role that never decides is refused as such
        decide(uow, activity_id, actor=a_student_actor(student_id))
    assert uow.published == []


def test_the_inbox_shows_the_callers_programmes_oldest_first(uow):
    student_id = registered(uow)
    other = registered(uow, programme=a_programme("MPUBH"))
    activity_ids = submitted(uow, student_id, "sweden", "abroad")
    submitted(uow, other, "abroad")
    with uow:
        page = queries.inbox(uow, actor=biomed())
    assert [i["id"] for i in page["items"]] == activity_ids and page["next_cursor"] is None
    assert page["items"][0]["status"] == "new" and page["items"][0]["waiting_seconds"] > 0
    with uow:
        assert len(queries.inbox(uow, actor=an_admin())["items"]) == 3
    with uow:
        first = queries.inbox(uow, actor=an_admin(), query=InboxFilter(limit=2))
        rest = queries.inbox(uow, actor=an_admin(), query=InboxFilter(cursor=first["next_cursor"]))
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    with uow:
        mine = queries.inbox(uow, actor=an_admin(), query=InboxFilter(student=other))
    assert [i["student_id"] for i in mine["items"]] == [other]
    with pytest.raises(Forbidden):
        with uow:
            queries.inbox(uow, actor=a_student_actor(student_id))


def test_a_report_is_accepted_and_then_eligibility_follows_the_presentation(uow):
    student_id = registered(uow)
    for activity_id in submitted(uow, student_id, "sweden", "abroad", "digital"):
        decide(uow, activity_id)
    report = a_report_event(student_id)
    consume(uow, consumers.record_report, report)
    with pytest.raises(Invalid, match="reason"):
        with uow:
            decisions.decide_report(
                uow, actor=biomed(), student_id=student_id, request=ReportDecision(decision="returned")
            )
    with uow:
        accepted = decisions.decide_report(
            uow, actor=biomed(), student_id=student_id, request=ReportDecision(decision="accepted")
        )
    assert accepted.item_id == report["report_id"]
    assert uow.types_published()[-1] == REPORT_ACCEPTED
    consume(uow, consumers.record_presentation, a_presentation_event(student_id))
    consume(uow, consumers.record_presentation, a_presentation_event(student_id))
    assert uow.types_published().count(STUDENT_ELIGIBLE) == 1
    with uow:
        assert queries.progress(uow, actor=a_student_actor(student_id)).eligible


def test_withdrawing_an_approval_lets_the_requirement_lapse_and_says_so(uow):
    student_id = registered(uow)
    activity_ids = submitted(uow, student_id, "sweden", "abroad", "digital")
    for activity_id in activity_ids:
        decide(uow, activity_id)
    with uow:
        result = decisions.withdraw_approval(
            uow, actor=biomed(), activity_id=activity_ids[1], request=ApprovalWithdrawal("cancelled")
        )
    assert (result.decision, result.comment, result.activity_requirement_met, result.was_eligible) == (
        "approval_withdrawn",
        "cancelled",
        False,
        False,
    )
    assert uow.types_published()[-1] == ACTIVITY_APPROVAL_WITHDRAWN
    assert uow.repo.evaluations == []  # meeting it again will be announced again
    assert [e.action for e in uow.repo.audit_trail(student_id)][-2:] == [
        "activity_approval_withdrawn",
        "requirement_lapsed",
    ]


def test_a_bulk_items_refusal_carries_the_errors_own_status_and_code():
    item = BulkItem(activity_id="a-1", version=2)
    assert decisions.bulk_item_result(item, refusal=NotFound("no such activity")) == {
        "activity_id": "a-1",
        "ok": False,
        "status": 404,
        "error": "not-found",
        "decision": None,
        "version": 2,
        "detail": "no such activity",
    }
    assert decisions.bulk_item_result(item, refusal=Conflict())["detail"] is None
