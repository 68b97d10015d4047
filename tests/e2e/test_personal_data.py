"""Personal data through the gateway: the export, leaving the CIM, and erasure (RULES.md)."""

import json
import time
import uuid

import pytest

from cim import journey
from services.gateway.auth import issue_dev_token

pytestmark = pytest.mark.e2e

REGISTRATION = {"programme": "MBIOM", "expected_graduation": "2027-06", "language": "en"}


def _student(platform_, label: str):
    sub = f"s-{label}-{uuid.uuid4().hex[:8]}"
    email = f"{sub}@student.example.org"
    client = journey.Client(
        platform_.gateway_url,
        issue_dev_token(platform_.secret, sub, "student", name=f"Student {label.title()}", email=email),
    )
    student_id = client.call("POST", "/v1/registrations", 201, json=REGISTRATION).json()["student_id"]
    return client, student_id, email


def wait_for(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.3)


def _activity(client, secret: str) -> str:
    return client.call("POST", "/v1/me/activities", 201, json={**journey.ACTIVITIES[1], "description": secret}).json()[
        "id"
    ]


@pytest.fixture(scope="module")
def graduate(running_platform, tmp_path_factory):
    """A student who went all the way: a certificate, messages, a report, a booking."""
    return journey.run(
        running_platform.gateway_url,
        running_platform.secret,
        tmp_path_factory.mktemp("privacy"),
        name="Greta Graduate",
        log=lambda *_: None,
    )


@pytest.fixture(scope="module")
def graduate_client(running_platform, graduate):
    return journey.Client(
        running_platform.gateway_url,
        issue_dev_token(
            running_platform.secret, graduate["student_sub"], "student", name="Greta Graduate", email=graduate["email"]
        ),
    )


def test_the_export_holds_everything_about_the_caller_and_nothing_of_anyone_elses(
    running_platform, graduate, graduate_client
):
    other, other_id, other_email = _student(running_platform, "other")
    other_secret = f"the other student's own account {uuid.uuid4().hex}"
    _activity(other, other_secret)
    coordinator = journey.Client(
        running_platform.gateway_url, issue_dev_token(running_platform.secret, journey.COORDINATOR, "coordinator")
    )
    coordinator.until("GET", "/v1/coordinator/inbox", accept=lambda r: other_id in r.text)

    document = graduate_client.until(
        "GET", "/v1/me/export", accept=lambda r: r.json()["held"]["notifications"]["messages"]
    ).json()
    text = json.dumps(document)
    held = document["held"]
    assert document["student_id"] == graduate["student_id"]
    assert document["profile"]["email"] == graduate["email"]
    activities = held["activities"]["activities"]
    assert {a["activity_id"] for a in activities} == set(graduate["activity_ids"])
    assert {a["description"] for a in held["activities"]["activity_versions"]} == {
        a["description"] for a in journey.ACTIVITIES
    }
    assert len(held["activities"]["activity_decisions"]) == 3
    assert held["approvals"]["audit_entries"] and held["approvals"]["decisions"]
    assert [r["status"] for r in held["ceremony"]["final_reports"]] == ["accepted"]
    assert "content" not in held["ceremony"]["final_reports"][0]
    assert len(held["ceremony"]["bookings"]) == 1
    assert [c["code"] for c in held["certificates"]["certificates"]] == [graduate["certificate"]["code"]]
    assert [(e["section"], e["certificate_code"]) for e in held["certificates"]["diploma_supplement_entries"]] == [
        ("6.1", graduate["certificate"]["code"])
    ]
    assert {m["to_address"] for m in held["notifications"]["messages"]} == {graduate["email"]}
    assert graduate_client.call("GET", document["downloads"]["final_report"]).content.startswith(b"%PDF")
    # nothing of the other student's, though they share the programme and the coordinator
    for foreign in (other_id, other_email, other_secret, "Student Other"):
        assert foreign not in text


def test_leaving_empties_the_coordinators_inbox_of_the_students_items_and_confirms_it(running_platform):
    leaving, leaving_id, email = _student(running_platform, "leaving")
    activity_id = _activity(leaving, "an account that will not be decided")
    coordinator = journey.Client(
        running_platform.gateway_url, issue_dev_token(running_platform.secret, journey.COORDINATOR, "coordinator")
    )
    coordinator.until("GET", "/v1/coordinator/inbox", accept=lambda r: activity_id in r.text)

    answer = leaving.call("POST", "/v1/me/withdrawal", 200, json={"reason": "moving abroad"}).json()
    assert answer["status"] == "withdrawn"
    coordinator.until("GET", "/v1/coordinator/inbox", accept=lambda r: leaving_id not in r.text)
    leaving.until("GET", f"/v1/me/activities/{activity_id}", accept=lambda r: r.json()["status"] == "withdrawn")

    def kinds():
        return {
            kind
            for (kind,) in running_platform.query(
                "notifications", "SELECT kind FROM messages WHERE student_id = :s", s=leaving_id
            )
        }

    wait_for(lambda: "left-the-cim" in kinds(), "the confirmation message")
    assert kinds() == {"welcome", "left-the-cim"}


