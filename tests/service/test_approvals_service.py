"""Approvals with a real broker and database: copies fed by events, decisions by RPC, events out."""
import uuid
from datetime import date, timedelta

import pytest
from nameko.testing.services import entrypoint_hook

from services.approvals.service import ApprovalsService
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from tests.helpers import EventTap, migrate, publish_event, rows, wait_until

BIOMED = {"issuer": "cim-dev", "subject": "c-biomed", "role": "coordinator"}
HEALTH = {"issuer": "cim-dev", "subject": "c-health-1", "role": "coordinator"}
ADMIN = {"issuer": "cim-dev", "subject": "root", "role": "admin"}
CONFERENCE = {"code": "conference", "name_en": "International conference or workshop",
              "name_sv": "Internationell konferens eller workshop", "sessions_required": 1,
              "supplement_en": "an international conference",
              "supplement_sv": "en internationell konferens"}


@pytest.fixture
def approvals(container_factory, service_config, database_url):
    migrate("approvals", database_url)
    container = container_factory(ApprovalsService, service_config)
    container.start()
    return container


@pytest.fixture
def tap(service_config):
    tap = EventTap(service_config["AMQP_URI"], [("approvals", "#")])
    yield tap
    tap.close()


def register_student(amqp_uri, database_url, graduation="2027-06"):
    student_id = str(uuid.uuid4())
    publish_event(amqp_uri, "student.registered.v1", {
        "student_id": student_id, "name": "Karin Boye", "email": "karin@example.org",
        "programme": {"code": "MBIOM", "name_en": "Master's programme in Biomedicine",
                      "name_sv": "Masterprogram i biomedicin"},
        "expected_graduation": graduation, "language": "sv", "registered_at": utcnow(),
    }, producer="registration")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM students WHERE student_id = :s", s=student_id),
               message="the student copy")
    return student_id


def activity_data(activity_id, student_id, kind, age, version=1):
    return {
        "activity_id": activity_id, "student_id": student_id, "version": version,
        "activity_type": CONFERENCE, "title": f"Conference {kind}", "description": "I presented.",
        "location": {"kind": kind, "country": {"sweden": "SE", "abroad": "DE"}.get(kind)},
        "start_date": date(2026, 3, 1 + age), "end_date": date(2026, 3, 2 + age), "sessions": [],
        "submitted_at": utcnow() - timedelta(hours=10 - age),
    }


def submit_activities(amqp_uri, database_url, student_id, kinds=("sweden", "abroad", "digital")):
    ids = []
    for age, kind in enumerate(kinds):
        activity_id = str(uuid.uuid4())
        publish_event(amqp_uri, "activity.submitted.v1",
                      activity_data(activity_id, student_id, kind, age), producer="activities")
        ids.append(activity_id)
    wait_until(lambda: rows(database_url, "SELECT count(*) FROM activities WHERE student_id = :s",
                            s=student_id)[0][0] == len(kinds), message="the activity copies")
    return ids


def test_the_right_coordinator_approves_three_and_the_requirement_is_met_once(
        approvals, service_config, database_url, tap):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)

    with entrypoint_hook(approvals, "inbox") as inbox:
        items = inbox(BIOMED)["items"]
        assert [item["id"] for item in items] == activity_ids  # oldest first
        assert items[0]["student_name"] == "Karin Boye" and items[0]["programme"] == "MBIOM"
        assert items[0]["waiting_seconds"] >= 10 * 3600 - 60
        assert inbox(HEALTH)["items"] == []
    with entrypoint_hook(approvals, "decide_activity") as decide:
        with pytest.raises(Forbidden):
            decide(HEALTH, activity_ids[0], {"decision": "approved"})
        with pytest.raises(NotFound):
            decide(BIOMED, str(uuid.uuid4()), {"decision": "approved"})
        results = [decide(BIOMED, activity_id, {"decision": "approved"}) for activity_id in activity_ids]
    assert [r["decision"] for r in results] == ["approved"] * 3
    assert results[0]["decided_by"] == "c-biomed" and results[0]["version"] == 1

    approved = tap.wait_for("activity.approved.v1", count=3)
    assert {e["data"]["activity_id"] for e in approved} == set(activity_ids)
    met = tap.wait_for("student.activity_requirement_met.v1")[0]["data"]
    assert met["student_id"] == student_id and met["programme"] == "MBIOM"
    assert met["rule_set"] == "standard" and set(met["activity_ids"]) == set(activity_ids)
    with pytest.raises(AssertionError):
        tap.wait_for("student.activity_requirement_met.v1", count=2, timeout=1)
    assert rows(database_url, "SELECT count(*) FROM decisions WHERE student_id = :s",
                s=student_id)[0][0] == 3

    with entrypoint_hook(approvals, "progress") as progress:
        standing = progress({"issuer": "cim-dev", "subject": "s-1", "role": "student",
                             "student_id": student_id})
    assert standing["activity_requirement_met"] and not standing["eligible"]
    assert len(standing["counted"]) == 3
    assert standing["missing"][0] == {"en": "a final report accepted by your coordinator",
                                      "sv": "en slutrapport som din koordinator har godkänt"}


