"""The gateway over the running platform: bad input changes nothing, objects stay with owners."""

import uuid

import pytest
import requests

from cim import journey
from services.gateway.auth import issue_dev_token
from tests.builders import GRADUATION

pytestmark = pytest.mark.e2e

REGISTRATION = {"programme": "MPUBH", "expected_graduation": GRADUATION, "language": "sv"}


def _person(platform_, role="student", sub=None, **claims):
    sub = sub or f"{role[0]}-{uuid.uuid4().hex[:8]}"
    token = issue_dev_token(platform_.secret, sub, role, **claims)
    return journey.Client(platform_.gateway_url, token)


def _student(platform_, programme="MPUBH"):
    client = _person(platform_, name="Greta Example", email=f"{uuid.uuid4().hex[:6]}@example.org")
    client.call("POST", "/v1/registrations", 201, json={**REGISTRATION, "programme": programme})
    return client


def _problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"urn:cim:problem:{code}" and body["status"] == status
    assert "Traceback" not in response.text
    return body


def test_v1_routes_need_a_token_but_verification_does_not(running_platform):
    url = running_platform.gateway_url
    _problem(requests.get(f"{url}/v1/me", timeout=10), 401, "unauthorized")
    _problem(
        requests.get(f"{url}/v1/programmes", headers={"Authorization": "Bearer x.y.z"}, timeout=10), 401, "unauthorized"
    )
    assert requests.get(f"{url}/v1/verify/NOSUCHCODE", timeout=10).json()["status"] == "unknown"


def test_unreadable_and_unknown_input_is_refused_and_changes_nothing(running_platform):
    client = _person(running_platform, name="N", email="n@example.org")
    r = client.session.post(
        client.base_url + "/v1/registrations", data="{not json", headers={"Content-Type": "application/json"}
    )
    _problem(r, 400, "bad-request")
    r = client.session.post(client.base_url + "/v1/registrations", json=["a", "list"])
    _problem(r, 400, "bad-request")
    r = client.session.post(
        client.base_url + "/v1/registrations",
        data="programme=MPUBH",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _problem(r, 415, "unsupported-media-type")
    r = client.session.post(
        client.base_url + "/v1/registrations", json={**REGISTRATION, "status": "approved", "student_id": "someone"}
    )
    body = _problem(r, 422, "invalid")
    assert set(body["errors"]) == {"status", "student_id"}
    r = client.session.post(client.base_url + "/v1/registrations", json={**REGISTRATION, "expected_graduation": 2027})
    _problem(r, 422, "invalid")
    r = client.session.post(client.base_url + "/v1/registrations", json={**REGISTRATION, "pad": "x" * 100_000})
    _problem(r, 413, "payload-too-large")
    _problem(client.session.get(client.base_url + "/v1/me"), 404, "not-found")


def test_the_correlation_id_is_returned_and_travels_with_the_events(running_platform):
    client = _person(running_platform, name="C", email="c@example.org")
    cid = f"req-{uuid.uuid4().hex}"
    r = client.session.post(client.base_url + "/v1/registrations", json=REGISTRATION, headers={"X-Correlation-ID": cid})
    assert r.status_code == 201 and r.headers["X-Correlation-ID"] == cid
    stored = running_platform.query("registration", "SELECT event_type FROM outbox WHERE correlation_id = :c", c=cid)
    assert [row[0] for row in stored] == ["student.registered.v1"]


def test_a_student_reaches_only_their_own_activities(running_platform):
    owner, other = _student(running_platform), _student(running_platform)
    activity = owner.call("POST", "/v1/me/activities", 201, json=journey.ACTIVITIES[0]).json()
    assert activity["status"] == "submitted"
    for method, path, kwargs in [
        ("GET", f"/v1/me/activities/{activity['id']}", {}),
        ("PUT", f"/v1/me/activities/{activity['id']}", {"json": journey.ACTIVITIES[1]}),
        ("DELETE", f"/v1/me/activities/{activity['id']}", {}),
        ("POST", f"/v1/me/activities/{activity['id']}/sessions", {"json": {"date": "2026-01-01", "title": "x"}}),
    ]:
        _problem(other.session.request(method, other.base_url + path, **kwargs), 404, "not-found")
    assert owner.call("GET", f"/v1/me/activities/{activity['id']}").json()["status"] == "submitted"


def test_a_student_cannot_approve_or_set_a_status(running_platform):
    student = _student(running_platform)
    r = student.session.post(
        student.base_url + "/v1/me/activities", json={**journey.ACTIVITIES[0], "status": "approved"}
    )
    _problem(r, 422, "invalid")
    activity = student.call("POST", "/v1/me/activities", 201, json=journey.ACTIVITIES[0]).json()
    r = student.session.post(
        student.base_url + f"/v1/activities/{activity['id']}/decision", json={"decision": "approved"}
    )
    _problem(r, 403, "forbidden")
    assert student.call("GET", f"/v1/me/activities/{activity['id']}").json()["status"] == "submitted"


def test_only_the_students_programme_coordinator_decides(running_platform):
    student = _student(running_platform, programme="MPUBH")
    activity = student.call("POST", "/v1/me/activities", 201, json=journey.ACTIVITIES[0]).json()
    outsider = _person(running_platform, "coordinator", sub="c-biomed")  # covers Biomedicine only
    insider = _person(running_platform, "coordinator", sub="c-health-1")
    insider.until("GET", "/v1/coordinator/inbox", accept=lambda r: activity["id"] in {i["id"] for i in r.json()})
    assert activity["id"] not in {i["id"] for i in outsider.call("GET", "/v1/coordinator/inbox").json()}
    r = outsider.session.post(
        outsider.base_url + f"/v1/activities/{activity['id']}/decision", json={"decision": "approved"}
    )
    _problem(r, 404, "not-found")  # another programme's activity: not theirs to know of
    r = insider.session.post(
        insider.base_url + f"/v1/activities/{activity['id']}/decision", json={"decision": "rejected"}
    )
    assert "comment" in str(_problem(r, 422, "invalid"))
    insider.call(
        "POST",
        f"/v1/activities/{activity['id']}/decision",
        200,
        json={"decision": "changes_requested", "comment": "Add the conference programme."},
    )
    seen = student.until(
        "GET", f"/v1/me/activities/{activity['id']}", accept=lambda r: r.json()["status"] == "changes_requested"
    ).json()
    assert seen["latest_decision"]["comment"] == "Add the conference programme."


def test_the_report_upload_is_checked_by_content_and_size(running_platform):
    student = _student(running_platform)
    url = student.base_url + "/v1/me/report"
    r = student.session.post(url, data=b"MZ\x90\x00 not a pdf", headers={"Content-Type": "application/pdf"})
    # the requirement is not met yet, or the content is refused: either way nothing is stored
    assert r.status_code in (409, 422), r.text
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 10)
    _problem(student.session.post(url, data=big, headers={"Content-Type": "application/pdf"}), 413, "payload-too-large")
    _problem(
        student.session.post(url, data=b"%PDF-", headers={"Content-Type": "text/plain"}), 415, "unsupported-media-type"
    )


def test_registrar_functions_are_refused_to_students_and_coordinators(running_platform):
    student = _student(running_platform)
    me = student.call("GET", "/v1/me").json()
    coordinator = _person(running_platform, "coordinator", sub="c-health-1")
    for client in (student, coordinator):
        r = client.session.get(client.base_url + f"/v1/students/{me['student_id']}/diploma-supplement")
        _problem(r, 403, "forbidden")
        r = client.session.post(client.base_url + "/v1/certificates/ABC/revocation", json={"reason": "x"})
        _problem(r, 403, "forbidden")
