"""The gateway as a nameko service: HTTP in, RPC to the owning service, problem+json on failure.

Each route names the roles that may call it; the owning service then checks the object itself
(a student's own activity, a coordinator's own programme). Routes live in `routes/`, one module
per owning service.
"""
from __future__ import annotations

import json

from nameko.rpc import RpcProxy
from nameko.web.handlers import http

from services.gateway.routes.activities import ActivitiesRoutes
from services.gateway.routes.approvals import ApprovalsRoutes
from services.gateway.routes.ceremony import CeremonyRoutes
from services.gateway.routes.certificates import CertificatesRoutes
from services.gateway.routes.registration import RegistrationRoutes
from shared.dependencies import Config, CorrelationId
from shared.health import health_report


class GatewayService(RegistrationRoutes, ActivitiesRoutes, ApprovalsRoutes, CeremonyRoutes,
                     CertificatesRoutes):
    name = "gateway"
    settings = Config()
    correlation_id = CorrelationId()
    registration = RpcProxy("registration")
    activities = RpcProxy("activities")
    approvals = RpcProxy("approvals")
    ceremony = RpcProxy("ceremony")
    certificates = RpcProxy("certificates")
    notifications = RpcProxy("notifications")

    @http("GET", "/health")
    def health(self, request):
        status, body = health_report(self.settings.amqp_uri)
        return status, {"Content-Type": "application/json"}, json.dumps(body)
