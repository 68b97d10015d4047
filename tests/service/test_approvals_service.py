"""Approvals with a real broker and database: copies fed by events, decisions by RPC, events out."""

import uuid

import pytest

from services.approvals.service import ApprovalsService
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    ACTIVITY_REJECTED,
    ACTIVITY_RESUBMITTED,
    ACTIVITY_SUBMITTED,
    CERTIFICATE_ISSUED,
    PRESENTATION_RECORDED,
    REPORT_ACCEPTED,
    REPORT_SUBMITTED,
    STUDENT_ACTIVITY_REQUIREMENT_MET,
    STUDENT_ELIGIBLE,
    STUDENT_REGISTERED,
    STUDENT_UPDATED,
)
from tests.builders import a_coordinator, a_programme, a_student, a_student_actor
from tests.builders.approvals import (
    a_certificate_issued_event,
    a_leave,
    a_presentation_event,
    a_report_event,
    an_activity_event,
    biomed,
    health,
    root,
)
from tests.helpers import EventTap, publish_event, rows, wait_until
from tests.service.conftest import call

BIOMED, HEALTH, ADMIN = biomed(), health(), root()
APPROVE = {"decision": "approved"}


@pytest.fixture
def approvals(start_service):
    return start_service(ApprovalsService)


@pytest.fixture
def tap(service_config):
    tap = EventTap(service_config["AMQP_URI"], [("approvals", "#")])
    yield tap
    tap.close()


def a_student_of(student_id: str) -> dict:
    """The student as a student actor (what the gateway sends for them)."""
    return a_student_actor(student_id).to_dict()


def register_student(amqp_uri, database_url, graduation="2027-06"):
    student_id = str(uuid.uuid4())
    publish_event(
        amqp_uri,
        STUDENT_REGISTERED,
        a_student(
            student_id=student_id,
            name="Karin Boye",
            email="karin@example.org",
            expected_graduation=graduation,
            language="sv",
        ),
        producer="registration",
    )
    wait_until(
        lambda: rows(database_url, "SELECT 1 FROM students WHERE student_id = :s", s=student_id),
        message="the student copy",
    )
    return student_id


def submit_activities(amqp_uri, database_url, student_id, kinds=("sweden", "abroad", "digital")):
    ids = []
    for age, kind in enumerate(kinds):
        event = an_activity_event(student_id, kind, age)
        publish_event(amqp_uri, ACTIVITY_SUBMITTED, event, producer="activities")
        ids.append(event["activity_id"])
    wait_until(
        lambda: rows(database_url, "SELECT count(*) FROM activities WHERE student_id = :s", s=student_id)[0][0]
        == len(kinds),
        message="the activity copies",
    )
    return ids


def test_the_right_coordinator_approves_three_and_the_requirement_is_met_once(
    approvals, service_config, database_url, tap
):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)

    items = call(approvals, "inbox", BIOMED)["items"]
    assert [item["id"] for item in items] == activity_ids  # oldest first
    assert items[0]["student_name"] == "Karin Boye" and items[0]["programme"] == "MBIOM"
    assert items[0]["waiting_seconds"] >= 10 * 3600 - 60
    assert call(approvals, "inbox", HEALTH)["items"] == []
    with pytest.raises(NotFound):  # another programme's activity: not theirs to know of
        call(approvals, "decide_activity", HEALTH, activity_ids[0], APPROVE)
    with pytest.raises(NotFound):
        call(approvals, "decide_activity", BIOMED, str(uuid.uuid4()), {"decision": "approved"})
    results = [call(approvals, "decide_activity", BIOMED, activity_id, APPROVE) for activity_id in activity_ids]
    assert [r["decision"] for r in results] == ["approved"] * 3
    assert results[0]["decided_by"] == "c-biomed" and results[0]["version"] == 1

    approved = tap.wait_for(ACTIVITY_APPROVED, count=3)
    assert {e["data"]["activity_id"] for e in approved} == set(activity_ids)
    met = tap.wait_for(STUDENT_ACTIVITY_REQUIREMENT_MET)[0]["data"]
    assert met["student_id"] == student_id and met["programme"] == "MBIOM"
    assert met["rule_set"] == "standard" and set(met["activity_ids"]) == set(activity_ids)
    with pytest.raises(AssertionError):
        tap.wait_for(STUDENT_ACTIVITY_REQUIREMENT_MET, count=2, timeout=1)
    assert rows(database_url, "SELECT count(*) FROM decisions WHERE student_id = :s", s=student_id)[0][0] == 3

    standing = call(approvals, "progress", a_student_of(student_id))
    assert standing["activity_requirement_met"] and not standing["eligible"]
    assert len(standing["counted"]) == 3
    assert standing["missing"][0] == {
        "en": "a final report accepted by your coordinator",
        "sv": "en slutrapport som din koordinator har godkänt",
    }


