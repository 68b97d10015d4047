"""Campus systems through the gateway's HTTP intake, every service running: CloudEvents in, the
platform's state changed once, what breaks the contract refused whole with the reason."""

import json
import time
import uuid

import pytest
import requests

from services.gateway.auth import issue_dev_token
from shared.campus import contract
from tests.builders.campus import a_campus_event, binary_headers

pytestmark = pytest.mark.e2e
STRUCTURED = "application/cloudevents+json; charset=utf-8"
BATCH = "application/cloudevents-batch+json"


def _wait(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not reached within {timeout}s")


def _system(platform_, system):
    token = issue_dev_token(platform_.secret, system, "campus-system")
    return {"Authorization": f"Bearer {token}"}


def _post(platform_, system, body, content_type, headers=None):
    return requests.post(
        f"{platform_.gateway_url}/v1/campus/events",
        data=body,
        timeout=30,
        headers={**_system(platform_, system), "Content-Type": content_type, **(headers or {})},
    )


def _student(platform_, ref):
    return {"Authorization": f"Bearer {platform_.issuer.token(ref, 'student')}"}


def _me(platform_, ref):
    answer = requests.get(f"{platform_.gateway_url}/v1/me", headers=_student(platform_, ref), timeout=10)
    return answer.json() if answer.status_code == 200 else None


def _inbound(platform_):
    return platform_.query("campus", "SELECT count(*) FROM inbound_events")[0][0]


@pytest.fixture(scope="module")
def enrolled(running_platform):
    """A person the learning platform enrolled (structured mode), now a registered student."""
    ref = f"s-campus-{uuid.uuid4().hex[:6]}"
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref=ref)
    answer = _post(running_platform, "lms", json.dumps(event), STRUCTURED)
    assert answer.status_code == 202, answer.text
    assert answer.json()["results"] == [{"id": event["id"], "source": event["source"], "status": "accepted"}]
    me = _wait(lambda: _me(running_platform, ref), what="the enrolled student registered")
    return ref, event, me


def test_the_learning_platform_registers_a_student(running_platform, enrolled):
    ref, event, me = enrolled
    assert me["name"] == event["data"]["name"] and me["programme"]["code"] == "MBIOM"
    assert me["language"] == "sv" and me["status"] == "registered"


def test_sending_the_same_event_again_is_a_duplicate_and_changes_nothing(running_platform, enrolled):
    _, event, me = enrolled
    answer = _post(running_platform, "lms", json.dumps(event), STRUCTURED)
    assert answer.status_code == 202
    assert answer.json()["results"][0]["status"] == "duplicate"
    assert (
        running_platform.query(
            "registration", "SELECT count(*) FROM students WHERE subject = :s", s=event["data"]["student_ref"]
        )[0][0]
        == 1
    )


def test_an_exchange_in_binary_mode_becomes_a_verified_activity(running_platform, enrolled):
    ref, _, _ = enrolled
    event = a_campus_event(contract.MOBILITY_EXCHANGE_COMPLETED, student_ref=ref)
    answer = _post(
        running_platform,
        "mobility",
        json.dumps(event["data"]),
        "application/json",
        headers=binary_headers(event, "ce-"),
    )
    assert answer.status_code == 202, answer.text

    def exchange():
        found = requests.get(
            f"{running_platform.gateway_url}/v1/me/activities", headers=_student(running_platform, ref), timeout=10
        ).json()
        return [a for a in found if a["type"] == "exchange_semester"]

    [activity] = _wait(exchange, what="the exchange in the portfolio")
    assert activity["verified_by"] == event["source"] and activity["status"] == "submitted"
    assert activity["location"] == {"kind": "abroad", "country": "NL"}


def test_attendance_in_batch_mode_adds_verified_sessions_to_one_activity(running_platform, enrolled):
    ref, _, _ = enrolled
    events = [
        a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref=ref, date=day, title=f"Language café {day}")
        for day in ("2026-03-04", "2026-03-11")
    ]
    answer = _post(running_platform, "events", json.dumps(events), BATCH)
    assert answer.status_code == 202, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted"]

    def cafe():
        found = requests.get(
            f"{running_platform.gateway_url}/v1/me/activities", headers=_student(running_platform, ref), timeout=10
        ).json()
        return [a for a in found if a["type"] == "language_cafe" and len(a["sessions"]) == 2]

    [activity] = _wait(cafe, what="two sessions on one language café activity")
    assert {s["verified_by"] for s in activity["sessions"]} == {events[0]["source"]}


def test_a_legal_name_change_from_student_records_reaches_the_profile(running_platform, enrolled):
    ref, _, _ = enrolled
    event = a_campus_event(contract.RECORDS_NAME_CHANGED, student_ref=ref, legal_name="Grace Hopper")
    assert _post(running_platform, "records", json.dumps(event), STRUCTURED).status_code == 202
    _wait(lambda: (_me(running_platform, ref) or {}).get("name") == "Grace Hopper", what="the new legal name")


def test_a_batch_with_one_broken_event_is_refused_whole_with_the_reason(running_platform, enrolled):
    ref, _, _ = enrolled
    good = a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref=ref)
    broken = a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref=ref, date="soon")
    before = _inbound(running_platform)
    answer = _post(running_platform, "events", json.dumps([good, broken]), BATCH)
    assert answer.status_code == 422
    problem = answer.json()
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "event 1" in json.dumps(problem["errors"]) and "date" in json.dumps(problem["errors"])
    assert _inbound(running_platform) == before


@pytest.mark.parametrize(
    "body, content_type, reason",
    [
        ("{not json", STRUCTURED, "not JSON"),
        ('{"specversion": "1.0", "source": "s", "type": "t"}', STRUCTURED, "missing"),
        ("[]", BATCH, "1 to 100"),
        ('{"a": 1}', "text/plain", "send application/cloudevents+json"),
    ],
)
def test_what_breaks_the_contract_is_422_with_the_reason(running_platform, body, content_type, reason):
    before = _inbound(running_platform)
    answer = _post(running_platform, "lms", body, content_type)
    assert answer.status_code == 422, answer.text
    assert reason in json.dumps(answer.json())
    assert _inbound(running_platform) == before


def test_a_system_may_send_only_its_own_types(running_platform):
    event = a_campus_event(contract.RECORDS_DEGREE_CONFERRED)
    answer = _post(running_platform, "lms", json.dumps(event), STRUCTURED)
    assert answer.status_code == 403
    assert "campus.records" in answer.json()["detail"]


def test_people_may_not_post_campus_events(running_platform):
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED)
    answer = requests.post(
        f"{running_platform.gateway_url}/v1/campus/events",
        data=json.dumps(event),
        headers={**_student(running_platform, "s-1"), "Content-Type": STRUCTURED},
        timeout=10,
    )
    assert answer.status_code == 403
