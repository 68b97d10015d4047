"""The gateway's short-lived memory of who is which student (services/gateway/students.py), and
the RPC calls a student's request makes with it: one (the owning service's) on a warm memory,
registration asked again after the TTL, after the student's own withdrawal, and never for an
erased student's old id; the memory stays within its bound."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from services.gateway.auth import DEV_ISSUER, issue_dev_token
from services.gateway.routes.approvals import ApprovalsRoutes
from services.gateway.routes.personal_data import PersonalDataRoutes
from services.gateway.students import StudentIds
from shared.errors import NotFound
from shared.permissions import ADMIN, STUDENT
from shared.settings import load_settings

SECRET = "student-ids-test-secret-long-enough-for-hs256"
SETTINGS = load_settings("gateway", {}, env={"CIM_ENV": "development", "CIM_DEV_ISSUER_SECRET": SECRET})


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Calls:
    """Every RPC the routes make, by (service, method), through proxies that answer like the services."""

    def __init__(self):
        self.made: list[tuple[str, str]] = []
        self.registered = {("cim-dev", "s-1"): "stu-1", ("cim-dev", "s-2"): "stu-2"}

    def proxy(self, service: str, **answers):
        calls = self

        class Proxy:
            def __getattr__(self, method):
                def call(*args):
                    calls.made.append((service, method))
                    return answers[method](*args)

                return call

        return Proxy()

    def find_student(self, issuer, subject):
        if (issuer, subject) not in self.registered:
            raise NotFound("you are not registered for the CIM")
        return {"student_id": self.registered[(issuer, subject)], "status": "registered"}

    def erase(self, actor, student_id, request):
        self.registered = {k: v for k, v in self.registered.items() if v != student_id}
        return {"erasure_id": "e-1", "student_id": student_id, "requested_at": "2026-12-02T00:00:00+00:00"}


class FakeSecurity:
    oidc = None
    tokens = None

    def limit(self, bucket, who, rate=None):
        pass


class Gateway(ApprovalsRoutes, PersonalDataRoutes):
    def __init__(self, calls: Calls, students: StudentIds):
        self.settings, self.security, self.correlation_id, self.students = SETTINGS, FakeSecurity(), "cid-1", students
        self.registration = calls.proxy(
            "registration",
            find_student=calls.find_student,
            withdraw=lambda actor, body: {"status": "withdrawn"},
            request_erasure=calls.erase,
        )
        self.approvals = calls.proxy("approvals", progress=lambda actor: {"student_id": actor["student_id"]})


def _request(method="GET", path="/", subject="s-1", role=STUDENT, **kwargs):
    token = issue_dev_token(SECRET, subject, role)
    return EnvironBuilder(
        method=method, path=path, headers={"Authorization": f"Bearer {token}"}, **kwargs
    ).get_request()


@pytest.fixture
def world():
    calls, clock = Calls(), Clock()
    return calls, clock, Gateway(calls, StudentIds(ttl_s=5, max_size=100, clock=clock))


def test_a_progress_request_on_a_warm_memory_is_one_rpc_the_owning_services(world):
    calls, _, gateway = world
    assert Gateway.progress(gateway, _request(path="/v1/me/progress")).get_json() == {"student_id": "stu-1"}
    assert calls.made == [("registration", "find_student"), ("approvals", "progress")]
    calls.made.clear()
    for _ in range(3):
        assert Gateway.progress(gateway, _request(path="/v1/me/progress")).status_code == 200
    assert calls.made == [("approvals", "progress")] * 3


def test_registration_is_asked_again_once_the_ttl_has_passed(world):
    calls, clock, gateway = world
    Gateway.progress(gateway, _request())
    clock.now += 4.9
    Gateway.progress(gateway, _request())
    assert calls.made.count(("registration", "find_student")) == 1
    clock.now += 0.2
    Gateway.progress(gateway, _request())
    assert calls.made.count(("registration", "find_student")) == 2


def test_each_person_is_their_own_student_whatever_the_memory_holds(world):
    calls, _, gateway = world
    assert Gateway.progress(gateway, _request(subject="s-1")).get_json() == {"student_id": "stu-1"}
    assert Gateway.progress(gateway, _request(subject="s-2")).get_json() == {"student_id": "stu-2"}
    assert Gateway.progress(gateway, _request(subject="s-1")).get_json() == {"student_id": "stu-1"}


def test_not_registered_is_not_remembered_so_a_registration_is_seen_at_once(world):
    calls, _, gateway = world
    assert Gateway.progress(gateway, _request(subject="s-new")).status_code == 404
    calls.registered[("cim-dev", "s-new")] = "stu-new"
    assert Gateway.progress(gateway, _request(subject="s-new")).get_json() == {"student_id": "stu-new"}


def test_the_students_own_withdrawal_makes_their_next_request_ask_registration(world):
    calls, _, gateway = world
    Gateway.progress(gateway, _request())
    response = Gateway.withdrawal(gateway, _request("POST", "/v1/me/withdrawal", json={}))
    assert response.status_code == 200
    calls.made.clear()
    Gateway.progress(gateway, _request())
    assert calls.made == [("registration", "find_student"), ("approvals", "progress")]


def test_an_erased_students_next_request_is_refused_at_once_on_a_warm_memory(world):
    calls, _, gateway = world
    assert Gateway.progress(gateway, _request()).status_code == 200  # warm
    erased = Gateway.erase(
        gateway,
        _request("DELETE", "/v1/students/stu-1/personal-data", subject="a-1", role=ADMIN, json={"reason": "art. 17"}),
        student_id="stu-1",
    )
    assert erased.status_code == 202
    calls.made.clear()
    response = Gateway.progress(gateway, _request())
    assert response.status_code == 404 and calls.made == [("registration", "find_student")]
    assert Gateway.progress(gateway, _request(subject="s-2")).status_code == 200  # others unaffected


def test_a_lookup_in_flight_during_an_erasure_does_not_bring_the_old_id_back():
    clock = Clock()
    students = StudentIds(ttl_s=5, clock=clock)

    def find_answering_the_old_row(issuer, subject):
        students.forget_student("stu-1")  # the erasure lands while registration answers
        return {"student_id": "stu-1"}

    assert students.student_id(DEV_ISSUER, "s-1", find_answering_the_old_row) == "stu-1"
    assert len(students) == 0
    clock.now += 5.1  # the refusal to remember lasts one TTL
    assert students.student_id(DEV_ISSUER, "s-1", lambda i, s: {"student_id": "stu-1"}) == "stu-1"
    assert len(students) == 1


def test_the_memory_is_bounded_and_the_least_recently_used_go_first():
    students, asked = StudentIds(ttl_s=60, max_size=3, clock=Clock()), []

    def find(issuer, subject):
        asked.append(subject)
        return {"student_id": f"stu-{subject}"}

    for subject in ("a", "b", "c"):
        students.student_id(DEV_ISSUER, subject, find)
    students.student_id(DEV_ISSUER, "a", find)  # used again: now the most recent
    students.student_id(DEV_ISSUER, "d", find)  # over the bound: "b" goes
    assert len(students) == 3
    assert asked == ["a", "b", "c", "d"]
    students.student_id(DEV_ISSUER, "a", find)
    students.student_id(DEV_ISSUER, "b", find)
    assert asked == ["a", "b", "c", "d", "b"]
    for n in range(1000):
        students.student_id(DEV_ISSUER, f"many-{n}", find)
    assert len(students) == 3


def test_a_ttl_of_zero_remembers_nothing():
    students = StudentIds(ttl_s=0, clock=Clock())
    students.student_id(DEV_ISSUER, "s-1", lambda i, s: {"student_id": "stu-1"})
    students.student_id(DEV_ISSUER, "s-1", lambda i, s: {"student_id": "stu-1"})
    assert students.lookups == 2 and len(students) == 0


def test_a_size_below_one_is_refused():
    with pytest.raises(ValueError):
        StudentIds(max_size=0)
