"""Activities with a real broker and database: RPC in, events out, decisions consumed once."""

import uuid

import pytest
from nameko.testing.services import entrypoint_waiter

from services.activities.domain.catalogue import seed_activity_types
from services.activities.service import ActivitiesService
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    ACTIVITY_CHANGES_REQUESTED,
    ACTIVITY_REJECTED,
    ACTIVITY_RESUBMITTED,
    ACTIVITY_SUBMITTED,
    ACTIVITY_WITHDRAWN,
)
from tests.builders import a_coordinator, a_student_actor, an_admin
from tests.builders.activities import (
    a_decision,
    a_language_cafe,
    an_activity_type_entry,
    an_approval_withdrawal,
    an_exchange,
)
from tests.helpers import EventTap, publish_event, rows
from tests.service.conftest import call

STUDENT = a_student_actor("stu-1").to_dict()
OTHER_STUDENT = a_student_actor("stu-2", subject="s-2").to_dict()
COORDINATOR = a_coordinator("MBIOM").to_dict()
EXCHANGE = an_exchange()
CONSUMERS = {
    ACTIVITY_APPROVED: "on_activity_approved",
    ACTIVITY_REJECTED: "on_activity_rejected",
    ACTIVITY_CHANGES_REQUESTED: "on_activity_changes_requested",
    ACTIVITY_APPROVAL_WITHDRAWN: "on_activity_approval_withdrawn",
}


@pytest.fixture
def activities(start_service):
    return start_service(ActivitiesService)


def decide(container, service_config, event_type, activity, version=None, event_id=None, comment=None):
    """Publish a decision as approvals would, and wait until the activities consumer handled it."""
    data = a_decision(activity, version=version or activity["version"], comment=comment)
    with entrypoint_waiter(container, CONSUMERS[event_type], timeout=15):
        return publish_event(service_config["AMQP_URI"], event_type, data, producer="approvals", event_id=event_id)


def test_logging_publishes_activity_submitted_with_the_catalogue_entry(activities, service_config, database_url):
    tap = EventTap(service_config["AMQP_URI"], [("activities", "activity.#")])
    activity = call(activities, "log_activity", STUDENT, EXCHANGE)
    assert activity["status"] == "submitted" and activity["version"] == 1
    assert activity["student_id"] == "stu-1" and activity["location"] == {"kind": "abroad", "country": "NL"}
    assert activity["start_date"] == "2025-09-01" and activity["latest_decision"] is None
    event = tap.wait_for(ACTIVITY_SUBMITTED)[0]
    assert event["producer"] == "activities"
    assert event["data"]["activity_id"] == activity["id"] and event["data"]["version"] == 1
    assert event["data"]["activity_type"] == {
        "code": "exchange_semester",
        "name_en": "Exchange semester",
        "name_sv": "Utbytestermin",
        "sessions_required": 1,
        "supplement_en": "Completed an exchange semester abroad.",
        "supplement_sv": "Har genomfört en utbytestermin utomlands.",
    }
    assert rows(database_url, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] == 0


def test_another_students_activity_is_not_found(activities):
    activity = call(activities, "log_activity", STUDENT, EXCHANGE)
    with pytest.raises(NotFound):
        call(activities, "get_activity", OTHER_STUDENT, activity["id"])
    with pytest.raises(NotFound):
        call(activities, "withdraw", OTHER_STUDENT, activity["id"])
    with pytest.raises(NotFound):
        call(activities, "get_activity", OTHER_STUDENT, str(uuid.uuid4()))
    assert call(activities, "list_activities", OTHER_STUDENT)["items"] == []
    assert [a["id"] for a in call(activities, "list_activities", STUDENT)["items"]] == [activity["id"]]
    assert call(activities, "get_activity", STUDENT, activity["id"])["status"] == "submitted"


def test_only_students_act_on_activities(activities):
    with pytest.raises(Forbidden):
        call(activities, "log_activity", COORDINATOR, EXCHANGE)


def test_an_approval_event_updates_the_status_and_latest_decision(activities, service_config):
    activity = call(activities, "log_activity", STUDENT, EXCHANGE)
    decide(activities, service_config, ACTIVITY_APPROVED, activity, comment="Well done")
    shown = call(activities, "get_activity", STUDENT, activity["id"])
    assert shown["status"] == "approved"
    assert shown["latest_decision"]["decision"] == "approved"
    assert shown["latest_decision"]["comment"] == "Well done"
    assert shown["latest_decision"]["version"] == 1
    with pytest.raises(Conflict):
        call(activities, "withdraw", STUDENT, activity["id"])