def test_eligible_is_published_exactly_once_even_when_the_presentation_arrives_twice(
    approvals, service_config, database_url, tap
):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    for activity_id in activity_ids:
        call(approvals, "decide_activity", BIOMED, activity_id, APPROVE)
    report = a_report_event(student_id)
    report_id = report["report_id"]
    publish_event(amqp, REPORT_SUBMITTED, report, producer="ceremony")
    wait_until(
        lambda: rows(database_url, "SELECT 1 FROM reports WHERE report_id = :r", r=report_id), message="the report copy"
    )
    assert [item["kind"] for item in call(approvals, "inbox", BIOMED)["items"]] == ["report"]
    with pytest.raises(Invalid, match="reason"):
        call(approvals, "decide_report", BIOMED, student_id, {"decision": "returned"})
    accepted = call(approvals, "decide_report", BIOMED, student_id, {"decision": "accepted"})
    assert accepted["report_id"] == report_id and accepted["decision"] == "accepted"
    with pytest.raises(Conflict):
        call(approvals, "decide_report", BIOMED, student_id, {"decision": "accepted"})
    assert tap.wait_for(REPORT_ACCEPTED)[0]["data"]["report_id"] == report_id

    presentation = a_presentation_event(student_id)
    event_id = str(uuid.uuid4())
    publish_event(amqp, PRESENTATION_RECORDED, presentation, producer="ceremony", event_id=event_id)
    publish_event(amqp, PRESENTATION_RECORDED, presentation, producer="ceremony", event_id=event_id)
    publish_event(amqp, PRESENTATION_RECORDED, presentation, producer="ceremony")  # re-recorded

    eligible = tap.wait_for(STUDENT_ELIGIBLE)[0]["data"]
    wait_until(
        lambda: rows(
            database_url, "SELECT count(*) FROM processed_events WHERE event_type = :t", t=PRESENTATION_RECORDED
        )[0][0]
        == 2,
        message="both distinct presentation events handled",
    )
    with pytest.raises(AssertionError):
        tap.wait_for(STUDENT_ELIGIBLE, count=2, timeout=2)
    assert eligible["student_id"] == student_id and eligible["name"] == "Karin Boye"
    assert eligible["programme"]["code"] == "MBIOM"
    assert (eligible["rule_set"], eligible["rule_set_version"]) == ("standard", 1)
    assert eligible["ceremony"] == {"ceremony_id": "cer-1", "date": "2027-05-20"}
    assert {a["activity_id"] for a in eligible["activities"]} == set(activity_ids)
    assert eligible["activities"][0]["activity_type"]["code"] == "conference"
    assert rows(
        database_url,
        "SELECT rule_set, rule_set_version FROM evaluations WHERE student_id = :s AND outcome = 'eligible'",
        s=student_id,
    ) == [("standard", 1)]


