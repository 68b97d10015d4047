"""The gateway's HTTP plumbing: routes with a role rule, schemas for the OpenAPI document, reading
and validating JSON bodies, cursor paging, rate limits, problem responses for everything.

Every gateway entrypoint uses `http` from here (not nameko's): its web server answers unknown
paths and methods with problem+json too.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import time
import uuid
from urllib.parse import urlencode

from marshmallow import Schema, fields, validate
from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.gateway import auth, ratelimit
from services.gateway.domain import (ADMIN, COORDINATOR, REGISTRAR, STUDENT, BadRequest,
                                     IdentityProviderUnavailable, PayloadTooLarge, RateLimited,
                                     Unauthorized, UnsupportedMediaType, actor, require_role)
from services.gateway.errors import problem_response
from shared.errors import CimError, Invalid
from shared.rpc import Payload

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 64 * 1024
ANY_ROLE = (STUDENT, COORDINATOR, ADMIN, REGISTRAR)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOCAL_ERRORS = (Unauthorized, BadRequest, PayloadTooLarge, UnsupportedMediaType, CimError,
                IdentityProviderUnavailable)
PAGE_MAX = 500
_DEFAULT = object()


def _correlation_id(request) -> str:
    given = request.headers.get("X-Correlation-ID")
    return given if given and len(given) <= 200 and given.isprintable() else str(uuid.uuid4())


class ProblemWsgiApp(WsgiApp):
    """nameko's WSGI app, with werkzeug's HTML error pages replaced by problem+json."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = exc
            if exc.code and exc.code >= 400:
                allow = getattr(exc, "valid_methods", None)
                response = problem_response(
                    {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.code, "BadRequest"),
                    "no such route" if exc.code == 404 else exc.description, _correlation_id(request),
                    headers={"Allow": ", ".join(sorted(allow))} if allow else None)
        except Exception:  # never a stack trace on the wire
            log.exception("unexpected error outside any route")
            response = problem_response("Internal", "", _correlation_id(request))
        return response(environ, start_response)


class ProblemWebServer(WebServer):
    def get_wsgi_app(self):
        return ProblemWsgiApp(self)


class GatewayHttp(HttpRequestHandler):
    server = ProblemWebServer()

    def response_from_exception(self, exc):
        log.error("request failed before reaching its route: %s: %s", type(exc).__name__, exc)
        return problem_response("Internal", "", str(uuid.uuid4()))


http = GatewayHttp.decorator


class PageQuery(Payload):
    """`?cursor=&limit=` of every list: `limit` items after the position `cursor` names."""
    cursor = fields.String(validate=validate.Length(min=1, max=200),
                           metadata={"description": "opaque; from X-Next-Cursor of the previous page"})
    limit = fields.Integer(validate=validate.Range(min=1, max=PAGE_MAX),
                           metadata={"description": f"page size, at most {PAGE_MAX}; all when absent"})


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise Invalid({"cursor": ["not a cursor given by this API"]}) from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise Invalid({"cursor": ["not a cursor given by this API"]})
    return offset


def _query(request, schema) -> dict:
    try:
        return schema().load(request.args.to_dict(flat=True))
    except Exception as exc:  # marshmallow.ValidationError
        messages = getattr(exc, "messages", None)
        if messages is None:
            raise
        raise Invalid(messages) from None


def _page(request, items: list, query: dict):
    """The slice of `items` the query asks for, and the headers that point at the next one."""
    start = decode_cursor(query["cursor"]) if query.get("cursor") else 0
    limit = query.get("limit")
    if limit is None and start == 0:
        return items, {}
    end = len(items) if limit is None else start + limit
    headers = {}
    if end < len(items):
        cursor = encode_cursor(end)
        args = {**request.args.to_dict(flat=True), "cursor": cursor}
        headers = {"X-Next-Cursor": cursor, "Link": f'<{request.path}?{urlencode(args)}>; rel="next"'}
    return items[start:end], headers


def _is_many(schema) -> bool:
    return isinstance(schema, Schema) and bool(schema.many)


