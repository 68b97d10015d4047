"""The roster's names: one registration RPC for a whole chunk of students (NAMES_MOST), never
one per student; an erased or unknown student is shown by id, without a name."""

from __future__ import annotations

from werkzeug.test import EnvironBuilder

from services.gateway.auth import issue_dev_token
from services.gateway.routes.ceremony import CeremonyRoutes
from shared.permissions import ADMIN
from shared.rpc.registration import NAMES_MOST
from shared.settings import load_settings
from tests.unit.test_gateway_student_ids import SECRET, Calls, FakeSecurity

SETTINGS = load_settings("gateway", {}, env={"CIM_ENV": "development", "CIM_DEV_ISSUER_SECRET": SECRET})


def _entry(number: int) -> dict:
    return {
        "position": number,
        "student_id": f"stu-{number}",
        "booking_id": f"b-{number}",
        "booked_at": "2026-12-01T10:00:00+00:00",
        "status": "booked",
        "report_status": "accepted",
    }


class Gateway(CeremonyRoutes):
    def __init__(self, calls: Calls, presenting: int, waiting: int):
        self.settings, self.security, self.correlation_id, self.students = SETTINGS, FakeSecurity(), "cid-1", None
        self.asked: list[list[str]] = []
        roster = {
            "ceremony": None,
            "presenting": [_entry(n) for n in range(presenting)],
            "waiting": [_entry(presenting + n) for n in range(waiting)],
        }

        def student_names(request):
            self.asked.append(request["student_ids"])
            return {sid: f"Name of {sid}" for sid in request["student_ids"] if sid != "stu-1"}  # stu-1 erased

        self.ceremony = calls.proxy("ceremony", roster=lambda actor, ceremony_id: roster)
        self.registration = calls.proxy("registration", student_names=student_names)


def _roster(gateway):
    token = issue_dev_token(SECRET, "admin-1", ADMIN)
    request = EnvironBuilder(
        method="GET", path="/v1/ceremonies/c-1/roster", headers={"Authorization": f"Bearer {token}"}
    ).get_request()
    return Gateway.roster(gateway, request, ceremony_id="c-1")


def test_a_roster_of_many_students_asks_registration_once_per_chunk_not_once_per_student():
    calls = Calls()
    gateway = Gateway(calls, presenting=30, waiting=5)
    response = _roster(gateway)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert calls.made == [("ceremony", "roster"), ("registration", "student_names")]
    body = response.get_json()
    entries = body["presenting"] + body["waiting"]
    assert [e["name"] for e in entries[:3]] == ["Name of stu-0", None, "Name of stu-2"]
    assert len(entries) == 35


def test_a_roster_longer_than_one_chunk_asks_in_chunks():
    calls = Calls()
    gateway = Gateway(calls, presenting=NAMES_MOST, waiting=NAMES_MOST // 2)
    assert _roster(gateway).status_code == 200
    assert [len(ids) for ids in gateway.asked] == [NAMES_MOST, NAMES_MOST // 2]
