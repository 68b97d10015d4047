"""The one error table: every failure becomes application/problem+json (RFC 9457)."""
from __future__ import annotations

import ast
import json

PROBLEM_MEDIA_TYPE = "application/problem+json"

# exception class name (local or as carried by nameko's RemoteError) -> (status, stable code, title)
ERROR_TABLE = {
    "BadRequest": (400, "bad-request", "The request cannot be read"),
    "Unauthorized": (401, "unauthorized", "Authentication required"),
    "Forbidden": (403, "forbidden", "Not allowed"),
    "NotFound": (404, "not-found", "Not found"),
    "MethodNotAllowed": (405, "method-not-allowed", "This method is not allowed here"),
    "Conflict": (409, "conflict", "Conflict with the current state"),
    "PayloadTooLarge": (413, "payload-too-large", "The request body is too large"),
    "UnsupportedMediaType": (415, "unsupported-media-type", "Unsupported media type"),
    "Invalid": (422, "invalid", "The input is not valid"),
    "RateLimited": (429, "rate-limited", "Too many requests"),
    "UnknownService": (503, "unavailable", "A service is unavailable"),
    "IdentityProviderUnavailable": (503, "identity-provider-unavailable",
                                    "The identity provider cannot be reached"),
}
INTERNAL = (500, "internal", "Something went wrong on our side")


def problem(exc_type: str, detail) -> tuple[int, dict]:
    status, code, title = ERROR_TABLE.get(exc_type, INTERNAL)
    body = {"type": f"urn:cim:problem:{code}", "title": title, "status": status}
    if (status, code, title) == INTERNAL:
        return status, body  # never leak internals
    errors = _as_field_errors(detail)
    if errors is not None:
        body["detail"] = "Some fields are not valid."
        body["errors"] = errors
    else:
        body["detail"] = str(detail)
    return status, body


def _as_field_errors(detail):
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, str) and detail.startswith("{"):
        try:
            value = ast.literal_eval(detail)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return value if isinstance(value, dict) else None
    return None


def problem_response(exc_type: str, detail, correlation_id: str, headers: dict | None = None):
    from werkzeug.wrappers import Response

    status, body = problem(exc_type, detail)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE,
                    headers={"X-Correlation-ID": correlation_id, **(headers or {})})