def test_rejection_without_reason_is_refused_and_a_decided_version_cannot_be_decided_again(
    approvals, service_config, database_url, tap
):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    first, second = submit_activities(amqp, database_url, student_id, kinds=("sweden", "abroad"))
    publish_event(
        amqp,
        ACTIVITY_RESUBMITTED,
        an_activity_event(student_id, "abroad", 1, activity_id=second, version=2),
        producer="activities",
    )
    wait_until(
        lambda: rows(database_url, "SELECT 1 FROM activities WHERE activity_id = :a AND version = 2", a=second),
        message="version 2",
    )
    with pytest.raises(Invalid, match="reason"):
        call(approvals, "decide_activity", BIOMED, first, {"decision": "rejected"})
    with pytest.raises(Invalid, match="reason"):
        call(approvals, "decide_activity", BIOMED, first, {"decision": "changes_requested", "comment": ""})
    with pytest.raises(Invalid, match="decision"):
        call(approvals, "decide_activity", BIOMED, first, {"decision": "maybe"})
    rejected = call(
        approvals, "decide_activity", ADMIN, first, {"decision": "rejected", "comment": "not international"}
    )
    assert rejected["comment"] == "not international" and rejected["decided_by"] == "root"
    with pytest.raises(Conflict):
        call(approvals, "decide_activity", BIOMED, first, APPROVE)
    with pytest.raises(Conflict, match="outdated"):
        call(approvals, "decide_activity", BIOMED, second, {"decision": "approved", "version": 1})
    event = tap.wait_for(ACTIVITY_REJECTED)[0]["data"]
    assert event["comment"] == "not international" and event["activity_id"] == first
    assert rows(database_url, "SELECT decision FROM decisions") == [("rejected",)]
    trail = [
        (r[0], r[1])
        for r in rows(database_url, "SELECT action, detail FROM audit_entries WHERE item_id = :a ORDER BY seq", a=first)
    ]
    assert trail == [
        ("activity_submitted", "conference: Conference sweden (sweden)"),
        ("activity_rejected", "not international"),
    ]
    with pytest.raises(Conflict):  # no report is pending
        call(approvals, "decide_report", BIOMED, student_id, {"decision": "accepted"})


def test_the_directory_is_seeded_and_changed_only_by_an_admin(approvals):
    assert call(approvals, "coordinator_programmes", "c-biomed") == ["BBIOM", "MBIOM"]
    assert call(approvals, "coordinator_programmes", "c-health-1") == ["MMEDS", "MPUBH"]
    assert call(approvals, "coordinator_programmes", "c-health-2") == []  # on leave: no work
    assert call(approvals, "coordinator_programmes", "c-nobody") == []
    with pytest.raises(Forbidden):
        call(approvals, "put_coordinator", BIOMED, "c-new", {"programmes": ["MBIOM"]})
    with pytest.raises(Invalid):
        call(approvals, "put_coordinator", ADMIN, "c-new", {"programmes": ["MBIOM"], "role": "admin"})
    coordinator = call(
        approvals,
        "put_coordinator",
        ADMIN,
        "c-health-1",
        {"programmes": ["MPUBH", "MMEDS"], "leave": a_leave(days_after=30, substitute="c-biomed")},
    )
    assert coordinator["on_leave"] and coordinator["leave"]["substitute"] == "c-biomed"
    assert coordinator["name"] == "Demo coordinator, Public Health and Medical Science"
    created = call(
        approvals, "put_coordinator", ADMIN, "c-new", {"programmes": ["BBIOM"], "name": "New", "email": "n@example.org"}
    )
    assert created == {
        "subject": "c-new",
        "name": "New",
        "email": "n@example.org",
        "programmes": ["BBIOM"],
        "on_leave": False,
        "leave": None,
    }
    assert call(approvals, "coordinator_programmes", "c-health-1") == []
    assert call(approvals, "coordinator_programmes", "c-biomed") == ["BBIOM", "MBIOM", "MMEDS", "MPUBH"]


# --- the coordinator's day, and taking an approval back ------------------------------------


