"""Every route of the OpenAPI document, with each role and with no token, against someone else's
objects: where the caller may not act the answer is 401, 403 or 404 and nothing changes.

A route missing from RULES fails the suite: a new route needs a rule here before it can land.
Each rule says which roles may call the route at all, and which of those roles must still be
refused someone else's object (`foreign`): a student another student's activity, a coordinator a
student of a programme they do not cover (the coordinator's programmes come from the approvals
directory, never from the token). Allowed calls are made with an empty body, so they show that
the role passes the gate (not 401/403) without changing anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

import pytest
import requests

from cim import journey
from services.gateway.auth import issue_dev_token

pytestmark = pytest.mark.e2e

STUDENT, COORDINATOR, ADMIN, REGISTRAR = "student", "coordinator", "admin", "registrar"
ALL = frozenset({STUDENT, COORDINATOR, ADMIN, REGISTRAR})
REGISTRATION = {"programme": "MPUBH", "expected_graduation": "2027-06", "language": "en"}


@dataclass(frozen=True)
class Rule:
    allowed: frozenset = frozenset()  # roles that may call the route at all
    foreign: frozenset = frozenset()  # of those, roles refused someone else's object
    public: bool = False  # no token needed
    body: Callable | dict | None = None  # a valid body (so a refusal is about authorisation)
    ok_on_allowed: bool = False  # allowed roles get 200 (catalogues)
    hides: bool = False  # a list: the foreign role must not see the object
    bulk: bool = False  # 200 with per-item results: each must be refused


def R(allowed=(), foreign=(), **kw) -> Rule:  # noqa: N802
    return Rule(frozenset(allowed), frozenset(foreign), **kw)


ACTIVITY = journey.ACTIVITIES[1]
RULES: dict[str, Rule] = {
    # the public: verification, and what verifies a badge
    "GET /v1/verify/{code}": R(public=True),
    "GET /verify/{code}": R(public=True),
    "GET /.well-known/jwks.json": R(public=True),  # the keys that verify the badges we sign
    "GET /v1/credentials/status/{list_number}": R(public=True),  # the badges' revocation bits
    # catalogues every signed-in person reads
    "GET /v1/activity-types": R(ALL, ok_on_allowed=True),
    "GET /v1/programmes": R(ALL, ok_on_allowed=True),
    "GET /v1/ceremonies": R(ALL, ok_on_allowed=True),
    # a student's own records: no id of anyone else's can even be named
    "POST /v1/registrations": R({STUDENT}, body=REGISTRATION),
    "GET /v1/me": R({STUDENT}),
    "GET /v1/me/activities": R({STUDENT}),
    "POST /v1/me/activities": R({STUDENT}, body=ACTIVITY),
    "GET /v1/me/progress": R({STUDENT}),
    "POST /v1/me/report": R({STUDENT}),
    "GET /v1/me/certificate": R({STUDENT}),
    "GET /v1/me/certificate.pdf": R({STUDENT}),
    "GET /v1/me/certificate/badge": R({STUDENT}),
    "GET /v1/me/audit": R({STUDENT}),
    "GET /v1/me/export": R({STUDENT}),
    "GET /v1/me/report.pdf": R({STUDENT}),
    # the intruder leaves (an empty body is a withdrawal without a reason); the owner stays
    "POST /v1/me/withdrawal": R({STUDENT}, body={"reason": "matrix"}),
    "POST /v1/ceremonies/{ceremony_id}/bookings": R({STUDENT}),
    "GET /v1/me/booking": R({STUDENT}),
    "GET /v1/me/preferences": R(ALL, ok_on_allowed=True),
    "PUT /v1/me/preferences": R(ALL, body={"language": "sv"}),
    "DELETE /v1/me/booking": R({STUDENT}),
    # a student's object by id: another student's is not found
    "GET /v1/me/activities/{activity_id}": R({STUDENT}, {STUDENT}),
    "PUT /v1/me/activities/{activity_id}": R({STUDENT}, {STUDENT}, body=ACTIVITY),
    "DELETE /v1/me/activities/{activity_id}": R({STUDENT}, {STUDENT}),
    "POST /v1/me/activities/{activity_id}/sessions": R({STUDENT}, {STUDENT}, body={"date": "2026-04-08", "title": "x"}),
    "GET /v1/me/activities/{activity_id}/versions": R({STUDENT}, {STUDENT}),
    "GET /v1/students/{student_id}/audit": R({STUDENT, COORDINATOR, ADMIN}, {STUDENT, COORDINATOR}),
    # coordinators: only the programmes they cover; admin: all
    "GET /v1/coordinator/inbox": R({COORDINATOR, ADMIN}, {COORDINATOR}, hides=True),
    "GET /v1/coordinator/funnel": R({COORDINATOR, ADMIN}),
    "GET /v1/activities/{activity_id}": R({COORDINATOR, ADMIN}, {COORDINATOR}),
    "GET /v1/students/{student_id}/report": R({COORDINATOR, ADMIN}, {COORDINATOR}),
    "GET /v1/students/{student_id}/report.pdf": R({COORDINATOR, ADMIN}, {COORDINATOR}),
    "GET /v1/me/report": R({STUDENT}),
    "POST /v1/activities/{activity_id}/decision": R({COORDINATOR, ADMIN}, {COORDINATOR}, body={"decision": "approved"}),
    "POST /v1/activities/{activity_id}/approval-withdrawal": R(
        {COORDINATOR, ADMIN}, {COORDINATOR}, body={"reason": "mistake"}
    ),
    "POST /v1/activities/decisions": R(
        {COORDINATOR, ADMIN},
        {COORDINATOR},
        bulk=True,
        body=lambda ctx: {"decision": "approved", "items": [{"activity_id": ctx["activity_id"]}]},
    ),
    "POST /v1/students/{student_id}/report/decision": R(
        {COORDINATOR, ADMIN}, {COORDINATOR}, body={"decision": "accepted"}
    ),
    "POST /v1/ceremonies/{ceremony_id}/presentations": R(
        {COORDINATOR, ADMIN}, {COORDINATOR}, body=lambda ctx: {"student_id": ctx["student_id"]}
    ),
    "POST /v1/ceremonies": R({COORDINATOR, ADMIN}),
    # a ceremony of programmes the coordinator does not cover: not theirs to know of
    "PATCH /v1/ceremonies/{ceremony_id}": R({COORDINATOR, ADMIN}, {COORDINATOR}, body={"location": "Elsewhere"}),
    "POST /v1/ceremonies/{ceremony_id}/cancellation": R(
        {COORDINATOR, ADMIN}, {COORDINATOR}, body={"reason": "no room"}
    ),
    "GET /v1/ceremonies/{ceremony_id}/roster": R({COORDINATOR, ADMIN}, {COORDINATOR}),
    "GET /v1/ceremonies/{ceremony_id}/roster.pdf": R({COORDINATOR, ADMIN}, {COORDINATOR}),
    # admin and registrar functions
    "GET /v1/coordinator/alerts": R({ADMIN}),
    "GET /v1/coordinators": R({ADMIN}),
    "GET /v1/students/{student_id}/messages": R({ADMIN}),
    "PUT /v1/coordinators/{subject}": R({ADMIN}, body={"programmes": ["MPUBH"]}),
    "PUT /v1/activity-types/{code}": R({ADMIN}),
    "GET /v1/students/{student_id}/diploma-supplement": R({REGISTRAR, ADMIN}),
    "PUT /v1/students/{student_id}/programme": R({ADMIN, REGISTRAR}, body={"programme": "MPUBH"}),
    "POST /v1/certificates/{code}/revocation": R({ADMIN}, body={"reason": "fraud"}),
    "POST /v1/certificates/{code}/reissue": R({ADMIN}, body={"reason": "correction"}),
    "POST /v1/certificates/{code}/review": R({ADMIN}, body={"decision": "revoke", "reason": "x"}),
    "GET /v1/certificates/reviews": R({ADMIN}),
    "GET /v1/ceremonies/{ceremony_id}/certificates.zip": R({ADMIN}),
    # erasure: without a reason (the matrix sends no DELETE body) nothing is erased (422)
    "DELETE /v1/students/{student_id}/personal-data": R({ADMIN}, body={"reason": "matrix"}),
    "GET /v1/students/{student_id}/personal-data/erasure": R({ADMIN}),
    # campus systems only (the role campus-system; tests/e2e/test_campus.py): no person may post
    "POST /v1/campus/events": R(),
}


@pytest.fixture(scope="module")
def world(running_platform):
    """Someone else's objects: student A's activity (programme MPUBH), a ceremony; and the callers."""
    url, secret = running_platform.gateway_url, running_platform.secret

    def person(role, sub=None, **claims):
        return journey.Client(url, issue_dev_token(secret, sub or f"{role[0]}-{uuid.uuid4().hex[:8]}", role, **claims))

    owner = person(STUDENT, name="Owner A", email=f"a-{uuid.uuid4().hex[:6]}@example.org")
    owner.call("POST", "/v1/registrations", 201, json=REGISTRATION)
    activity = owner.call("POST", "/v1/me/activities", 201, json=journey.ACTIVITIES[0]).json()
    intruder = person(STUDENT, name="Intruder B", email=f"b-{uuid.uuid4().hex[:6]}@example.org")
    intruder.call("POST", "/v1/registrations", 201, json={**REGISTRATION, "programme": "MPUBH"})
    admin = person(ADMIN)
    ceremony = admin.call(
        "POST",
        "/v1/ceremonies",
        201,
        json={
            "title": "Matrix ceremony",
            "starts_at": "2027-06-01T14:00:00+02:00",
            "location": "Aula",
            "capacity": 10,
            "language": "en",
            "programmes": ["MPUBH"],
        },
    ).json()
    callers = {
        STUDENT: intruder,
        COORDINATOR: person(COORDINATOR, sub="c-biomed"),
        ADMIN: admin,
        REGISTRAR: person(REGISTRAR),
        None: journey.Client(url, None),
    }
    # the coordinator covering A's programme sees A's activity: the outsider's empty view is not
    # just the platform being slow
    person(COORDINATOR, sub="c-health-1").until(
        "GET", "/v1/coordinator/inbox", accept=lambda r: activity["id"] in str(r.json())
    )
    ctx = {
        "activity_id": activity["id"],
        "student_id": owner.call("GET", "/v1/me").json()["student_id"],
        "ceremony_id": ceremony["id"],
        "code": "CIM-NOSUCHCODE",
        "list_number": "1",
        "subject": "c-nobody-matrix",
    }
    return {"owner": owner, "callers": callers, "ctx": ctx, "activity": activity}


@pytest.fixture(scope="module")
def document(running_platform):
    return requests.get(running_platform.gateway_url + "/openapi.json", timeout=10).json()


def _operations(document):
    return sorted(f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops)


def test_every_route_of_the_document_has_a_rule(document):
    operations = set(_operations(document))
    assert not operations - set(RULES), f"routes without an authorisation rule: {sorted(operations - set(RULES))}"
    assert not set(RULES) - operations, f"rules for routes that are gone: {sorted(set(RULES) - operations)}"


def _call(client, key, ctx, body):
    method, path = key.split(" ", 1)
    for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
        assert name in ctx, f"{key}: the matrix has no object for path parameter {name!r}"
        path = path.replace("{" + name + "}", ctx[name])
    kwargs = {"json": body} if method in ("POST", "PUT", "PATCH") else {}
    return client.session.request(method, client.base_url + path, timeout=30, **kwargs)


def _problem(response):
    assert response.headers.get("Content-Type", "").startswith("application/problem+json"), response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "role",
    [STUDENT, COORDINATOR, ADMIN, REGISTRAR, None],
    ids=["student", "coordinator", "admin", "registrar", "no-token"],
)
def test_each_role_acts_only_where_it_may(world, document, role):
    failures = []
    for key in _operations(document):
        rule = RULES.get(key)
        if rule is None:
            failures.append(f"{key}: no rule")
            continue
        client, ctx = world["callers"][role], world["ctx"]
        body = rule.body(ctx) if callable(rule.body) else rule.body
        if rule.public:
            r = _call(client, key, ctx, body)
            if r.status_code in (401, 403) or r.status_code >= 500:
                failures.append(f"{key} as {role}: {r.status_code} on a public route")
            continue
        if role is None:
            expected = {401}
        elif role not in rule.allowed:
            expected = {403}
        elif role in rule.foreign:
            expected = {403, 404}
        else:
            r = _call(client, key, ctx, {})  # passes the gate, changes nothing (empty body)
            wanted_ok = rule.ok_on_allowed and r.status_code != 200
            if r.status_code in (401, 403) or r.status_code >= 500 or wanted_ok:
                failures.append(f"{key} as {role} (allowed): {r.status_code} {r.text[:200]}")
            continue
        r = _call(client, key, ctx, body)
        if rule.hides and r.status_code == 200:
            if ctx["activity_id"] in r.text or ctx["student_id"] in r.text:
                failures.append(f"{key} as {role}: lists someone else's object")
            continue
        if rule.bulk and r.status_code == 200:
            results = r.json().get("results", [])
            if not results or any(item.get("ok") for item in results):
                failures.append(f"{key} as {role}: acted on someone else's object: {r.text[:300]}")
            continue
        if r.status_code not in expected:
            failures.append(f"{key} as {role}: {r.status_code}, expected {sorted(expected)}: {r.text[:200]}")
        else:
            _problem(r)
    assert not failures, "\n".join(failures)
    # and nothing changed for the owner
    assert world["owner"].call("GET", f"/v1/me/activities/{world['activity']['id']}").json()["status"] == "submitted"


def test_a_student_cannot_set_a_status_or_name_another_student_in_any_body(world, document):
    """Every body a student may send, with `status` and someone else's `student_id` added: 422."""
    student, ctx = world["callers"][STUDENT], world["ctx"]
    checked = []
    for key in _operations(document):
        rule = RULES[key]
        method, path = key.split(" ", 1)
        operation = document["paths"][path][method.lower()]
        if STUDENT not in rule.allowed or "application/json" not in operation.get("requestBody", {}).get("content", {}):
            continue
        body = rule.body(ctx) if callable(rule.body) else rule.body
        assert body is not None, f"{key}: give the rule a valid body"
        r = _call(student, key, ctx, {**body, "status": "approved", "student_id": ctx["student_id"]})
        assert r.status_code == 422, (key, r.status_code, r.text)
        assert {"status", "student_id"} <= set(r.json()["errors"]), (key, r.text)
        checked.append(key)
    assert "POST /v1/me/activities" in checked and "POST /v1/registrations" in checked
    assert world["owner"].call("GET", f"/v1/me/activities/{world['activity']['id']}").json()["status"] == "submitted"