def test_eligible_is_published_exactly_once_even_when_the_presentation_arrives_twice(
        approvals, service_config, database_url, tap):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    with entrypoint_hook(approvals, "decide_activity") as decide:
        for activity_id in activity_ids:
            decide(BIOMED, activity_id, {"decision": "approved"})
    report_id = str(uuid.uuid4())
    publish_event(amqp, "report.submitted.v1", {
        "student_id": student_id, "report_id": report_id, "filename": "report.pdf", "size": 1234,
        "sha256": "0" * 64, "submitted_at": utcnow()}, producer="ceremony")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM reports WHERE report_id = :r", r=report_id),
               message="the report copy")
    with entrypoint_hook(approvals, "inbox") as inbox:
        assert [item["kind"] for item in inbox(BIOMED)["items"]] == ["report"]
    with entrypoint_hook(approvals, "decide_report") as decide_report:
        with pytest.raises(Invalid, match="reason"):
            decide_report(BIOMED, student_id, {"decision": "returned"})
        accepted = decide_report(BIOMED, student_id, {"decision": "accepted"})
        assert accepted["report_id"] == report_id and accepted["decision"] == "accepted"
        with pytest.raises(Conflict):
            decide_report(BIOMED, student_id, {"decision": "accepted"})
    assert tap.wait_for("report.accepted.v1")[0]["data"]["report_id"] == report_id

    presentation = {"student_id": student_id, "ceremony_id": "cer-1",
                    "ceremony_date": date(2027, 5, 20), "recorded_by": "c-biomed",
                    "recorded_at": utcnow()}
    event_id = str(uuid.uuid4())
    publish_event(amqp, "presentation.recorded.v1", presentation, producer="ceremony", event_id=event_id)
    publish_event(amqp, "presentation.recorded.v1", presentation, producer="ceremony", event_id=event_id)
    publish_event(amqp, "presentation.recorded.v1", presentation, producer="ceremony")  # re-recorded

    eligible = tap.wait_for("student.eligible.v1")[0]["data"]
    wait_until(lambda: rows(database_url, "SELECT count(*) FROM processed_events "
                                          "WHERE event_type = 'presentation.recorded.v1'")[0][0] == 2,
               message="both distinct presentation events handled")
    with pytest.raises(AssertionError):
        tap.wait_for("student.eligible.v1", count=2, timeout=2)
    assert eligible["student_id"] == student_id and eligible["name"] == "Karin Boye"
    assert eligible["programme"]["code"] == "MBIOM"
    assert (eligible["rule_set"], eligible["rule_set_version"]) == ("standard", 1)
    assert eligible["ceremony"] == {"ceremony_id": "cer-1", "date": "2027-05-20"}
    assert {a["activity_id"] for a in eligible["activities"]} == set(activity_ids)
    assert eligible["activities"][0]["activity_type"]["code"] == "conference"
    assert rows(database_url, "SELECT rule_set, rule_set_version FROM evaluations "
                              "WHERE student_id = :s AND outcome = 'eligible'", s=student_id) == [
        ("standard", 1)]


