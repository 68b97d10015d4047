"""The programme's rules and the coordinator's day, through the gateway on the running platform.

Every decision route is tried by someone who may not decide; decisions, withdrawals of an
approval, the audit trail, the funnel, alerts, the catalogue and a change of programme are seen
by the people the rules say should see them.
"""

import csv
import io
import uuid
from datetime import date, timedelta

import pytest

from cim import journey
from services.gateway.auth import issue_dev_token
from tests.builders import GRADUATION

pytestmark = pytest.mark.e2e

ACTIVITY = journey.ACTIVITIES


def _person(platform_, role="student", sub=None, **claims):
    sub = sub or f"{role[0]}-{uuid.uuid4().hex[:8]}"
    return journey.Client(platform_.gateway_url, issue_dev_token(platform_.secret, sub, role, **claims))


def _student(platform_, programme="MPUBH", graduation=GRADUATION):
    client = _person(platform_, name="Greta Example", email=f"{uuid.uuid4().hex[:6]}@example.org")
    client.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": programme, "expected_graduation": graduation, "language": "sv"},
    )
    client.student_id = client.call("GET", "/v1/me").json()["student_id"]
    return client


def _problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == f"urn:cim:problem:{code}"
    return response.json()


def _in_inbox(client, activity_id, **params):
    return client.until(
        "GET", "/v1/coordinator/inbox", params=params, accept=lambda r: activity_id in {i["id"] for i in r.json()}
    )


def _log(student, activity=ACTIVITY[0], **changes):
    return student.call("POST", "/v1/me/activities", 201, json={**activity, **changes}).json()


def _post(client, path, **kwargs):
    return client.session.post(client.base_url + path, **kwargs)


def test_only_the_students_programme_coordinators_decide_on_every_decision_route(running_platform):
    admin = _person(running_platform, "admin")
    run = uuid.uuid4().hex[:6]
    away, stand_in = f"c-away-{run}", f"c-sub-{run}"
    today = date.today()
    admin.call("PUT", f"/v1/coordinators/{stand_in}", json={"programmes": []})
    admin.call(
        "PUT",
        f"/v1/coordinators/{away}",
        json={
            "programmes": ["MMEDS"],
            "leave": {
                "from": (today - timedelta(days=1)).isoformat(),
                "to": (today + timedelta(days=7)).isoformat(),
                "substitute": stand_in,
            },
        },
    )
    try:
        student = _student(running_platform, programme="MMEDS")
        first, second = _log(student), _log(student, ACTIVITY[1])
        outsiders = [
            _person(running_platform, "coordinator", sub="c-biomed"),  # other programmes
            _person(running_platform, "coordinator", sub="c-health-2"),  # on leave
            _person(running_platform, "coordinator", sub=away),
        ]  # on leave, substituted
        substitute = _person(running_platform, "coordinator", sub=stand_in)
        _in_inbox(substitute, first["id"])
        for outsider in outsiders:
            assert first["id"] not in {i["id"] for i in outsider.call("GET", "/v1/coordinator/inbox").json()}
            # not their programme today: the item is not theirs to know of
            _problem(
                _post(outsider, f"/v1/activities/{first['id']}/decision", json={"decision": "approved"}),
                404,
                "not-found",
            )
            result = outsider.call(
                "POST",
                "/v1/activities/decisions",
                json={"decision": "approved", "items": [{"activity_id": first["id"]}]},
            ).json()
            assert [(r["ok"], r["status"]) for r in result["results"]] == [(False, 404)]
            _problem(
                _post(outsider, f"/v1/students/{student.student_id}/report/decision", json={"decision": "accepted"}),
                404,
                "not-found",
            )
        # the substitute decides during the leave; then the approval may be withdrawn only by
        # those who may decide
        substitute.call("POST", f"/v1/activities/{first['id']}/decision", json={"decision": "approved", "version": 1})
        for outsider in outsiders:
            _problem(
                _post(outsider, f"/v1/activities/{first['id']}/approval-withdrawal", json={"reason": "no"}),
                404,
                "not-found",
            )
        for role in ("student", "registrar"):
            other = student if role == "student" else _person(running_platform, role)
            _problem(
                _post(other, f"/v1/activities/{second['id']}/decision", json={"decision": "approved"}), 403, "forbidden"
            )
            _problem(
                _post(other, f"/v1/activities/{first['id']}/approval-withdrawal", json={"reason": "x"}),
                403,
                "forbidden",
            )
            _problem(
                _post(
                    other,
                    "/v1/activities/decisions",
                    json={"decision": "approved", "items": [{"activity_id": second["id"]}]},
                ),
                403,
                "forbidden",
            )
        admin.call(
            "POST",
            f"/v1/activities/{second['id']}/decision",
            json={"decision": "rejected", "comment": "Not an international activity."},
        )
        assert (
            student.until(
                "GET", f"/v1/me/activities/{second['id']}", accept=lambda r: r.json()["status"] == "rejected"
            ).json()["latest_decision"]["comment"]
            == "Not an international activity."
        )
    finally:
        admin.call("PUT", f"/v1/coordinators/{away}", json={"programmes": []})


