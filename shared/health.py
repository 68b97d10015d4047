"""`GET /health` for every service (the broker and, where it has one, its database) and, beside
it on the same port, `GET /metrics` for Prometheus (shared.metrics)."""

from __future__ import annotations

import json
import threading

from kombu import Connection
from nameko.web.handlers import http

from shared import metrics


class BrokerProbe:
    """One kept AMQP connection per broker URI: each check opens and closes a channel on it (a
    round trip on a live connection) instead of a new TCP + AMQP handshake per `/health` call.
    A failed check drops the connection; the next check connects again."""

    def __init__(self, amqp_uri: str, timeout: float = 3):
        self.amqp_uri, self.timeout = amqp_uri, timeout
        self.connection: Connection | None = None
        self.connects = 0
        self._lock = threading.Lock()  # green under eventlet: one check at a time on the connection

    def check(self) -> tuple[bool, str]:
        with self._lock:
            try:
                if self.connection is None:
                    self.connection = Connection(self.amqp_uri, connect_timeout=self.timeout)
                    self.connection.ensure_connection(max_retries=1, timeout=self.timeout)
                    self.connects += 1
                self.connection.channel().close()
                return True, "ok"
            except Exception as exc:  # any failure means "not ready"; say which
                self._drop()
                return False, f"{type(exc).__name__}: {exc}"

    def _drop(self):
        if self.connection is not None:
            try:
                self.connection.release()
            except Exception:  # already broken: nothing more to release
                pass
        self.connection = None


_probes: dict[str, BrokerProbe] = {}


def broker_probe(amqp_uri: str) -> BrokerProbe:
    """The process's probe of this broker (made once, then reused by every check)."""
    if amqp_uri not in _probes:
        _probes[amqp_uri] = BrokerProbe(amqp_uri)
    return _probes[amqp_uri]


def broker_reachable(amqp_uri: str) -> tuple[bool, str]:
    return broker_probe(amqp_uri).check()


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