def _rows_naming(platform_, service: str, *texts: str) -> set[tuple[str, str]]:
    """(table, text) for each table of a service's database with a row whose text holds a text
    (two queries per database: the server is shared, connections are few)."""
    tables = [
        t
        for (t,) in platform_.query(
            service, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    ]
    params = {f"t{i}": f"%{text}%" for i, text in enumerate(texts)}
    union = " UNION ALL ".join(
        f"SELECT '{table}', {i} FROM \"{table}\" AS r WHERE CAST(r AS text) LIKE :t{i}"
        for table in tables
        for i in range(len(texts))
    )
    return {(table, texts[i]) for table, i in platform_.query(service, union, **params)}


def _rows_naming_with(platform_, service: str, texts: list[str], ids: list[str]) -> set:
    """(table, text) for rows holding one of `texts` and also one of `ids` (someone's own rows)."""
    tables = [
        t
        for (t,) in platform_.query(
            service, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    ]
    params = {
        **{f"t{i}": f"%{text}%" for i, text in enumerate(texts)},
        **{f"i{j}": f"%{ident}%" for j, ident in enumerate(ids)},
    }
    owned = " OR ".join(f"CAST(r AS text) LIKE :i{j}" for j in range(len(ids)))
    union = " UNION ALL ".join(
        f"SELECT '{table}', {i} FROM \"{table}\" AS r WHERE CAST(r AS text) LIKE :t{i} AND ({owned})"
        for table in tables
        for i in range(len(texts))
    )
    return {(table, texts[i]) for table, i in platform_.query(service, union, **params)}


def test_after_erasure_no_database_holds_the_student_but_the_certificate_still_verifies(
    running_platform, graduate, graduate_client
):
    """Runs last in this module: it erases the graduate the other tests read."""
    admin = journey.Client(running_platform.gateway_url, issue_dev_token(running_platform.secret, "a-privacy", "admin"))
    student_id, code = graduate["student_id"], graduate["certificate"]["code"]
    # the check below finds the student where they are (before), so its empty answer means gone
    assert {"students", "recipients", "messages"} <= {
        table
        for s in running_platform.database_urls
        for table, _ in _rows_naming(running_platform, s, graduate["email"])
    }
    # the journey's activity texts are the same for every journey's student on this platform:
    # the graduate's are the rows that also name the graduate's own ids
    their_ids = [
        student_id,
        *(
            a
            for (a,) in running_platform.query(
                "activities", "SELECT activity_id FROM activities WHERE student_id = :s", s=student_id
            )
        ),
    ]
    assert len(their_ids) > 1
    # and words and evidence of the graduate's own, nobody else's: waiting in the coordinator's inbox
    own_words = f"an account only the graduate gave {uuid.uuid4().hex}"
    own_evidence = f"https://evidence.example.org/{uuid.uuid4().hex}.pdf"
    late = graduate_client.call(
        "POST",
        "/v1/me/activities",
        201,
        json={**journey.ACTIVITIES[0], "description": own_words, "evidence_urls": [own_evidence]},
    ).json()["id"]
    coordinator = journey.Client(
        running_platform.gateway_url, issue_dev_token(running_platform.secret, journey.COORDINATOR, "coordinator")
    )
    coordinator.until("GET", "/v1/coordinator/inbox", accept=lambda r: late in r.text)
    assert {"activities", "approvals"} <= {
        s for s in running_platform.database_urls if _rows_naming(running_platform, s, own_words, own_evidence)
    }
    admin.call("DELETE", f"/v1/students/{student_id}/personal-data", 422, json={})
    asked = admin.call(
        "DELETE",
        f"/v1/students/{student_id}/personal-data",
        202,
        json={"reason": "request 2026-117 under GDPR art. 17"},
    ).json()
    report = admin.until(
        "GET", f"/v1/students/{student_id}/personal-data/erasure", accept=lambda r: r.json()["complete"]
    ).json()
    assert report["erasure_id"] == asked["erasure_id"]
    assert report["services"]["activities"]["tables"]["activities"] == {"erasure": "deleted", "rows": 0}
    assert report["services"]["certificates"]["tables"]["certificates"]["erasure"] == "kept"

    secrets = [graduate["email"], graduate["student_sub"], own_words, own_evidence]
    found = {
        service: hits
        for service in running_platform.database_urls
        if (hits := _rows_naming(running_platform, service, *secrets))
    }
    assert found == {}
    descriptions = [a["description"] for a in journey.ACTIVITIES]
    theirs = {
        service: hits
        for service in running_platform.database_urls
        if (hits := _rows_naming_with(running_platform, service, descriptions, their_ids))
    }
    assert theirs == {}
    assert running_platform.query("ceremony", "SELECT 1 FROM final_reports WHERE student_id = :s", s=student_id) == []
    assert running_platform.query("notifications", "SELECT 1 FROM messages WHERE student_id = :s", s=student_id) == []
    # the erasure is in the audit trail, with who asked and why, and nothing erased
    assert running_platform.query(
        "approvals",
        "SELECT actor, detail FROM audit_entries WHERE student_id = :s AND action = 'personal_data_erased'",
        s=student_id,
    ) == [("a-privacy", "request 2026-117 under GDPR art. 17")]
    # what the issued certificate states stays, so it verifies; the person's login finds nothing
    verification = journey.Client(running_platform.gateway_url, None).call("GET", f"/v1/verify/{code}").json()
    assert verification["status"] == "valid" and verification["holder"] == "Greta Graduate"
    graduate_client.call("GET", "/v1/me", 404)
    graduate_client.call("GET", "/v1/me/export", 404)


def test_the_logs_of_a_whole_journey_and_its_erasure_name_no_one(running_platform, graduate):
    """Ids only: a name or an email address in a log would outlive any erasure."""
    logs = {
        path.name: path.read_text(errors="replace")
        for path in running_platform.layout.logs.glob("*.log")
        if path.name != "smtp.log"
    }  # the stand-in mail server, not the platform
    assert {"gateway.log", "registration.log", "notifications.log"} <= set(logs)
    assert any(graduate["student_id"] in text for text in logs.values())  # ids are logged
    for needle in ("Greta Graduate", graduate["email"], "Student Other", "Student Leaving"):
        assert [name for name, text in logs.items() if needle in text] == [], needle