def test_a_decision_records_its_reason_and_version_and_the_student_sees_the_reason(running_platform):
    student = _student(running_platform)
    coordinator = _person(running_platform, "coordinator", sub="c-health-1")
    activity = _log(student)
    _in_inbox(coordinator, activity["id"])
    path = f"/v1/activities/{activity['id']}/decision"
    for decision in ("rejected", "changes_requested"):
        body = _problem(_post(coordinator, path, json={"decision": decision}), 422, "invalid")
        assert "comment" in body["errors"]
    coordinator.call(
        "POST",
        path,
        json={"decision": "changes_requested", "version": 1, "comment": "Add the programme of the conference."},
    )
    seen = student.until(
        "GET", f"/v1/me/activities/{activity['id']}", accept=lambda r: r.json()["status"] == "changes_requested"
    ).json()
    assert seen["latest_decision"] == {
        "decision": "changes_requested",
        "version": 1,
        "comment": "Add the programme of the conference.",
        "decided_at": seen["latest_decision"]["decided_at"],
    }
    student.call(
        "PUT",
        f"/v1/me/activities/{activity['id']}",
        json={**ACTIVITY[0], "description": "Poster; programme at https://example.org/programme"},
    )
    _in_inbox(coordinator, activity["id"], status="resubmitted")
    _problem(_post(coordinator, path, json={"decision": "approved", "version": 1}), 409, "conflict")
    coordinator.call("POST", path, json={"decision": "approved", "version": 2})
    versions = student.call("GET", f"/v1/me/activities/{activity['id']}/versions").json()
    assert [(v["version"], v["decision"]["decision"] if v["decision"] else None) for v in versions] in (
        [(1, "changes_requested"), (2, None)],
        [(1, "changes_requested"), (2, "approved")],
    )
    assert versions[0]["description"] == ACTIVITY[0]["description"]

    trail = student.until(
        "GET", "/v1/me/audit", accept=lambda r: any(e["action"] == "activity_approved" for e in r.json())
    ).json()
    decided = [e for e in trail if e["action"].startswith("activity_") and e["item_id"] == activity["id"]]
    assert [(e["action"], e["version"], e["actor"]) for e in decided] == [
        ("activity_submitted", 1, "student"),
        ("activity_changes_requested", 1, "c-health-1"),
        ("activity_resubmitted", 2, "student"),
        ("activity_approved", 2, "c-health-1"),
    ]
    assert decided[1]["detail"] == "Add the programme of the conference."
    assert [e["seq"] for e in trail] == sorted(e["seq"] for e in trail)


