"""The gateway's HTTP plumbing: routes with a role rule, reading JSON bodies, problem responses."""
from __future__ import annotations

import functools
import json
import logging

from nameko.exceptions import RemoteError
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.gateway import auth
from services.gateway.domain import (ADMIN, COORDINATOR, REGISTRAR, STUDENT, BadRequest,
                                     PayloadTooLarge, Unauthorized, UnsupportedMediaType, actor,
                                     require_role)
from services.gateway.errors import problem_response
from shared.errors import CimError

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 64 * 1024
ANY_ROLE = (STUDENT, COORDINATOR, ADMIN, REGISTRAR)
LOCAL_ERRORS = (Unauthorized, BadRequest, PayloadTooLarge, UnsupportedMediaType, CimError)


def route(method: str, path: str, roles: tuple[str, ...] | None):
    """An HTTP route; `roles=None` means public (no token)."""

    def decorate(fn):
        @http(method, path)
        @functools.wraps(fn)
        def handler(self, request, **path_values):
            cid = self.correlation_id
            try:
                identity = None
                if roles is not None:
                    identity = auth.authenticate(request.headers.get("Authorization"), self.settings)
                    require_role(identity, roles)
                result = fn(self, request, identity, **path_values)
            except RemoteError as exc:
                return problem_response(exc.exc_type, exc.value, cid)
            except LOCAL_ERRORS as exc:
                return problem_response(type(exc).__name__, exc.args[0] if exc.args else "", cid)
            except Exception:
                log.exception("unexpected error on %s %s [%s]", method, path, cid)
                return problem_response("Internal", "", cid)
            if isinstance(result, Response):
                result.headers["X-Correlation-ID"] = cid
                return result
            status, body = result
            return Response(json.dumps(body), status=status, mimetype="application/json",
                            headers={"X-Correlation-ID": cid})
        handler.cim_route = (method, path, roles)  # read by `cim docs` and the route tests
        return handler
    return decorate


def json_body(request) -> dict:
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
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