def test_withdrawing_an_approval_after_eligibility_tells_the_certificate_side(
    approvals, service_config, database_url, tap
):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    for activity_id in activity_ids:
        call(approvals, "decide_activity", BIOMED, activity_id, APPROVE)
    publish_event(amqp, REPORT_SUBMITTED, a_report_event(student_id), producer="ceremony")
    wait_until(
        lambda: rows(database_url, "SELECT 1 FROM reports WHERE student_id = :s", s=student_id),
        message="the report copy",
    )
    call(approvals, "decide_report", BIOMED, student_id, {"decision": "accepted"})
    publish_event(amqp, PRESENTATION_RECORDED, a_presentation_event(student_id), producer="ceremony")
    tap.wait_for(STUDENT_ELIGIBLE)

    with pytest.raises(NotFound):  # another programme's activity: not theirs to know of
        call(approvals, "withdraw_approval", HEALTH, activity_ids[0], {"reason": "not theirs to take back"})
    with pytest.raises(Invalid, match="reason"):
        call(approvals, "withdraw_approval", BIOMED, activity_ids[0], {"reason": " "})
    result = call(
        approvals, "withdraw_approval", BIOMED, activity_ids[0], {"reason": "the conference never took place"}
    )
    with pytest.raises(Conflict):
        call(approvals, "withdraw_approval", BIOMED, activity_ids[0], {"reason": "twice"})
    assert result["was_eligible"] and not result["activity_requirement_met"]
    event = tap.wait_for(ACTIVITY_APPROVAL_WITHDRAWN)[0]["data"]
    assert event == {
        "activity_id": activity_ids[0],
        "student_id": student_id,
        "version": 1,
        "withdrawn_by": "c-biomed",
        "withdrawn_at": event["withdrawn_at"],
        "reason": "the conference never took place",
        "activity_requirement_met": False,
        "was_eligible": True,
    }
    standing = call(approvals, "progress", a_student_of(student_id))
    assert not standing["activity_requirement_met"] and len(standing["counted"]) == 2
    assert (standing["rule_set"], standing["rule_set_version"]) == ("standard", 1)
    # the rule set that decided eligibility stays stored with it; the lapsed requirement is
    # forgotten (so that meeting it again is announced again) and kept in the audit trail
    assert sorted(
        rows(
            database_url,
            "SELECT outcome, rule_set, rule_set_version FROM evaluations WHERE student_id = :s",
            s=student_id,
        )
    ) == [("eligible", "standard", 1)]
    actions = [e["action"] for e in call(approvals, "audit_trail", ADMIN, student_id)["items"]]
    first = call(approvals, "audit_trail", ADMIN, student_id, {"limit": 2})
    rest = call(approvals, "audit_trail", ADMIN, student_id, {"cursor": first["next_cursor"]})
    assert [e["action"] for e in first["items"] + rest["items"]] == actions
    assert actions[-2:] == ["activity_approval_withdrawn", "requirement_lapsed"]
    assert actions[:4] == ["registered", "activity_submitted", "activity_submitted", "activity_submitted"]
    assert {"activity_requirement_met", "eligible", "report_accepted", "presentation_recorded"} <= set(actions)
    with pytest.raises(NotFound):  # another programme's student: not theirs to know of
        call(approvals, "audit_trail", HEALTH, student_id)
    with pytest.raises(NotFound):
        call(approvals, "audit_trail", a_student_of("someone-else"), student_id)


