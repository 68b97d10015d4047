"""The gateway's document and edges over the running platform: /openapi.json and /docs, problem+json
for unknown routes and methods, tokens of the configured OpenID Connect issuer, paging, and the
correlation id in the log lines."""

import re
import time
import uuid

import pytest
import requests

from cim import journey
from services.gateway import openapi
from services.gateway.auth import issue_dev_token
from services.gateway.service import GatewayService
from tests.builders import GRADUATION

pytestmark = pytest.mark.e2e


def _problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    assert response.json()["type"] == f"urn:cim:problem:{code}"
    assert "Traceback" not in response.text and "<html" not in response.text.lower()
    return response.json()


def test_the_openapi_document_is_3_1_and_lists_every_route_with_its_schemas(running_platform):
    r = requests.get(running_platform.gateway_url + "/openapi.json", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    document = r.json()
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routes = {(fn.cim_route[0], openapi.openapi_path(fn.cim_route[1])) for _, fn in openapi.routes(GatewayService)}
    assert documented == routes
    log = document["paths"]["/v1/me/activities"]["post"]
    assert log["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ActivityRequest"
    }
    request_schema = document["components"]["schemas"]["ActivityRequest"]
    assert request_schema["additionalProperties"] is False  # unknown fields are refused
    assert {"type", "title", "location", "start_date"} <= set(request_schema["required"])
    assert log["security"] == [{"bearer": []}]
    assert document["paths"]["/v1/verify/{code}"]["get"]["security"] == []
    listing = document["paths"]["/v1/me/activities"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"cursor", "limit"}


def test_the_docs_page_is_served_from_the_gateway_itself(running_platform):
    r = requests.get(running_platform.gateway_url + "/docs", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert 'fetch("openapi.json")' in r.text
    # nothing from another origin: no external script, style, font or image, and a CSP saying so
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", r.text)
    policy = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "script-src 'sha256-" in policy and "unsafe-inline" not in policy


def test_unknown_routes_and_methods_are_problems_too(running_platform):
    url = running_platform.gateway_url
    _problem(requests.get(url + "/v1/no-such-thing", timeout=10), 404, "not-found")
    _problem(requests.get(url + "/", timeout=10), 404, "not-found")
    r = requests.delete(url + "/v1/programmes", timeout=10)
    _problem(r, 405, "method-not-allowed")
    assert "GET" in r.headers["Allow"]
    assert r.headers["X-Correlation-ID"]


def test_a_token_of_the_configured_issuer_works_and_a_wrong_audience_does_not(running_platform):
    issuer, url = running_platform.issuer, running_platform.gateway_url
    good = issuer.token(f"u-{uuid.uuid4().hex[:8]}", "coordinator")
    r = requests.get(url + "/v1/programmes", headers={"Authorization": f"Bearer {good}"}, timeout=10)
    assert r.status_code == 200, r.text
    bad = issuer.token("u-1", "coordinator", aud="someone-else")
    _problem(
        requests.get(url + "/v1/programmes", headers={"Authorization": f"Bearer {bad}"}, timeout=10),
        401,
        "unauthorized",
    )


def test_lists_page_with_a_cursor(running_platform):
    client = journey.Client(
        running_platform.gateway_url,
        issue_dev_token(
            running_platform.secret, f"s-{uuid.uuid4().hex[:8]}", "student", name="P", email="p@example.org"
        ),
    )
    client.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "MPUBH", "expected_graduation": GRADUATION, "language": "en"},
    )
    everything = client.call("GET", "/v1/programmes").json()
    assert len(everything) >= 3
    seen, path = [], "/v1/programmes?limit=2"
    for _ in range(len(everything)):
        r = client.call("GET", path)
        page = r.json()
        assert len(page) <= 2
        seen += page
        if "X-Next-Cursor" not in r.headers:
            break
        assert r.headers["Link"].endswith('rel="next"')
        path = f"/v1/programmes?limit=2&cursor={r.headers['X-Next-Cursor']}"
    assert seen == everything
    _problem(client.session.get(client.base_url + "/v1/programmes?cursor=bogus"), 404, "not-found")
    _problem(client.session.get(client.base_url + "/v1/programmes?limit=0"), 422, "invalid")


def test_the_correlation_id_is_in_the_gateways_log_line_for_the_request(running_platform):
    cid = f"log-{uuid.uuid4().hex}"
    requests.get(running_platform.gateway_url + "/v1/me", headers={"X-Correlation-ID": cid}, timeout=10)
    log_file = running_platform.layout.logs / "gateway.log"
    deadline = time.monotonic() + 10
    while cid not in log_file.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    lines = [line for line in log_file.read_text().splitlines() if cid in line]
    assert lines and all(f"[{cid}]" in line for line in lines), lines
    assert any("GET /v1/me -> 401" in line for line in lines)