def test_the_coordinators_inbox_filters_pages_and_bulk_approves(running_platform):
    coordinator = _person(running_platform, "coordinator", sub="c-health-1")
    students = [_student(running_platform, programme) for programme in ("MPUBH", "MMEDS", "MPUBH")]
    logged = [_log(s, ACTIVITY[i % 3]) for i, s in enumerate(students)]
    ids = [a["id"] for a in logged]
    _in_inbox(coordinator, ids[-1])
    items = coordinator.call("GET", "/v1/coordinator/inbox").json()
    mine = [i for i in items if i["id"] in ids]
    assert [i["id"] for i in mine] == ids  # oldest first
    assert all(i["waiting_seconds"] >= 0 and i["status"] == "new" for i in mine)
    only = coordinator.call("GET", "/v1/coordinator/inbox", params={"programme": "MMEDS"}).json()
    assert {i["programme"] for i in only} == {"MMEDS"} and ids[1] in {i["id"] for i in only}
    by_type = coordinator.call(
        "GET", "/v1/coordinator/inbox", params={"type": ACTIVITY[0]["type"], "kind": "activity"}
    ).json()
    assert {i["type"] for i in by_type} == {ACTIVITY[0]["type"]}
    assert (
        coordinator.call("GET", "/v1/coordinator/inbox", params={"kind": "report", "type": "conference"}).json() == []
    )
    _problem(
        coordinator.session.get(coordinator.base_url + "/v1/coordinator/inbox", params={"status": "whatever"}),
        422,
        "invalid",
    )
    # paging: every item exactly once, in order
    seen, params = [], {"limit": 1}
    while True:
        page = coordinator.call("GET", "/v1/coordinator/inbox", params=params)
        seen += [i["id"] for i in page.json()]
        if "X-Next-Cursor" not in page.headers:
            break
        params = {"limit": 1, "cursor": page.headers["X-Next-Cursor"]}
    assert seen == [i["id"] for i in items]

    result = coordinator.call(
        "POST",
        "/v1/activities/decisions",
        json={
            "decision": "approved",
            "items": [{"activity_id": ids[0]}, {"activity_id": "nope"}, {"activity_id": ids[2], "version": 3}],
        },
    ).json()["results"]
    assert [(r["activity_id"], r["status"]) for r in result] == [(ids[0], 200), ("nope", 404), (ids[2], 409)]
    students[0].until("GET", f"/v1/me/activities/{ids[0]}", accept=lambda r: r.json()["status"] == "approved")
    assert students[2].call("GET", f"/v1/me/activities/{ids[2]}").json()["status"] == "submitted"


def test_progress_audit_trail_and_funnel_for_the_people_who_may_see_them(running_platform):
    student = _student(running_platform, programme="MBIOM", graduation="2022-06")
    coordinator = _person(running_platform, "coordinator", sub="c-biomed")
    activities = [
        _log(student, ACTIVITY[0]),
        _log(student, ACTIVITY[1], location={"kind": "digital"}, type="conference"),
    ]
    for activity in activities:
        _in_inbox(coordinator, activity["id"])
        coordinator.call("POST", f"/v1/activities/{activity['id']}/decision", json={"decision": "approved"})
    progress = student.until("GET", "/v1/me/progress", accept=lambda r: len(r.json()["counted"]) == 2).json()
    # the 2022 cohort: the digital activity stands for the one abroad; one more of any kind
    assert (progress["rule_set"], progress["rule_set_version"]) == ("digital-substitution-2022", 1)
    assert progress["missing"][0] == {"en": "one more activity of any kind", "sv": "en aktivitet till av valfritt slag"}

    path = f"/v1/students/{student.student_id}/audit"
    assert [e["action"] for e in coordinator.call("GET", path).json()][:1] == ["registered"]
    exported = coordinator.call("GET", path, params={"format": "csv"})
    assert exported.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert {"activity_approved"} <= {row["action"] for row in table}
    assert list(table[0]) == ["seq", "at", "student_id", "actor", "action", "item_kind", "item_id", "version", "detail"]
    other = _student(running_platform, programme="MBIOM")
    _problem(other.session.get(other.base_url + path), 404, "not-found")
    outsider = _person(running_platform, "coordinator", sub="c-health-1")
    _problem(outsider.session.get(outsider.base_url + path), 404, "not-found")
    _person(running_platform, "admin").call("GET", path)
    assert student.call("GET", path).json() == student.call("GET", "/v1/me/audit").json()

    funnel = coordinator.call("GET", "/v1/coordinator/funnel", params={"programme": "MBIOM"}).json()
    assert [r["stage"] for r in funnel] == [
        "registered",
        "activity_requirement_met",
        "report_accepted",
        "presented",
        "eligible",
        "certificate_issued",
    ]
    assert funnel[0]["count"] >= 2 and {r["programme"] for r in funnel} == {"MBIOM"}
    csv_rows = list(
        csv.DictReader(io.StringIO(coordinator.call("GET", "/v1/coordinator/funnel", params={"format": "csv"}).text))
    )
    assert {r["programme"] for r in csv_rows} == {"BBIOM", "MBIOM"}
    _problem(
        outsider.session.get(outsider.base_url + "/v1/coordinator/funnel", params={"programme": "MBIOM"}),
        403,
        "forbidden",
    )
    _problem(student.session.get(student.base_url + "/v1/coordinator/funnel"), 403, "forbidden")


