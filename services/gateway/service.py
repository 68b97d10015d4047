"""The gateway as a nameko service: HTTP in, RPC to the owning service, problem+json on failure.

Each route names the roles that may call it; the owning service then checks the object itself
(a student's own activity, a coordinator's own programme). Routes live in `routes/`, one module
per owning service. `/openapi.json` is generated from the routes and their schemas; `/docs` reads
it in the browser with the gateway's own page (no outside assets).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from werkzeug.wrappers import Response

from services.gateway import openapi
from services.gateway.web import http
from services.gateway.routes.activities import ActivitiesRoutes
from services.gateway.routes.campus import CampusRoutes
from services.gateway.routes.approvals import ApprovalsRoutes
from services.gateway.routes.ceremony import CeremonyRoutes
from services.gateway.routes.personal_data import PersonalDataRoutes
from services.gateway.routes.certificates import CertificatesRoutes
from services.gateway.routes.notifications import NotificationsRoutes
from services.gateway.routes.registration import RegistrationRoutes
from services.gateway.security import GatewaySecurity
from services.gateway.students import StudentIdCache
from shared.dependencies import Config, CorrelationId
from shared import metrics
from shared.health import health_report
from shared.messaging import RpcProxy  # nameko's, with a classic reply queue

ASSETS = Path(__file__).resolve().parent / "assets"


class GatewayService(
    RegistrationRoutes,
    ActivitiesRoutes,
    ApprovalsRoutes,
    CeremonyRoutes,
    CertificatesRoutes,
    CampusRoutes,
    NotificationsRoutes,
    PersonalDataRoutes,
):
    name = "gateway"
    settings = Config()
    security = GatewaySecurity()
    students = StudentIdCache()  # (issuer, subject) -> student id, a few seconds (students.py)
    correlation_id = CorrelationId()
    registration = RpcProxy("registration")
    activities = RpcProxy("activities")
    approvals = RpcProxy("approvals")
    ceremony = RpcProxy("ceremony")
    certificates = RpcProxy("certificates")
    notifications = RpcProxy("notifications")
    campus = RpcProxy("campus")

    @http("GET", "/health")
    def health(self, request):
        status, body = health_report(self.settings.amqp_uri)
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        return metrics.exposition()

    @http("GET", "/openapi.json")
    def openapi_document(self, request):
        return Response(
            _openapi_json(type(self)),
            mimetype="application/json",
            headers={"X-Correlation-ID": self.correlation_id, "Cache-Control": "public, max-age=300"},
        )

    @http("GET", "/docs")
    def docs_page(self, request):
        page, policy = _docs_page()
        return Response(
            page,
            mimetype="text/html",
            headers={
                "X-Correlation-ID": self.correlation_id,
                "Content-Security-Policy": policy,
                "X-Content-Type-Options": "nosniff",
            },
        )


_cache: dict = {}


def _openapi_json(service_cls) -> str:
    if service_cls not in _cache:
        _cache[service_cls] = json.dumps(openapi.build(service_cls))
    return _cache[service_cls]


def _docs_page() -> tuple[str, str]:
    """The page, and a Content-Security-Policy allowing exactly its own inline script and style."""
    if "docs" not in _cache:
        page = (ASSETS / "docs.html").read_text()
        hashes = {
            kind: [
                f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                for body in re.findall(rf"<{kind}>(.*?)</{kind}>", page, re.S)
            ]
            for kind in ("script", "style")
        }
        policy = (
            "default-src 'none'; connect-src 'self'; img-src 'self' data:; "
            f"script-src {' '.join(hashes['script'])}; style-src {' '.join(hashes['style'])}; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
        _cache["docs"] = (page, policy)
    return _cache["docs"]