def test_bulk_approval_gives_a_result_per_item_and_one_failure_stops_nothing(
    approvals, service_config, database_url, tap
):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    first, second = submit_activities(amqp, database_url, student_id, kinds=("sweden", "abroad"))
    with pytest.raises(Invalid):  # only approval goes in bulk: the others need a reason each
        call(approvals, "bulk_decide", BIOMED, {"decision": "rejected", "items": [{"activity_id": first}]})
    result = call(
        approvals,
        "bulk_decide",
        BIOMED,
        {
            "decision": "approved",
            "items": [
                {"activity_id": first},
                {"activity_id": "no-such-activity"},
                {"activity_id": second, "version": 7},
                {"activity_id": first},
            ],
        },
    )
    outsider = call(approvals, "bulk_decide", HEALTH, {"decision": "approved", "items": [{"activity_id": second}]})
    assert [(r["activity_id"], r["ok"], r["status"], r["error"]) for r in result["results"]] == [
        (first, True, 200, None),
        ("no-such-activity", False, 404, "not-found"),
        (second, False, 409, "conflict"),
        (first, False, 409, "conflict"),
    ]
    assert outsider["results"][0]["status"] == 404  # another programme's: not theirs to know of
    assert [e["data"]["activity_id"] for e in tap.wait_for(ACTIVITY_APPROVED)] == [first]
    assert [i["id"] for i in call(approvals, "inbox", BIOMED)["items"]] == [second]


def test_nobody_available_raises_an_alert_and_the_work_waits_for_whoever_covers_next(
    approvals, service_config, database_url, caplog
):
    amqp = service_config["AMQP_URI"]
    call(approvals, "put_coordinator", ADMIN, "c-biomed", {"programmes": ["BBIOM", "MBIOM"], "leave": a_leave()})
    student_id = register_student(amqp, database_url)
    [activity_id] = submit_activities(amqp, database_url, student_id, kinds=("abroad",))
    wait_until(
        lambda: "CIM-ALERT no-coordinator-available" in caplog.text and "MBIOM" in caplog.text,
        message="the ERROR line with its marker",
    )
    assert any(r.levelname == "ERROR" and "CIM-ALERT" in r.getMessage() for r in caplog.records)
    with pytest.raises(Forbidden):
        call(approvals, "alerts", BIOMED)
    found = {a["programme"]: a for a in call(approvals, "alerts", ADMIN)}
    assert found["MBIOM"]["waiting_items"] == 1 and found["BBIOM"]["waiting_items"] == 0
    assert call(approvals, "inbox", BIOMED)["items"] == []  # on leave: no new work
    # nothing is lost
    assert [i["id"] for i in call(approvals, "inbox", ADMIN)["items"]] == [activity_id]
    call(approvals, "put_coordinator", ADMIN, "c-stand-in", {"programmes": []})
    call(
        approvals,
        "put_coordinator",
        ADMIN,
        "c-biomed",
        {"programmes": ["BBIOM", "MBIOM"], "leave": a_leave(substitute="c-stand-in")},
    )
    stand_in = a_coordinator(subject="c-stand-in", programmes=()).to_dict()
    assert [i["id"] for i in call(approvals, "inbox", stand_in)["items"]] == [activity_id]
    assert call(approvals, "alerts", ADMIN) == []


