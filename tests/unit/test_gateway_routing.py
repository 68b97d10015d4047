"""What every gateway route does around its own lines, without a broker: authentication, the role
rule, rate limits, body and query validation, cursor paging, and the problem for each failure.

A route is a plain method once decorated: these tests call it with a werkzeug request and a
stand-in for the service (`FakeGateway`: settings, security, and RPC proxies that are fakes).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from marshmallow import fields
from nameko.exceptions import RemoteError, UnknownService, deserialize, serialize
from werkzeug.routing import Map, Rule
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Response

from services.gateway.auth import issue_dev_token
from services.gateway.bodies import json_body
from services.gateway.errors import RateLimited
from services.gateway.routes import Routes
from services.gateway.paging import page_query
from services.gateway.routing import ANY_ROLE, route
from services.gateway.students import StudentIds
from services.gateway.web import ProblemWsgiApp
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.permissions import ADMIN, COORDINATOR, ROLES, STUDENT
from shared import keyset
from shared.rpc import Payload
from shared.rpc.paging import load_page
from shared.settings import load_settings

SECRET = "routing-test-secret-long-enough-for-hs256"
SETTINGS = load_settings("gateway", {}, env={"CIM_ENV": "development", "CIM_DEV_ISSUER_SECRET": SECRET})


class FakeSecurity:
    """The rate limiter as the routes see it: counts what it is asked, refuses when told to."""

    oidc = None
    tokens = None

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.counted: list[tuple[str, str]] = []

    def limit(self, bucket: str, who: str, rate=None):
        self.counted.append((bucket, who))
        if self.refuse:
            raise RateLimited("too many requests of this kind; try again in 7 s", 7)


class Body(Payload):
    comment = fields.String(required=True)


def _five_at_the_source(query: dict) -> dict:
    """An owning service's list of five, paged as every service pages (shared/keyset.py)."""
    page = load_page(query)
    after = keyset.decode_cursor(page.cursor, "things", (int,))[0] if page.cursor else -1
    rows = [{"n": n} for n in range(5) if n > after][: page.limit + 1]
    return keyset.page_of(rows, page.limit, "things", lambda row: (row["n"],))


class Group(Routes):
    """Routes of every kind, each doing what its test needs through `self.owner` (a callable)."""

    @route("GET", "/public", roles=None)
    def public(self, request, identity):
        return 200, {"identity": identity}

    @route("GET", "/staff", roles=(COORDINATOR, ADMIN))
    def staff_only(self, request, identity):
        return 200, self._staff(identity)

    @route("GET", "/anyone", roles=ANY_ROLE)
    def anyone(self, request, identity):
        return 200, self.owner()

    @route("POST", "/things", roles=(STUDENT,), body=Body)
    def create(self, request, identity):
        return 201, {"body": json_body(request), "actor": self._student(identity)}

    @route("GET", "/things", roles=(STUDENT,), response=Body(many=True))
    def listing(self, request, identity):
        return 200, (self.lister or _five_at_the_source)(page_query(request))

    @route("GET", "/whole-things", roles=(STUDENT,), response=Body(many=True))
    def whole_listing(self, request, identity):
        return 200, [{"n": n} for n in range(5)]  # a whole list: not what a paged route answers

    @route("GET", "/file", roles=(STUDENT,))
    def file(self, request, identity):
        return Response(b"%PDF-", mimetype="application/pdf")


class FakeGateway(Group):
    def __init__(self, owner=None, security=None, programmes=("MBIOM",), lister=None):
        self.settings = SETTINGS
        self.security = security or FakeSecurity()
        self.correlation_id = "cid-1"
        self.owner = owner or (lambda: {"ok": True})
        self.lister = lister  # the owning service of /things (default: five items paged at the source)
        self.registration = SimpleNamespace(find_student=lambda issuer, subject: {"student_id": "stu-1"})
        self.students = StudentIds()
        self.approvals = SimpleNamespace(coordinator_programmes=lambda subject: list(programmes))


def _request(method="GET", path="/", role: str | None = STUDENT, subject="s-1", **kwargs):
    headers = dict(kwargs.pop("headers", {}))
    if role is not None:
        headers["Authorization"] = f"Bearer {issue_dev_token(SECRET, subject, role)}"
    return EnvironBuilder(method=method, path=path, headers=headers, **kwargs).get_request()


def _call(handler, request, gateway=None, **path_values) -> Response:
    return handler(gateway or FakeGateway(), request, **path_values)


