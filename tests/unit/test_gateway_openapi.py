"""The OpenAPI document and the route rules that keep it honest: generated from the routes and the
same marshmallow schemas that validate the bodies, every body validated, every write limited."""

import inspect
from datetime import datetime, timezone

import pytest
from marshmallow import Schema
from werkzeug.routing import Map, Rule

from services.gateway import openapi
from services.gateway.bodies import MAX_JSON_BYTES
from services.gateway.errors import ERROR_TABLE, problem
from services.gateway.routing import route
from services.gateway.service import GatewayService
from services.gateway.web import ItemIdConverter
from shared.errors import NotFound
from shared.keyset import aware_datetime, decode_cursor, encode_cursor

ROUTES = openapi.routes(GatewayService)
DOCUMENT = openapi.build(GatewayService)


def _key(fn):
    method, path, _ = fn.cim_route
    return method, openapi.openapi_path(path)


def test_the_document_is_openapi_3_1_with_every_route_once():
    assert DOCUMENT["openapi"] == "3.1.0"
    documented = [(m.upper(), p) for p, ops in DOCUMENT["paths"].items() for m in ops]
    assert sorted(documented) == sorted(_key(fn) for _, fn in ROUTES)
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize("name,fn", ROUTES, ids=[n for n, _ in ROUTES])
def test_every_route_that_reads_a_json_body_declares_its_schema(name, fn):
    """The gateway refuses a bad body (422, unknown fields included) with the schema the owning
    service loads it with, and the document shows it."""
    if "json_body(" in inspect.getsource(fn.__wrapped__):
        body = fn.cim_openapi["body"]
        assert body is not None, f"{name}: give route() body=<the request schema>"
        assert (body if isinstance(body, type) else type(body)).Meta.unknown == "raise"
        method, path = _key(fn)
        content = DOCUMENT["paths"][path][method.lower()]["requestBody"]["content"]
        assert content["application/json"]["schema"]["$ref"].endswith("/" + body.__name__)


@pytest.mark.parametrize("name,fn", ROUTES, ids=[n for n, _ in ROUTES])
def test_every_write_and_every_public_route_is_rate_limited(name, fn):
    method, _, roles = fn.cim_route
    if method in ("POST", "PUT", "PATCH", "DELETE") or roles is None:
        assert fn.cim_openapi["limit"], f"{name} has no rate limit"
        assert "429" in DOCUMENT["paths"][_key(fn)[1]][method.lower()]["responses"]


def test_public_routes_need_no_token_and_all_others_a_bearer_token():
    for _, fn in ROUTES:
        method, path = _key(fn)
        security = DOCUMENT["paths"][path][method.lower()]["security"]
        assert security == ([] if fn.cim_route[2] is None else [{"bearer": []}]), path


def test_every_problem_type_of_the_error_table_is_in_the_document():
    types = set(DOCUMENT["components"]["schemas"]["Problem"]["properties"]["type"]["enum"])
    assert {f"urn:cim:problem:{kind.code}" for kind in ERROR_TABLE} <= types


def test_lists_document_cursor_paging():
    listing = DOCUMENT["paths"]["/v1/programmes"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"cursor", "limit"}
    assert {"X-Next-Cursor", "Link"} <= set(listing["responses"]["200"]["headers"])
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"


def test_a_cursor_is_opaque_and_a_forged_one_names_no_page():
    at = datetime(2027, 6, 1, 10, 0, tzinfo=timezone.utc)
    fields = (aware_datetime, str)
    assert decode_cursor(encode_cursor("ceremonies", [at, "c-1|x"]), "ceremonies", fields) == (at, "c-1|x")
    forged = (
        "bogus",
        "0",
        "",
        encode_cursor("programmes", [at, "c-1"]),  # another list's
        encode_cursor("ceremonies", ["2027-06-01T10:00:00", "c-1"]),  # no time zone
        encode_cursor("ceremonies", [at]),
        encode_cursor("versions", ["x"]),
    )
    for cursor in forged:
        with pytest.raises(NotFound):
            decode_cursor(cursor, "ceremonies", fields)
    with pytest.raises(NotFound):
        decode_cursor(encode_cursor("versions", ["x"]), "versions", (int,))


def test_a_route_documents_its_own_success_status_and_defaults_by_method():
    class Body(Schema):
        pass

    @route("POST", "/x", roles=None, body=Body)
    def create(self, request, identity):
        pass

    @route("POST", "/y", roles=None, status=200)
    def act(self, request, identity):
        pass

    assert create.cim_openapi["status"] == 201 and act.cim_openapi["status"] == 200


def test_internal_errors_say_nothing_about_the_inside():
    status, body = problem(ZeroDivisionError("Traceback (most recent call last): secret"))
    assert status == 500 and "secret" not in str(body) and body["type"] == "urn:cim:problem:internal"
    assert MAX_JSON_BYTES == 64 * 1024


@pytest.mark.parametrize("name, fn", [(n, f) for n, f in ROUTES if f.cim_openapi.get("limit")])
def test_every_rate_limited_route_documents_its_429_as_a_problem(name, fn):
    method, path = _key(fn)
    refused = DOCUMENT["paths"][path][method.lower()]["responses"]["429"]
    assert "application/problem+json" in refused["content"] and "Retry-After" in refused["headers"]


def test_the_verification_page_documents_both_of_its_429s():
    refused = DOCUMENT["paths"]["/verify/{code}"]["get"]["responses"]["429"]
    assert {"application/problem+json", "text/html"} <= set(refused["content"])


def test_a_withdrawal_may_come_without_a_body():
    assert DOCUMENT["paths"]["/v1/me/withdrawal"]["post"]["requestBody"]["required"] is False
    assert DOCUMENT["paths"]["/v1/registrations"]["post"]["requestBody"]["required"] is True


def test_the_bulk_decisions_path_allows_post_only_not_the_read_of_one_activity():
    rules = [Rule(fn.cim_route[1], methods=[fn.cim_route[0]]) for _, fn in ROUTES]
    adapter = Map(rules, converters={"item_id": ItemIdConverter}).bind("gateway")
    assert adapter.allowed_methods("/v1/activities/decisions") == ["POST"]
    assert set(adapter.allowed_methods("/v1/activities/a-1")) == {"GET", "HEAD"}


def test_paging_parameters_are_documented_as_opaque_cursors():
    for path, operations in DOCUMENT["paths"].items():
        for operation in operations.values():
            cursor = [p for p in operation.get("parameters", []) if p["name"] == "cursor"]
            if cursor:
                assert cursor[0]["schema"]["type"] == "string", path
                assert "404" in cursor[0]["description"] and "opaque" in cursor[0]["description"], path