def test_a_programme_change_moves_undecided_items_to_the_new_coordinators(approvals, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    [activity_id] = submit_activities(amqp, database_url, student_id, kinds=("abroad",))
    moved = a_student(
        student_id=student_id,
        name="Karin Boye",
        email="karin@example.org",
        programme=a_programme("MPUBH"),
        language="sv",
        updated_at=utcnow(),
    )
    del moved["registered_at"]  # student.updated.v1 says when it changed instead
    publish_event(amqp, STUDENT_UPDATED, moved, producer="registration")
    wait_until(
        lambda: rows(database_url, "SELECT programme_code FROM students WHERE student_id = :s", s=student_id)
        == [("MPUBH",)],
        message="the new programme",
    )
    assert call(approvals, "inbox", BIOMED)["items"] == []
    assert [i["id"] for i in call(approvals, "inbox", HEALTH, {"programme": "MPUBH"})["items"]] == [activity_id]
    with pytest.raises(NotFound):  # no longer their programme's: not theirs to know of
        call(approvals, "decide_activity", BIOMED, activity_id, APPROVE)
    call(approvals, "decide_activity", HEALTH, activity_id, APPROVE)
    assert rows(database_url, "SELECT detail FROM audit_entries WHERE action = 'programme_changed'") == [
        ("MBIOM -> MPUBH; 1 undecided item(s) now wait for MPUBH's coordinators",)
    ]


def test_the_funnel_follows_students_to_their_certificate(approvals, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    register_student(amqp, database_url)
    for activity_id in activity_ids:
        call(approvals, "decide_activity", BIOMED, activity_id, APPROVE)
    publish_event(amqp, CERTIFICATE_ISSUED, a_certificate_issued_event(student_id), producer="certificates")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM issued_certificates"), message="the issued certificate")
    counts = {r["stage"]: r["count"] for r in call(approvals, "funnel", BIOMED, {"programme": "MBIOM"})}
    with pytest.raises(Forbidden):
        call(approvals, "funnel", HEALTH, {"programme": "MBIOM"})
    assert {r["programme"] for r in call(approvals, "funnel", HEALTH)} == {"MMEDS", "MPUBH"}
    assert counts == {
        "registered": 2,
        "activity_requirement_met": 1,
        "report_accepted": 0,
        "presented": 0,
        "eligible": 0,
        "certificate_issued": 1,
    }


def test_a_requirement_that_lapsed_is_announced_again_when_it_is_met_again(
    approvals, service_config, database_url, tap
):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    for activity_id in activity_ids:
        call(approvals, "decide_activity", BIOMED, activity_id, APPROVE)
    first = tap.wait_for(STUDENT_ACTIVITY_REQUIREMENT_MET)[0]["data"]
    assert (first["rule_set"], first["rule_set_version"]) == ("standard", 1)

    call(approvals, "withdraw_approval", BIOMED, activity_ids[1], {"reason": "the exchange was cancelled"})
    assert tap.wait_for(ACTIVITY_APPROVAL_WITHDRAWN)[0]["data"]["activity_requirement_met"] is False
    with pytest.raises(AssertionError):  # losing it is not announced as meeting it
        tap.wait_for(STUDENT_ACTIVITY_REQUIREMENT_MET, count=2, timeout=1)

    event = an_activity_event(student_id, "abroad", 5)
    replacement = event["activity_id"]
    publish_event(amqp, ACTIVITY_SUBMITTED, event, producer="activities")
    wait_until(
        lambda: rows(database_url, "SELECT 1 FROM activities WHERE activity_id = :a", a=replacement),
        message="the replacement's copy",
    )
    call(approvals, "decide_activity", BIOMED, replacement, APPROVE)
    again = tap.wait_for(STUDENT_ACTIVITY_REQUIREMENT_MET, count=2)[1]["data"]
    assert replacement in again["activity_ids"] and activity_ids[1] not in again["activity_ids"]


def test_the_coordinator_reads_the_activity_and_its_decisions_before_deciding(approvals, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    [activity_id] = submit_activities(amqp, database_url, student_id, kinds=("abroad",))
    with pytest.raises(NotFound):  # covers other programmes: not theirs to know of
        call(approvals, "get_activity", HEALTH, activity_id)
    with pytest.raises(NotFound):
        call(approvals, "get_activity", BIOMED, "no-such-activity")
    seen = call(approvals, "get_activity", BIOMED, activity_id)
    assert (seen["title"], seen["description"], seen["location"]["country"]) == (
        "Conference abroad",
        "I presented.",
        "DE",
    )
    assert seen["student_name"] == "Karin Boye" and seen["decisions"] == []
    call(
        approvals,
        "decide_activity",
        BIOMED,
        activity_id,
        {"decision": "changes_requested", "comment": "Add the programme."},
    )
    [decision] = call(approvals, "get_activity", ADMIN, activity_id)["decisions"]
    assert (decision["version"], decision["decision"], decision["comment"], decision["decided_by"]) == (
        1,
        "changes_requested",
        "Add the programme.",
        "c-biomed",
    )