def test_an_approval_withdrawn_reaches_the_student_and_the_event_is_published(running_platform):
    student = _student(running_platform, programme="MPUBH")
    coordinator = _person(running_platform, "coordinator", sub="c-health-1")
    activity = _log(student)
    _in_inbox(coordinator, activity["id"])
    path = f"/v1/activities/{activity['id']}/approval-withdrawal"
    _problem(_post(coordinator, path, json={"reason": "too early"}), 409, "conflict")
    coordinator.call("POST", f"/v1/activities/{activity['id']}/decision", json={"decision": "approved"})
    _problem(_post(coordinator, path, json={"reason": ""}), 422, "invalid")
    result = coordinator.call("POST", path, json={"reason": "The organiser cancelled it."}).json()
    assert result["decision"] == "approval_withdrawn" and result["was_eligible"] is False
    seen = student.until(
        "GET", f"/v1/me/activities/{activity['id']}", accept=lambda r: r.json()["status"] == "approval_withdrawn"
    ).json()
    assert seen["latest_decision"]["comment"] == "The organiser cancelled it."
    published = running_platform.query(
        "approvals", "SELECT event_type FROM outbox WHERE payload LIKE :a", a=f"%{activity['id']}%"
    )
    assert ("activity.approval_withdrawn.v1",) in [tuple(row) for row in published]
    assert student.call("GET", "/v1/me/progress").json()["counted"] == []


def test_the_catalogue_is_data_an_admin_changes(running_platform):
    admin = _person(running_platform, "admin")
    code = f"e2e_{uuid.uuid4().hex[:8]}"
    entry = {
        "name_en": "Global health hackathon",
        "name_sv": "Hackathon i global hälsa",
        "repeated_attendance": True,
        "sessions_required": 2,
        "default_location": "digital",
        "supplement_en": "Took part in global health hackathons.",
        "supplement_sv": "Har deltagit i hackathon i global hälsa.",
    }
    student = _student(running_platform)
    _problem(student.session.put(student.base_url + f"/v1/activity-types/{code}", json=entry), 403, "forbidden")
    _problem(
        admin.session.put(admin.base_url + f"/v1/activity-types/{code}", json={**entry, "sessions_required": 1}),
        422,
        "invalid",
    )
    assert admin.call("PUT", f"/v1/activity-types/{code}", 201, json=entry).json()["code"] == code
    changed = admin.call(
        "PUT", f"/v1/activity-types/{code}", 200, json={**entry, "name_en": "Global health hackathons"}
    ).json()
    assert changed["name_en"] == "Global health hackathons" and changed["sessions_required"] == 2
    listed = {t["code"]: t for t in student.call("GET", "/v1/activity-types").json()}
    assert listed[code]["repeated_attendance"] and listed[code]["default_location"] == "digital"
    assert len(listed) >= 9
    # the rules read it: two approved sessions make it count
    coordinator = _person(running_platform, "coordinator", sub="c-health-1")
    activity = _log(student, ACTIVITY[0], type=code, location={"kind": "digital"})
    for n in (1, 2):
        student.call(
            "POST",
            f"/v1/me/activities/{activity['id']}/sessions",
            201,
            json={"date": f"2026-02-0{n}", "title": f"Hackathon {n}"},
        )
    _in_inbox(coordinator, activity["id"])
    coordinator.until(
        "GET",
        "/v1/coordinator/inbox",
        accept=lambda r: any(i["id"] == activity["id"] and i["version"] == 3 for i in r.json()),
    )
    coordinator.call("POST", f"/v1/activities/{activity['id']}/decision", json={"decision": "approved", "version": 3})
    counted = student.until("GET", "/v1/me/progress", accept=lambda r: r.json()["counted"] != []).json()["counted"]
    assert [c["type"] for c in counted] == [code]