def test_rejection_without_reason_is_refused_and_a_decided_version_cannot_be_decided_again(
        approvals, service_config, database_url, tap):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    first, second = submit_activities(amqp, database_url, student_id, kinds=("sweden", "abroad"))
    publish_event(amqp, "activity.resubmitted.v1",
                  activity_data(second, student_id, "abroad", 1, version=2), producer="activities")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM activities WHERE activity_id = :a "
                                          "AND version = 2", a=second), message="version 2")
    with entrypoint_hook(approvals, "decide_activity") as decide:
        with pytest.raises(Invalid, match="reason"):
            decide(BIOMED, first, {"decision": "rejected"})
        with pytest.raises(Invalid, match="reason"):
            decide(BIOMED, first, {"decision": "changes_requested", "comment": ""})
        with pytest.raises(Invalid, match="decision"):
            decide(BIOMED, first, {"decision": "maybe"})
        rejected = decide(ADMIN, first, {"decision": "rejected", "comment": "not international"})
        assert rejected["comment"] == "not international" and rejected["decided_by"] == "root"
        with pytest.raises(Conflict):
            decide(BIOMED, first, {"decision": "approved"})
        with pytest.raises(Conflict, match="outdated"):
            decide(BIOMED, second, {"decision": "approved", "version": 1})
    event = tap.wait_for("activity.rejected.v1")[0]["data"]
    assert event["comment"] == "not international" and event["activity_id"] == first
    assert rows(database_url, "SELECT decision FROM decisions") == [("rejected",)]
    trail = [(r[0], r[1]) for r in rows(database_url, "SELECT action, detail FROM audit_entries "
                                                      "WHERE item_id = :a ORDER BY seq", a=first)]
    assert trail == [("activity_submitted", "conference: Conference sweden (sweden)"),
                     ("activity_rejected", "not international")]
    with entrypoint_hook(approvals, "decide_report") as decide_report:
        with pytest.raises(Conflict):  # no report is pending
            decide_report(BIOMED, student_id, {"decision": "accepted"})


def test_the_directory_is_seeded_and_changed_only_by_an_admin(approvals):
    with entrypoint_hook(approvals, "coordinator_programmes") as programmes:
        assert programmes("c-biomed") == ["BBIOM", "MBIOM"]
        assert programmes("c-health-1") == ["MMEDS", "MPUBH"]
        assert programmes("c-health-2") == []  # on leave: no work
        assert programmes("c-nobody") == []
    with entrypoint_hook(approvals, "put_coordinator") as put:
        with pytest.raises(Forbidden):
            put(BIOMED, "c-new", {"programmes": ["MBIOM"]})
        with pytest.raises(Invalid):
            put(ADMIN, "c-new", {"programmes": ["MBIOM"], "role": "admin"})
        today = date.today()
        coordinator = put(ADMIN, "c-health-1", {
            "programmes": ["MPUBH", "MMEDS"],
            "leave": {"from": (today - timedelta(days=1)).isoformat(),
                      "to": (today + timedelta(days=30)).isoformat(), "substitute": "c-biomed"}})
        assert coordinator["on_leave"] and coordinator["leave"]["substitute"] == "c-biomed"
        assert coordinator["name"] == "Demo coordinator, Public Health and Medical Science"
        created = put(ADMIN, "c-new", {"programmes": ["BBIOM"], "name": "New", "email": "n@example.org"})
        assert created == {"subject": "c-new", "name": "New", "email": "n@example.org",
                           "programmes": ["BBIOM"], "on_leave": False, "leave": None}
    with entrypoint_hook(approvals, "coordinator_programmes") as programmes:
        assert programmes("c-health-1") == []
        assert programmes("c-biomed") == ["BBIOM", "MBIOM", "MMEDS", "MPUBH"]


# --- the coordinator's day, and taking an approval back ------------------------------------

