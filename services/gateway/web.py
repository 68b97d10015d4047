"""The gateway's web server and its `http` entrypoint: problem+json for every failure, even for a
path or method no route answers (werkzeug's HTML error pages never reach a caller). Every
request is counted and timed by route template and status (shared.metrics).

Every gateway entrypoint uses `http` from here, not nameko's.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map
from werkzeug.wrappers import Request

from services.gateway.bodies import MAX_JSON_BYTES
from services.gateway.errors import BadRequest, MethodNotAllowed, internal_response, problem_response
from shared import metrics
from shared.errors import NotFound

log = logging.getLogger(__name__)


def correlation_id_of(request) -> str:
    """The caller's X-Correlation-ID when it is a sane one, else a new id."""
    given = request.headers.get("X-Correlation-ID")
    return given if given and len(given) <= 200 and given.isprintable() else str(uuid.uuid4())


def _routing_error(exc: HTTPException) -> Exception:
    """werkzeug's refusal to route a request, as one of the error table's types."""
    if exc.code == 404:
        return NotFound("no such route")
    if exc.code == 405:
        return MethodNotAllowed(exc.description, getattr(exc, "valid_methods", None) or ())
    return BadRequest(exc.description)


class ProblemWsgiApp(WsgiApp):
    """nameko's WSGI app, with werkzeug's HTML error pages replaced by problem+json."""

    def __call__(self, environ, start_response):
        started, route = time.monotonic(), "<unmatched>"  # the rule's template, never the raw path
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            route = provider.url
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = exc
            if exc.code and exc.code >= 400:
                response = problem_response(_routing_error(exc), correlation_id_of(request))
        except Exception:  # never a stack trace on the wire
            log.exception("unexpected error outside any route")
            response = internal_response(correlation_id_of(request))
        metrics.observe_http(
            route,
            request.method,
            getattr(response, "status_code", None) or getattr(response, "code", 500),
            time.monotonic() - started,
        )
        return response(environ, start_response)


class ItemIdConverter(BaseConverter):
    """`<item_id:...>`: one path segment that is not a fixed word of a sibling route, so
    `/v1/activities/decisions` belongs to the bulk route alone (its Allow lists POST only).
    (A BaseConverter: UnicodeConverter sets its own regex on each instance, over this one.)"""

    regex = r"(?!decisions\Z)[^/]+"


# The longest request line the server reads: as much as a JSON body may be. eventlet's default
# is 8 KiB, past which it answers a bare 414 (no problem body, a status no schema describes)
# before any route sees the request; below this, the route's query schema judges the query.
MAX_REQUEST_LINE_BYTES = MAX_JSON_BYTES


class ProblemWebServer(WebServer):
    def process_request(self, sock, address):
        """Each connection with Nagle's algorithm off. eventlet's server sends a response's
        headers and, when the body does not fit its 8 KB buffer with them, the body in a second
        write; with Nagle on, that write waits for the client to acknowledge the first, and a
        kept-alive client delays its acknowledgement (40 ms on Linux): every response over 8 KB
        on a reused connection (an inbox page of 50) took 40 ms more than its work."""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().process_request(sock, address)

    def get_wsgi_app(self):
        return ProblemWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        server = super().get_wsgi_server(sock, wsgi_app, **kwargs)
        server.url_length_limit = MAX_REQUEST_LINE_BYTES
        return server

    def make_url_map(self):
        url_map = Map(converters={"item_id": ItemIdConverter})
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map


class GatewayHttp(HttpRequestHandler):
    server = ProblemWebServer()

    def response_from_exception(self, exc):
        log.error("request failed before reaching its route: %s: %s", type(exc).__name__, exc)
        return internal_response(str(uuid.uuid4()))


http = GatewayHttp.decorator
