"""The RPCs a staff request to approvals' routes makes: one, approvals' own. Approvals reads a
coordinator's programmes from its directory on every call, so the gateway does not ask for them
first (the routes of the other services still do: they take the programmes from the gateway)."""

from __future__ import annotations

from werkzeug.test import EnvironBuilder

from services.gateway.auth import issue_dev_token
from services.gateway.routes.approvals import ApprovalsRoutes
from services.gateway.service import GatewayService
from shared.permissions import ADMIN, COORDINATOR
from shared.settings import load_settings
from tests.unit.test_gateway_student_ids import SECRET, Calls, FakeSecurity

SETTINGS = load_settings("gateway", {}, env={"CIM_ENV": "development", "CIM_DEV_ISSUER_SECRET": SECRET})
PAGE = {"items": [], "next_cursor": None}


class Gateway(ApprovalsRoutes):
    def __init__(self, calls: Calls):
        self.settings, self.security, self.correlation_id, self.students = SETTINGS, FakeSecurity(), "cid-1", None
        self.seen: list[dict] = []

        def inbox(actor, query):
            self.seen.append(actor)
            return PAGE

        self.approvals = calls.proxy(
            "approvals",
            inbox=inbox,
            coordinator_programmes=lambda subject: ["MBIOM"],
            alerts=lambda actor: [],
        )


def _request(path, role, subject="c-1"):
    token = issue_dev_token(SECRET, subject, role)
    return EnvironBuilder(method="GET", path=path, headers={"Authorization": f"Bearer {token}"}).get_request()


def test_a_coordinators_inbox_is_one_rpc_and_carries_no_programmes_of_the_callers_word():
    calls = Calls()
    gateway = Gateway(calls)
    response = Gateway.inbox(gateway, _request("/v1/coordinator/inbox", COORDINATOR))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert calls.made == [("approvals", "inbox")]
    assert gateway.seen[0]["subject"] == "c-1" and gateway.seen[0]["role"] == COORDINATOR
    assert not gateway.seen[0].get("programmes")  # approvals reads them from its directory


def test_an_admins_approvals_request_is_one_rpc_too():
    calls = Calls()
    gateway = Gateway(calls)
    assert Gateway.alerts(gateway, _request("/v1/coordinator/alerts", ADMIN)).status_code == 200
    assert calls.made == [("approvals", "alerts")]


class WholeGateway(GatewayService):
    """Every route group mixed as the service mixes them: what one group's helper does must not
    change another's."""

    def __init__(self, calls: Calls):
        self.settings, self.security, self.correlation_id, self.students = SETTINGS, FakeSecurity(), "cid-1", None
        self.seen: list[dict] = []

        def schedule(actor, body):
            self.seen.append(actor)
            return {"id": "c-1"}

        self.approvals = calls.proxy("approvals", coordinator_programmes=lambda subject: ["MBIOM"])
        self.ceremony = calls.proxy("ceremony", schedule=schedule)


def test_the_other_services_routes_still_carry_a_coordinators_programmes_in_the_whole_gateway():
    calls = Calls()
    gateway = WholeGateway(calls)
    token = issue_dev_token(SECRET, "c-1", COORDINATOR)
    request = EnvironBuilder(
        method="POST",
        path="/v1/ceremonies",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "title": "T",
            "starts_at": "2027-06-01T10:00:00+00:00",
            "location": "Aula",
            "capacity": 5,
            "language": "en",
        },
    ).get_request()
    response = WholeGateway.schedule_ceremony(gateway, request)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert calls.made == [("approvals", "coordinator_programmes"), ("ceremony", "schedule")]
    assert list(gateway.seen[0]["programmes"]) == ["MBIOM"]