def test_withdrawing_an_approval_after_eligibility_tells_the_certificate_side(
        approvals, service_config, database_url, tap):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    with entrypoint_hook(approvals, "decide_activity") as decide:
        for activity_id in activity_ids:
            decide(BIOMED, activity_id, {"decision": "approved"})
    publish_event(amqp, "report.submitted.v1", {
        "student_id": student_id, "report_id": "r-1", "filename": "report.pdf", "size": 1,
        "sha256": "0" * 64, "submitted_at": utcnow()}, producer="ceremony")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM reports WHERE student_id = :s",
                            s=student_id), message="the report copy")
    with entrypoint_hook(approvals, "decide_report") as decide_report:
        decide_report(BIOMED, student_id, {"decision": "accepted"})
    publish_event(amqp, "presentation.recorded.v1", {
        "student_id": student_id, "ceremony_id": "cer-1", "ceremony_date": date(2027, 5, 20),
        "recorded_by": "c-biomed", "recorded_at": utcnow()}, producer="ceremony")
    tap.wait_for("student.eligible.v1")

    with entrypoint_hook(approvals, "withdraw_approval") as withdraw:
        with pytest.raises(Forbidden):
            withdraw(HEALTH, activity_ids[0], {"reason": "not theirs to take back"})
        with pytest.raises(Invalid, match="reason"):
            withdraw(BIOMED, activity_ids[0], {"reason": " "})
        result = withdraw(BIOMED, activity_ids[0], {"reason": "the conference never took place"})
        with pytest.raises(Conflict):
            withdraw(BIOMED, activity_ids[0], {"reason": "twice"})
    assert result["was_eligible"] and not result["activity_requirement_met"]
    event = tap.wait_for("activity.approval_withdrawn.v1")[0]["data"]
    assert event == {"activity_id": activity_ids[0], "student_id": student_id, "version": 1,
                     "withdrawn_by": "c-biomed", "withdrawn_at": event["withdrawn_at"],
                     "reason": "the conference never took place",
                     "activity_requirement_met": False, "was_eligible": True}
    with entrypoint_hook(approvals, "progress") as progress:
        standing = progress({"issuer": "cim-dev", "subject": "s", "role": "student",
                             "student_id": student_id})
    assert not standing["activity_requirement_met"] and len(standing["counted"]) == 2
    assert (standing["rule_set"], standing["rule_set_version"]) == ("standard", 1)
    # the rule set that decided eligibility stays stored with it; the lapsed requirement is
    # forgotten (so that meeting it again is announced again) and kept in the audit trail
    assert sorted(rows(database_url, "SELECT outcome, rule_set, rule_set_version FROM evaluations "
                                     "WHERE student_id = :s", s=student_id)) == [
        ("eligible", "standard", 1)]
    with entrypoint_hook(approvals, "audit_trail") as audit_trail:
        actions = [e["action"] for e in audit_trail(ADMIN, student_id)]
        assert actions[-2:] == ["activity_approval_withdrawn", "requirement_lapsed"]
        assert actions[:4] == ["registered", "activity_submitted", "activity_submitted",
                               "activity_submitted"]
        assert {"activity_requirement_met", "eligible", "report_accepted",
                "presentation_recorded"} <= set(actions)
        with pytest.raises(Forbidden):
            audit_trail(HEALTH, student_id)
        with pytest.raises(NotFound):
            audit_trail({"issuer": "cim-dev", "subject": "x", "role": "student",
                         "student_id": "someone-else"}, student_id)


def test_bulk_approval_gives_a_result_per_item_and_one_failure_stops_nothing(
        approvals, service_config, database_url, tap):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    first, second = submit_activities(amqp, database_url, student_id, kinds=("sweden", "abroad"))
    with entrypoint_hook(approvals, "bulk_decide") as bulk:
        with pytest.raises(Invalid):  # only approval goes in bulk: the others need a reason each
            bulk(BIOMED, {"decision": "rejected", "items": [{"activity_id": first}]})
        result = bulk(BIOMED, {"decision": "approved", "items": [
            {"activity_id": first}, {"activity_id": "no-such-activity"},
            {"activity_id": second, "version": 7}, {"activity_id": first}]})
        outsider = bulk(HEALTH, {"decision": "approved", "items": [{"activity_id": second}]})
    assert [(r["activity_id"], r["ok"], r["status"], r["error"]) for r in result["results"]] == [
        (first, True, 200, None), ("no-such-activity", False, 404, "not-found"),
        (second, False, 409, "conflict"), (first, False, 409, "conflict")]
    assert outsider["results"][0]["status"] == 403
    assert [e["data"]["activity_id"] for e in tap.wait_for("activity.approved.v1")] == [first]
    with entrypoint_hook(approvals, "inbox") as inbox:
        assert [i["id"] for i in inbox(BIOMED)["items"]] == [second]