def test_a_programme_change_moves_undecided_work_to_the_new_coordinators(running_platform):
    student = _student(running_platform, programme="MBIOM")
    activity = _log(student)
    biomed = _person(running_platform, "coordinator", sub="c-biomed")
    health = _person(running_platform, "coordinator", sub="c-health-1")
    _in_inbox(biomed, activity["id"])
    path = f"/v1/students/{student.student_id}/programme"
    _problem(student.session.put(student.base_url + path, json={"programme": "MPUBH"}), 403, "forbidden")
    _problem(biomed.session.put(biomed.base_url + path, json={"programme": "MPUBH"}), 403, "forbidden")
    registrar = _person(running_platform, "registrar")
    _problem(registrar.session.put(registrar.base_url + path, json={"programme": "NOPE"}), 422, "invalid")
    moved = registrar.call("PUT", path, json={"programme": "MPUBH"}).json()
    assert moved["programme"]["code"] == "MPUBH"
    _in_inbox(health, activity["id"], programme="MPUBH")
    assert activity["id"] not in {i["id"] for i in biomed.call("GET", "/v1/coordinator/inbox").json()}
    _problem(
        _post(biomed, f"/v1/activities/{activity['id']}/decision", json={"decision": "approved"}), 404, "not-found"
    )
    health.call("POST", f"/v1/activities/{activity['id']}/decision", json={"decision": "approved"})


def test_a_programme_with_nobody_available_raises_an_alert_and_loses_nothing(running_platform):
    admin = _person(running_platform, "admin")
    health = _person(running_platform, "coordinator", sub="c-health-1")
    _problem(health.session.get(health.base_url + "/v1/coordinator/alerts"), 403, "forbidden")
    original = {c["subject"]: c for c in admin.call("GET", "/v1/coordinators").json()}["c-health-1"]
    today = date.today()
    admin.call(
        "PUT",
        "/v1/coordinators/c-health-1",
        json={
            "programmes": original["programmes"],
            "leave": {"from": today.isoformat(), "to": (today + timedelta(days=3)).isoformat()},
        },
    )
    try:
        student = _student(running_platform, programme="MPUBH")
        activity = _log(student)
        alerts = admin.until(
            "GET",
            "/v1/coordinator/alerts",
            accept=lambda r: any(a["programme"] == "MPUBH" and a["waiting_items"] >= 1 for a in r.json()),
        ).json()
        assert {a["programme"] for a in alerts} >= {"MPUBH", "MMEDS"}
        assert all(a["marker"] == "CIM-ALERT no-coordinator-available" for a in alerts)
        assert health.call("GET", "/v1/coordinator/inbox").json() == []
        _in_inbox(admin, activity["id"])  # nothing is lost: an admin sees it
        log = (running_platform.layout.logs / "approvals.log").read_text()
        assert "CIM-ALERT no-coordinator-available" in log and "MPUBH" in log
    finally:
        admin.call("PUT", "/v1/coordinators/c-health-1", json={"programmes": original["programmes"]})
    _in_inbox(health, activity["id"])
    assert "MPUBH" not in {a["programme"] for a in admin.call("GET", "/v1/coordinator/alerts").json()}
