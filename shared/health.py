"""`GET /health` for every service (the broker and, where it has one, its database) and, beside
it on the same port, `GET /metrics` for Prometheus (shared.metrics)."""
from __future__ import annotations

import json

from kombu import Connection
from nameko.web.handlers import http

from shared import metrics


def broker_reachable(amqp_uri: str) -> tuple[bool, str]:
    try:
        with Connection(amqp_uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
        return True, "ok"
    except Exception as exc:  # any failure means "not ready"; say which
        return False, f"{type(exc).__name__}: {exc}"


def health_report(amqp_uri: str, database_ping=None) -> tuple[int, dict]:
    checks = {}
    ok, detail = broker_reachable(amqp_uri)
    checks["broker"] = detail
    if database_ping is not None:
        try:
            database_ping()
            checks["database"] = "ok"
        except Exception as exc:
            ok = False
            checks["database"] = f"{type(exc).__name__}: {exc}"
    return (200 if ok else 503), {"status": "ok" if ok else "unavailable", "checks": checks}


class HealthEndpoint:
    """Mixin for a service class with a `db` dependency: adds `GET /health` and `GET /metrics`."""

    @http("GET", "/health")
    def health(self, request):
        status, body = health_report(self.db.settings.amqp_uri, self.db.ping)
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        self.db.observe_outbox()
        return metrics.exposition()