def test_nobody_available_raises_an_alert_and_the_work_waits_for_whoever_covers_next(
        approvals, service_config, database_url, caplog):
    amqp = service_config["AMQP_URI"]
    today = date.today()
    with entrypoint_hook(approvals, "put_coordinator") as put:
        put(ADMIN, "c-biomed", {"programmes": ["BBIOM", "MBIOM"], "leave": {
            "from": (today - timedelta(days=1)).isoformat(),
            "to": (today + timedelta(days=10)).isoformat()}})
    student_id = register_student(amqp, database_url)
    [activity_id] = submit_activities(amqp, database_url, student_id, kinds=("abroad",))
    wait_until(lambda: "CIM-ALERT no-coordinator-available" in caplog.text and
               "MBIOM" in caplog.text, message="the ERROR line with its marker")
    assert any(r.levelname == "ERROR" and "CIM-ALERT" in r.getMessage() for r in caplog.records)
    with entrypoint_hook(approvals, "alerts") as alerts:
        with pytest.raises(Forbidden):
            alerts(BIOMED)
        found = {a["programme"]: a for a in alerts(ADMIN)}
    assert found["MBIOM"]["waiting_items"] == 1 and found["BBIOM"]["waiting_items"] == 0
    with entrypoint_hook(approvals, "inbox") as inbox:
        assert inbox(BIOMED)["items"] == []  # on leave: no new work
        assert [i["id"] for i in inbox(ADMIN)["items"]] == [activity_id]  # nothing is lost
    with entrypoint_hook(approvals, "put_coordinator") as put:
        put(ADMIN, "c-stand-in", {"programmes": []})
        put(ADMIN, "c-biomed", {"programmes": ["BBIOM", "MBIOM"], "leave": {
            "from": (today - timedelta(days=1)).isoformat(),
            "to": (today + timedelta(days=10)).isoformat(), "substitute": "c-stand-in"}})
    with entrypoint_hook(approvals, "inbox") as inbox:
        stand_in = {"issuer": "cim-dev", "subject": "c-stand-in", "role": "coordinator"}
        assert [i["id"] for i in inbox(stand_in)["items"]] == [activity_id]
    with entrypoint_hook(approvals, "alerts") as alerts:
        assert alerts(ADMIN) == []