def route(method: str, path: str, roles: tuple[str, ...] | None, *, body=None, query=None,
          response=None, status: int | None = None, paged: bool | None = None,
          limit=_DEFAULT, consumes: tuple[str, ...] | None = None,
          produces: str | tuple[str, ...] | None = None,
          responses: dict | None = None):
    """An HTTP route; `roles=None` means public (no token).

    For the OpenAPI document (and checked at run time where it can be):
    - `body`: the marshmallow schema of the JSON body; `json_body` validates it (422 with the
      field errors, unknown fields included) before the owning service sees the request;
    - `query`: the schema of the query string (validated; unknown parameters refused);
    - `response`: the schema of the success body (`View(many=True)` for a list), `status` its
      status (default: 201 for POST, else 200); `produces` a media type other than JSON, or
      several (`("application/json", "text/csv")`);
    - `consumes`: request media types other than JSON (uploads);
    - `responses`: further OpenAPI responses by status (beyond success and problem+json);
    - `paged`: cursor paging (default: when `response` is a list) - `?cursor=&limit=`, the next
      page's cursor in `X-Next-Cursor` and a `Link: <...>; rel="next"` header;
    - `limit`: the rate-limit bucket (default: "write" for POST/PUT/PATCH/DELETE, "lookup" for
      public routes, none for other reads; None for none).
    """
    paged = _is_many(response) if paged is None else paged
    if paged and query is None:
        query = PageQuery
    if limit is _DEFAULT:
        limit = "lookup" if roles is None else "write" if method in WRITE_METHODS else None

    def decorate(fn):
        @http(method, path)
        @functools.wraps(fn)
        def handler(self, request, **path_values):
            cid = self.correlation_id
            started = time.monotonic()
            try:
                identity = None
                if roles is not None:
                    identity = auth.authenticate(request.headers.get("Authorization"), self.settings,
                                                 self.security.oidc)
                    require_role(identity, roles)
                if limit:
                    self.security.limit(limit, ratelimit.caller(request, identity))
                request.environ["cim.body_schema"] = body
                query_values = _query(request, query) if query is not None else {}
                result = fn(self, request, identity, **path_values)
                extra = {}
                if paged and not isinstance(result, Response) and isinstance(result[1], list):
                    items, extra = _page(request, result[1], query_values)
                    result = (result[0], items)
            except RemoteError as exc:
                response_ = problem_response(exc.exc_type, exc.value, cid)
            except RateLimited as exc:
                response_ = problem_response("RateLimited", exc.args[0], cid,
                                             headers={"Retry-After": str(exc.retry_after)})
            except LOCAL_ERRORS as exc:
                response_ = problem_response(type(exc).__name__, exc.args[0] if exc.args else "", cid)
            except Exception:
                log.exception("unexpected error on %s %s", method, path)
                response_ = problem_response("Internal", "", cid)
            else:
                if isinstance(result, Response):
                    response_ = result
                    response_.headers["X-Correlation-ID"] = cid
                else:
                    status_, payload = result
                    response_ = Response(json.dumps(payload), status=status_, mimetype="application/json",
                                         headers={"X-Correlation-ID": cid, **extra})
            log.info("%s %s -> %d (%d ms)", request.method, request.path, response_.status_code,
                     (time.monotonic() - started) * 1000)
            return response_
        handler.cim_route = (method, path, roles)  # read by `cim docs` and the route tests
        handler.cim_openapi = {"body": body, "query": query, "response": response,
                               "status": status or (201 if method == "POST" else 200),
                               "paged": paged, "consumes": consumes, "produces": produces,
                               "limit": limit, "responses": responses}
        return handler
    return decorate


def json_body(request) -> dict:
    """The JSON object sent, validated by the route's `body` schema when it has one."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    schema = request.environ.get("cim.body_schema")
    if schema is not None:
        errors = (schema() if isinstance(schema, type) else schema).validate(body)
        if errors:
            raise Invalid(errors)
    return body


class Routes:
    """Base of the route groups: who is acting, as the owning services need to know."""

    def _student(self, identity) -> dict:
        """The caller as a registered student (404 when they are not registered)."""
        student = self.registration.find_student(identity.issuer, identity.subject)
        return actor(identity, student_id=student["student_id"])

    def _staff(self, identity) -> dict:
        programmes = []
        if identity.role == COORDINATOR:
            programmes = self.approvals.coordinator_programmes(identity.subject)
        return actor(identity, programmes=programmes)
