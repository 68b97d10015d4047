"""The `route` decorator: what every gateway route does around its own few lines.

In order: authenticate the bearer token (unless public), check the route's role rule, count the
request against its rate limit, validate the query string, call the route, page a list, and turn
any failure into a problem (errors.py). It also records the route for the OpenAPI document and
`cim docs` (`handler.cim_route`, `handler.cim_openapi`).
"""

from __future__ import annotations

import functools
import json
import logging
import time

import eventlet
from marshmallow import Schema
from werkzeug.wrappers import Response

from services.gateway import auth, ratelimit
from services.gateway.bodies import expect_body, query_values
from services.gateway.errors import ServiceTimeout, is_expected, problem_response
from services.gateway.paging import QUERY_KEY, PageQuery, page_answer
from services.gateway.web import http
from shared.permissions import ROLES, ensure_may_have_role

log = logging.getLogger(__name__)

ANY_ROLE = ROLES
SOURCE = True  # `paged=SOURCE`: the owning service cuts the page (keyset); the only paging there is
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT = object()


def _is_many(schema) -> bool:
    return isinstance(schema, Schema) and bool(schema.many)


def route(
    method: str,
    path: str,
    roles: tuple[str, ...] | None,
    *,
    body=None,
    body_required: bool = True,
    query=None,
    response=None,
    status: int | None = None,
    paged: bool | None = None,
    limit=_DEFAULT,
    consumes: tuple[str, ...] | None = None,
    produces: str | tuple[str, ...] | None = None,
    responses: dict | None = None,
):
    """An HTTP route; `roles=None` means public (no token).

    For the OpenAPI document (and checked at run time where it can be):
    - `body`: the marshmallow schema of the JSON body; `json_body` validates it (422 with the
      field errors, unknown fields included) before the owning service sees the request;
      `body_required=False` when the route also takes a request without one;
    - `query`: the schema of the query string (validated; unknown parameters refused);
    - `response`: the schema of the success body (`View(many=True)` for a list), `status` its
      status (default: 201 for POST, else 200); `produces` a media type other than JSON, or
      several (`("application/json", "text/csv")`);
    - `consumes`: request media types other than JSON (uploads);
    - `responses`: further OpenAPI responses by status (beyond success and problem+json);
    - `paged`: cursor paging (default: when `response` is a list) - `?cursor=&limit=`, the next
      page's cursor in `X-Next-Cursor` and a `Link: <...>; rel="next"` header. The owning
      service reads one page at the source: the route passes `paging.page_query(request)` on
      and returns `(200, {items, next_cursor})` (or builds the Response itself); the gateway
      never receives a whole list to slice it;
    - `limit`: the rate-limit bucket (default: "write" for POST/PUT/PATCH/DELETE, "lookup" for
      public routes, none for other reads; None for none).

    The route itself is `fn(self, request, identity, **path_values)` (identity None when public)
    and returns `(status, payload)` for JSON, or a werkzeug Response.
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
                result = _answered_within(self.settings.request_timeout_s, handle, self, request, path_values)
            except Exception as exc:
                if not is_expected(exc):
                    log.exception("unexpected error on %s %s", method, path)
                response_ = problem_response(exc, cid)
            else:
                if isinstance(result, Response):
                    response_ = result
                    response_.headers["X-Correlation-ID"] = cid
                else:
                    status_, payload, extra = result
                    response_ = Response(
                        json.dumps(payload),
                        status=status_,
                        mimetype="application/json",
                        headers={"X-Correlation-ID": cid, **extra},
                    )
            log.info(
                "%s %s -> %d (%d ms)",
                request.method,
                request.path,
                response_.status_code,
                (time.monotonic() - started) * 1000,
            )
            return response_

        def handle(self, request, path_values):
            """The route's own work: who asks, may they, their body and query, the answer."""
            identity = None
            if roles is not None:
                identity = auth.authenticate(
                    request.headers.get("Authorization"),
                    self.settings,
                    self.security.oidc,
                    self.security.tokens,
                )
                ensure_may_have_role(identity.acting(), *roles)
            if limit:
                self.security.limit(limit, ratelimit.caller(request, identity))
            expect_body(request, body)
            request.environ[QUERY_KEY] = query_values(request, query) if query is not None else {}
            result = fn(self, request, identity, **path_values)
            if isinstance(result, Response):
                return result
            extra = {}
            if paged:
                items, extra = page_answer(request, result[1])
                result = (result[0], items)
            return result[0], result[1], extra

        handler.cim_route = (method, path, roles)  # read by `cim docs` and the route tests
        handler.cim_openapi = {
            "body": body,
            "body_required": body_required,
            "query": query,
            "response": response,
            "status": status or (201 if method == "POST" else 200),
            "paged": paged,
            "consumes": consumes,
            "produces": produces,
            "limit": limit,
            "responses": responses,
        }
        return handler

    return decorate


def _answered_within(seconds: int, call, *args):
    """`call(*args)`, or ServiceTimeout when the services have not answered in `seconds`.

    An RPC waits for its reply without a limit of its own; a service that is stuck or restarting
    would hold the client and one of the gateway's workers for as long. What the call asked for may
    still be done later (the request stays queued for the service): the problem says so."""
    timeout = eventlet.Timeout(seconds)
    try:
        return call(*args)
    except eventlet.Timeout as exc:
        if exc is not timeout:
            raise
        raise ServiceTimeout(
            f"the services did not answer within {seconds} s; a change you asked for may still be made: "
            "read it back before you send it again"
        ) from None
    finally:
        timeout.cancel()