def _problem(response: Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.headers["X-Correlation-ID"] == "cid-1"
    body = response.get_json(force=True)
    assert body["type"] == f"urn:cim:problem:{code}" and body["status"] == status
    return body


def test_a_public_route_needs_no_token_and_counts_as_a_lookup_of_the_client_address():
    gateway = FakeGateway()
    response = _call(Group.public, _request(role=None, environ_base={"REMOTE_ADDR": "10.0.0.9"}), gateway)
    assert response.status_code == 200 and response.get_json() == {"identity": None}
    assert gateway.security.counted == [("lookup", "ip:10.0.0.9")]


def test_a_route_with_roles_refuses_a_request_without_a_token():
    body = _problem(_call(Group.anyone, _request(role=None)), 401, "unauthorized")
    assert body["detail"] == "a bearer token is required"


def test_a_role_the_route_does_not_name_is_forbidden_before_any_service_is_asked():
    asked = []
    gateway = FakeGateway(owner=lambda: asked.append(True))
    body = _problem(_call(Group.staff_only, _request(role=STUDENT), gateway), 403, "forbidden")
    assert body["detail"] == "the student role may not do this" and not asked


@pytest.mark.parametrize("role", ROLES)
def test_any_role_means_every_role(role):
    assert _call(Group.anyone, _request(role=role)).status_code == 200


def test_reads_are_not_limited_and_writes_count_against_the_person():
    gateway = FakeGateway()
    _call(Group.anyone, _request(), gateway)
    assert gateway.security.counted == []
    _call(Group.create, _request("POST", json={"comment": "hi"}), gateway)
    [(bucket, who)] = gateway.security.counted
    assert bucket == "write" and who.startswith("id:")


def test_over_the_rate_a_write_is_429_with_retry_after():
    response = _call(
        Group.create, _request("POST", json={"comment": "hi"}), FakeGateway(security=FakeSecurity(refuse=True))
    )
    _problem(response, 429, "rate-limited")
    assert response.headers["Retry-After"] == "7"


def test_a_student_acts_with_the_student_id_the_gateway_looked_up():
    response = _call(Group.create, _request("POST", json={"comment": "hi"}, subject="s-9"))
    assert response.status_code == 201
    assert response.get_json() == {
        "body": {"comment": "hi"},
        "actor": {"issuer": "cim-dev", "subject": "s-9", "role": STUDENT, "student_id": "stu-1", "programmes": []},
    }


def test_a_coordinator_acts_with_the_programmes_of_the_directory_never_the_token():
    response = _call(
        Group.staff_only, _request(role=COORDINATOR, subject="c-1"), FakeGateway(programmes=("MBIOM", "BBIOM"))
    )
    assert response.get_json()["programmes"] == ["MBIOM", "BBIOM"]
    admin = _call(Group.staff_only, _request(role=ADMIN, subject="a-1")).get_json()
    assert admin["role"] == ADMIN and admin["programmes"] == []


@pytest.mark.parametrize(
    "kwargs,status,code",
    [
        ({"json": {"comment": "hi", "extra": 1}}, 422, "invalid"),
        ({"json": {}}, 422, "invalid"),
        ({"data": "{", "content_type": "application/json"}, 400, "bad-request"),
        ({"data": "[1]", "content_type": "application/json"}, 400, "bad-request"),
        ({"data": "comment=hi", "content_type": "text/plain"}, 415, "unsupported-media-type"),
        ({"data": "{" + " " * (64 * 1024) + "}", "content_type": "application/json"}, 413, "payload-too-large"),
    ],
    ids=["unknown-field", "missing-field", "not-json", "not-an-object", "not-json-type", "too-big"],
)
def test_a_body_is_read_and_validated_by_the_routes_schema(kwargs, status, code):
    _problem(_call(Group.create, _request("POST", **kwargs)), status, code)


def test_field_errors_are_listed_per_field():
    body = _problem(_call(Group.create, _request("POST", json={"extra": 1})), 422, "invalid")
    assert body["detail"] == "Some fields are not valid."
    assert set(body["errors"]) == {"comment", "extra"}


@pytest.mark.parametrize(
    "error,status,code",
    [
        (NotFound("no such activity"), 404, "not-found"),
        (Forbidden("the student role may not decide"), 403, "forbidden"),
        (Conflict("already decided"), 409, "conflict"),
        (Invalid({"reason": ["required"]}), 422, "invalid"),
    ],
)
def test_a_shared_error_from_the_owning_service_is_its_problem(error, status, code):
    def owner():
        # as nameko carries it back over RPC: the shared errors are registered, so they arrive
        # as themselves
        raise deserialize(serialize(error))

    body = _problem(_call(Group.anyone, _request(), FakeGateway(owner=owner)), status, code)
    if isinstance(error.detail, dict):
        assert body["errors"] == error.detail
    else:
        assert body["detail"] == error.detail


@pytest.mark.parametrize(
    "error",
    [
        RemoteError("KeyError", "'secret_column'"),
        ZeroDivisionError("Traceback (most recent call last): secret"),
    ],
    ids=["unregistered-remote-error", "local-bug"],
)
def test_any_other_failure_is_a_500_that_says_nothing_about_the_inside(error):
    def owner():
        raise error

    body = _problem(_call(Group.anyone, _request(), FakeGateway(owner=owner)), 500, "internal")
    assert "secret" not in str(body) and "detail" not in body


def test_a_service_that_is_not_running_is_a_503():
    def owner():
        raise UnknownService("certificates")

    body = _problem(_call(Group.anyone, _request(), FakeGateway(owner=owner)), 503, "unavailable")
    assert "certificates" in body["detail"]


def test_a_list_is_paged_by_cursor_with_a_link_to_the_next_page():
    first = _call(Group.listing, _request(path="/things", query_string={"limit": "2"}))
    assert first.get_json() == [{"n": 0}, {"n": 1}]
    cursor = first.headers["X-Next-Cursor"]
    assert first.headers["Link"] == f'</things?limit=2&cursor={cursor}>; rel="next"'
    second = _call(Group.listing, _request(path="/things", query_string={"limit": "2", "cursor": cursor}))
    assert second.get_json() == [{"n": 2}, {"n": 3}]
    last = _call(
        Group.listing, _request(path="/things", query_string={"limit": "2", "cursor": second.headers["X-Next-Cursor"]})
    )
    assert last.get_json() == [{"n": 4}] and "X-Next-Cursor" not in last.headers


def test_the_gateway_passes_only_the_paging_arguments_on_and_never_slices_a_list():
    asked = []
    gateway = FakeGateway(lister=lambda query: asked.append(query) or {"items": [{"n": 9}], "next_cursor": None})
    response = _call(Group.listing, _request(path="/things", query_string={"limit": "3"}), gateway)
    assert asked == [{"limit": 3}] and response.get_json() == [{"n": 9}] and "Link" not in response.headers
    _call(Group.listing, _request(path="/things"), gateway)
    assert asked[-1] == {}  # the owning service's default page


def test_a_paged_route_that_answers_a_whole_list_is_a_server_error():
    _problem(_call(Group.whole_listing, _request(path="/whole-things")), 500, "internal")


@pytest.mark.parametrize("query", [{"limit": "0"}, {"page": "2"}])
def test_a_bad_or_unknown_query_parameter_is_invalid(query):
    _problem(_call(Group.listing, _request(path="/things", query_string=query)), 422, "invalid")


@pytest.mark.parametrize("cursor", ["bogus", "0"])
def test_a_well_formed_cursor_the_list_never_gave_out_names_no_page(cursor):
    _problem(_call(Group.listing, _request(path="/things", query_string={"cursor": cursor})), 404, "not-found")


def test_a_response_a_route_builds_itself_gets_the_correlation_id():
    response = _call(Group.file, _request())
    assert response.mimetype == "application/pdf" and response.headers["X-Correlation-ID"] == "cid-1"


class FineProvider:
    def handle_request(self, request):
        return Response("fine")


def _web_app():
    rule = Rule("/known", methods=["GET", "POST"], endpoint=FineProvider())
    return Client(ProblemWsgiApp(SimpleNamespace(make_url_map=lambda: Map([rule]))))


def test_an_unknown_path_is_a_404_problem_not_an_html_page():
    response = _web_app().get("/nowhere", headers={"X-Correlation-ID": "mine"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.headers["X-Correlation-ID"] == "mine"
    assert response.get_json()["detail"] == "no such route"


def test_an_unknown_method_is_a_405_problem_naming_the_allowed_ones():
    response = _web_app().delete("/known")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "urn:cim:problem:method-not-allowed"
    assert response.headers["Allow"] == "GET, HEAD, POST"


def test_the_server_reads_a_request_line_as_long_as_a_json_body_may_be():
    """eventlet alone answers a bare 414 past 8 KiB, before any route (and its problem) sees it."""
    import eventlet

    from services.gateway.bodies import MAX_JSON_BYTES
    from services.gateway.web import ProblemWebServer

    sock = eventlet.listen(("127.0.0.1", 0))
    try:
        server = ProblemWebServer().get_wsgi_server(sock, lambda environ, start: [])
        assert server.url_length_limit == MAX_JSON_BYTES > 8192
    finally:
        sock.close()


def test_a_service_that_does_not_answer_in_time_is_a_504_that_says_the_change_may_still_be_made():
    import dataclasses

    import eventlet

    answered = []

    def owner():
        eventlet.sleep(5)
        answered.append(True)
        return {"ok": True}

    gateway = FakeGateway(owner=owner)
    gateway.settings = dataclasses.replace(SETTINGS, request_timeout_s=1)
    body = _problem(_call(Group.anyone, _request(), gateway), 504, "timeout")
    assert "within 1 s" in body["detail"] and "read it back" in body["detail"]
    assert answered == []  # the wait was given up, not sat out


def test_a_route_that_answers_in_time_is_not_cut_short():
    import dataclasses

    import eventlet

    def owner():
        eventlet.sleep(0.05)
        return {"ok": True}

    gateway = FakeGateway(owner=owner)
    gateway.settings = dataclasses.replace(SETTINGS, request_timeout_s=5)
    response = _call(Group.anyone, _request(), gateway)
    assert response.status_code == 200 and response.get_json() == {"ok": True}