def test_a_programme_change_moves_undecided_items_to_the_new_coordinators(
        approvals, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    [activity_id] = submit_activities(amqp, database_url, student_id, kinds=("abroad",))
    publish_event(amqp, "student.updated.v1", {
        "student_id": student_id, "name": "Karin Boye", "email": "karin@example.org",
        "programme": {"code": "MPUBH", "name_en": "Master's programme in Public Health",
                      "name_sv": "Masterprogram i folkhälsovetenskap"},
        "expected_graduation": "2027-06", "language": "sv", "updated_at": utcnow()},
        producer="registration")
    wait_until(lambda: rows(database_url, "SELECT programme_code FROM students WHERE "
                                          "student_id = :s", s=student_id) == [("MPUBH",)],
               message="the new programme")
    with entrypoint_hook(approvals, "inbox") as inbox:
        assert inbox(BIOMED)["items"] == []
        assert [i["id"] for i in inbox(HEALTH, {"programme": "MPUBH"})["items"]] == [activity_id]
    with entrypoint_hook(approvals, "decide_activity") as decide:
        with pytest.raises(Forbidden):
            decide(BIOMED, activity_id, {"decision": "approved"})
        decide(HEALTH, activity_id, {"decision": "approved"})
    assert rows(database_url, "SELECT detail FROM audit_entries WHERE action = 'programme_changed'"
                ) == [("MBIOM -> MPUBH; 1 undecided item(s) now wait for MPUBH's coordinators",)]


def test_the_funnel_follows_students_to_their_certificate(approvals, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    register_student(amqp, database_url)
    with entrypoint_hook(approvals, "decide_activity") as decide:
        for activity_id in activity_ids:
            decide(BIOMED, activity_id, {"decision": "approved"})
    publish_event(amqp, "certificate.issued.v1", {
        "certificate_id": "cert-1", "code": "ABCD-EFGH", "version": 1, "student_id": student_id,
        "programme": "MBIOM", "verify_url": "http://x/verify/ABCD-EFGH", "issued_at": utcnow()},
        producer="certificates")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM issued_certificates"),
               message="the issued certificate")
    with entrypoint_hook(approvals, "funnel") as funnel:
        counts = {r["stage"]: r["count"] for r in funnel(BIOMED, {"programme": "MBIOM"})}
        with pytest.raises(Forbidden):
            funnel(HEALTH, {"programme": "MBIOM"})
        assert {r["programme"] for r in funnel(HEALTH)} == {"MMEDS", "MPUBH"}
    assert counts == {"registered": 2, "activity_requirement_met": 1, "report_accepted": 0,
                      "presented": 0, "eligible": 0, "certificate_issued": 1}


def test_a_requirement_that_lapsed_is_announced_again_when_it_is_met_again(
        approvals, service_config, database_url, tap):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    activity_ids = submit_activities(amqp, database_url, student_id)
    with entrypoint_hook(approvals, "decide_activity") as decide:
        for activity_id in activity_ids:
            decide(BIOMED, activity_id, {"decision": "approved"})
    first = tap.wait_for("student.activity_requirement_met.v1")[0]["data"]
    assert (first["rule_set"], first["rule_set_version"]) == ("standard", 1)

    with entrypoint_hook(approvals, "withdraw_approval") as withdraw:
        withdraw(BIOMED, activity_ids[1], {"reason": "the exchange was cancelled"})
    assert tap.wait_for("activity.approval_withdrawn.v1")[0]["data"]["activity_requirement_met"] is False
    with pytest.raises(AssertionError):  # losing it is not announced as meeting it
        tap.wait_for("student.activity_requirement_met.v1", count=2, timeout=1)

    replacement = str(uuid.uuid4())
    publish_event(amqp, "activity.submitted.v1",
                  activity_data(replacement, student_id, "abroad", 5), producer="activities")
    wait_until(lambda: rows(database_url, "SELECT 1 FROM activities WHERE activity_id = :a",
                            a=replacement), message="the replacement's copy")
    with entrypoint_hook(approvals, "decide_activity") as decide:
        decide(BIOMED, replacement, {"decision": "approved"})
    again = tap.wait_for("student.activity_requirement_met.v1", count=2)[1]["data"]
    assert replacement in again["activity_ids"] and activity_ids[1] not in again["activity_ids"]


def test_the_coordinator_reads_the_activity_and_its_decisions_before_deciding(
        approvals, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    student_id = register_student(amqp, database_url)
    [activity_id] = submit_activities(amqp, database_url, student_id, kinds=("abroad",))
    with entrypoint_hook(approvals, "get_activity") as get_activity:
        with pytest.raises(Forbidden):
            get_activity(HEALTH, activity_id)  # covers other programmes
        with pytest.raises(NotFound):
            get_activity(BIOMED, "no-such-activity")
        seen = get_activity(BIOMED, activity_id)
    assert (seen["title"], seen["description"], seen["location"]["country"]) == (
        "Conference abroad", "I presented.", "DE")
    assert seen["student_name"] == "Karin Boye" and seen["decisions"] == []
    with entrypoint_hook(approvals, "decide_activity") as decide:
        decide(BIOMED, activity_id, {"decision": "changes_requested", "comment": "Add the programme."})
    with entrypoint_hook(approvals, "get_activity") as get_activity:
        [decision] = get_activity(ADMIN, activity_id)["decisions"]
    assert (decision["version"], decision["decision"], decision["comment"], decision["decided_by"]) == (
        1, "changes_requested", "Add the programme.", "c-biomed")