def test_the_same_approval_delivered_twice_records_one_effect(activities, service_config, database_url):
    activity = call(activities, "log_activity", STUDENT, EXCHANGE)
    event_id = str(uuid.uuid4())
    decide(activities, service_config, ACTIVITY_APPROVED, activity, event_id=event_id)
    decide(activities, service_config, ACTIVITY_APPROVED, activity, event_id=event_id)
    assert rows(database_url, "SELECT count(*) FROM activity_decisions")[0][0] == 1
    assert rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e", e=event_id)[0][0] == 1
    assert call(activities, "get_activity", STUDENT, activity["id"])["status"] == "approved"


def test_unknown_fields_are_refused_and_nothing_is_stored(activities, database_url):
    with pytest.raises(Invalid, match="status"):
        call(activities, "log_activity", STUDENT, {**EXCHANGE, "status": "approved"})
    with pytest.raises(Invalid, match="city"):
        call(
            activities,
            "log_activity",
            STUDENT,
            {**EXCHANGE, "location": {"kind": "abroad", "country": "NL", "city": "Leiden"}},
        )
    with pytest.raises(Invalid, match="type"):
        call(activities, "log_activity", STUDENT, {**EXCHANGE, "type": "bungee_jumping"})
    with pytest.raises(Invalid, match="location"):
        call(activities, "log_activity", STUDENT, {**EXCHANGE, "location": {"kind": "abroad", "country": "SE"}})
    assert rows(database_url, "SELECT count(*) FROM activities")[0][0] == 0
    assert rows(database_url, "SELECT count(*) FROM outbox")[0][0] == 0


def test_resubmission_keeps_both_versions_and_ignores_decisions_on_the_old_one(
    activities, service_config, database_url
):
    tap = EventTap(service_config["AMQP_URI"], [("activities", "activity.#")])
    activity = call(activities, "log_activity", STUDENT, EXCHANGE)
    with pytest.raises(Conflict):
        call(activities, "resubmit", STUDENT, activity["id"], EXCHANGE)
    decide(activities, service_config, ACTIVITY_CHANGES_REQUESTED, activity, comment="Please attach the transcript")
    corrected = {**EXCHANGE, "title": "Exchange semester at Leiden University"}
    resubmitted = call(activities, "resubmit", STUDENT, activity["id"], corrected)
    assert (resubmitted["status"], resubmitted["version"]) == ("submitted", 2)
    assert resubmitted["latest_decision"]["comment"] == "Please attach the transcript"
    assert rows(database_url, "SELECT version, title FROM activity_versions ORDER BY version") == [
        (1, "Exchange in Leiden"),
        (2, "Exchange semester at Leiden University"),
    ]
    event = tap.wait_for(ACTIVITY_RESUBMITTED)[0]
    assert event["data"]["version"] == 2 and event["data"]["title"] == corrected["title"]

    stale = decide(activities, service_config, ACTIVITY_APPROVED, activity, version=1)
    assert call(activities, "get_activity", STUDENT, activity["id"])["status"] == "submitted"
    assert (
        rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e", e=stale["event_id"])[0][0] == 1
    )


def test_sessions_of_a_repeated_activity_go_back_to_the_coordinator(activities, service_config):
    tap = EventTap(service_config["AMQP_URI"], [("activities", "activity.#")])
    cafe = call(activities, "log_activity", STUDENT, a_language_cafe())
    decide(activities, service_config, ACTIVITY_APPROVED, cafe)
    shown = call(activities, "add_session", STUDENT, cafe["id"], {"date": "2025-09-10", "title": "Café 1"})
    assert (shown["status"], shown["version"]) == ("submitted", 2)
    assert [(s["date"], s["title"]) for s in shown["sessions"]] == [("2025-09-10", "Café 1")]
    event = tap.wait_for(ACTIVITY_RESUBMITTED)[0]
    assert event["data"]["sessions"][0]["title"] == "Café 1"
    exchange = call(activities, "log_activity", STUDENT, EXCHANGE)
    with pytest.raises(Invalid):
        call(activities, "add_session", STUDENT, exchange["id"], {"date": "2025-09-10", "title": "Week 1"})


def test_withdrawing_publishes_activity_withdrawn(activities, service_config):
    tap = EventTap(service_config["AMQP_URI"], [("activities", "activity.#")])
    activity = call(activities, "log_activity", STUDENT, EXCHANGE)
    assert call(activities, "withdraw", STUDENT, activity["id"])["status"] == "withdrawn"
    assert tap.wait_for(ACTIVITY_WITHDRAWN)[0]["data"]["activity_id"] == activity["id"]


def test_the_catalogue_lists_the_eight_types_with_their_attendance_rule(activities, database_url):
    types = {t["code"]: t for t in call(activities, "list_activity_types", {"limit": 500})["items"]}
    assert set(types) == {t.code for t in seed_activity_types()}
    assert types["language_cafe"]["repeated_attendance"] is True
    assert types["language_cafe"]["sessions_required"] == 3
    assert types["conference"]["repeated_attendance"] is False
    assert types["exchange_semester"]["default_location"] == "abroad"


def test_the_seeded_catalogue_matches_the_domains_seed(activities, database_url):
    seeded = rows(
        database_url,
        "SELECT code, name_en, name_sv, sessions_required, "
        "default_location, supplement_en, supplement_sv FROM activity_types ORDER BY code",
    )
    expected = sorted(
        (t.code, t.name_en, t.name_sv, t.sessions_required, t.default_location, t.supplement_en, t.supplement_sv)
        for t in seed_activity_types()
    )
    assert [tuple(r) for r in seeded] == expected


def test_an_admin_adds_and_changes_catalogue_types_and_new_activities_carry_them(activities, service_config):
    admin = an_admin(subject="root").to_dict()
    entry = an_activity_type_entry()
    with pytest.raises(Forbidden):
        call(activities, "put_activity_type", COORDINATOR, "hackathon", entry)
    with pytest.raises(Invalid):
        call(activities, "put_activity_type", admin, "hackathon", {**entry, "sessions_required": 3})
    with pytest.raises(Invalid):
        call(activities, "put_activity_type", admin, "Bad Code", entry)
    created = call(activities, "put_activity_type", admin, "hackathon", entry)
    assert created["created"] and created["activity_type"]["sessions_required"] == 1
    changed = call(
        activities,
        "put_activity_type",
        admin,
        "language_cafe",
        an_activity_type_entry(
            name_en="Language café",
            name_sv="Språkkafé",
            repeated_attendance=True,
            sessions_required=4,
            default_location="sweden",
            supplement_en="Took part in language cafés.",
            supplement_sv="Har deltagit i språkkaféer.",
        ),
    )
    assert not changed["created"] and changed["activity_type"]["sessions_required"] == 4
    listed = {t["code"]: t for t in call(activities, "list_activity_types", {"limit": 500})["items"]}
    assert listed["hackathon"]["supplement_sv"] == "Har deltagit i ett hackathon i global hälsa."
    assert listed["language_cafe"]["repeated_attendance"] and len(listed) == 9

    tap = EventTap(service_config["AMQP_URI"], [("activities", "activity.#")])
    call(activities, "log_activity", STUDENT, {**EXCHANGE, "type": "hackathon"})
    event = tap.wait_for(ACTIVITY_SUBMITTED)[0]["data"]
    assert event["activity_type"]["code"] == "hackathon"
    assert event["activity_type"]["supplement_en"] == "Took part in a global health hackathon."


def test_a_withdrawn_approval_shows_its_reason_and_the_activity_may_be_resubmitted(activities, service_config):
    activity = call(activities, "log_activity", STUDENT, EXCHANGE)
    decide(activities, service_config, ACTIVITY_APPROVED, activity)
    with pytest.raises(Conflict):  # approved: the student cannot withdraw it
        call(activities, "withdraw", STUDENT, activity["id"])
    with entrypoint_waiter(activities, CONSUMERS[ACTIVITY_APPROVAL_WITHDRAWN], timeout=15):
        publish_event(
            service_config["AMQP_URI"],
            ACTIVITY_APPROVAL_WITHDRAWN,
            an_approval_withdrawal(activity, reason="the dates are wrong"),
            producer="approvals",
        )
    seen = call(activities, "get_activity", STUDENT, activity["id"])
    assert seen["status"] == "approval_withdrawn"
    assert seen["latest_decision"]["decision"] == "approval_withdrawn"
    assert seen["latest_decision"]["comment"] == "the dates are wrong"
    again = call(activities, "resubmit", STUDENT, activity["id"], {**EXCHANGE, "start_date": "2025-09-02"})
    assert again["status"] == "submitted" and again["version"] == 2
    versions = call(activities, "list_versions", STUDENT, activity["id"])["items"]
    assert [(v["version"], (v["decision"] or {}).get("decision")) for v in versions] == [
        (1, "approval_withdrawn"),
        (2, None),
    ]
    assert versions[0]["start_date"] == "2025-09-01" and versions[1]["start_date"] == "2025-09-02"
    with pytest.raises(NotFound):
        call(activities, "list_versions", OTHER_STUDENT, activity["id"])


def test_a_repeated_activity_with_an_approval_cannot_be_withdrawn_by_the_student(activities, service_config):
    cafe = call(
        activities,
        "log_activity",
        STUDENT,
        a_language_cafe(
            title="Fika", description="Swedish-English café", start_date="2026-01-01", end_date="2026-03-01"
        ),
    )
    decide(activities, service_config, ACTIVITY_APPROVED, cafe)
    more = call(activities, "add_session", STUDENT, cafe["id"], {"date": "2026-01-08", "title": "1"})
    assert more["status"] == "submitted" and more["version"] == 2  # back to the coordinator
    with pytest.raises(Conflict, match="approval"):
        call(activities, "withdraw", STUDENT, cafe["id"])
