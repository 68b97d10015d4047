"""The one error table: every failure becomes application/problem+json (RFC 9457), by its type.

The shared errors (shared.errors: NotFound, Forbidden, Conflict, Invalid) reach the gateway from
RPC as themselves, and the gateway's own refusals below are CimErrors too, so each carries its
`status`, stable `code` and `detail` (a dict detail is field errors). Anything else, a
RemoteError of a type nobody registered included, is a 500 that says nothing about the inside.
"""

from __future__ import annotations

import json

from nameko.exceptions import UnknownService
from werkzeug.wrappers import Response

from shared.errors import CimError, Conflict, Forbidden, Invalid, NotFound

PROBLEM_MEDIA_TYPE = "application/problem+json"


class BadRequest(CimError):
    """The request cannot be read (not JSON, not an object)."""

    status, code = 400, "bad-request"


class Unauthorized(CimError):
    """No token, or a token that is not valid."""

    status, code = 401, "unauthorized"


class MethodNotAllowed(CimError):
    """The path exists, the method does not; `allowed` goes out in the Allow header."""

    status, code = 405, "method-not-allowed"

    def __init__(self, message: str, allowed=()):
        super().__init__(message)
        self.headers = {"Allow": ", ".join(sorted(allowed))} if allowed else {}


class PayloadTooLarge(CimError):
    """The body is larger than this route accepts."""

    status, code = 413, "payload-too-large"


class UnsupportedMediaType(CimError):
    """The body is not of a type this route accepts."""

    status, code = 415, "unsupported-media-type"


class RateLimited(CimError):
    """Too many requests of one kind from one caller in a window; Retry-After says how long."""

    status, code = 429, "rate-limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
        self.headers = {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(CimError):
    """The owning service is not running (nameko's UnknownService)."""

    status, code = 503, "unavailable"


class ServiceTimeout(CimError):
    """The owning services did not answer within the request's time (`CIM_REQUEST_TIMEOUT_S`)."""

    status, code = 504, "timeout"


class IdentityProviderUnavailable(CimError):
    """The issuer's keys cannot be fetched, so no token can be checked."""

    status, code = 503, "identity-provider-unavailable"


# exception type -> the problem's title (its status and code are the type's own)
ERROR_TABLE: dict[type[CimError], str] = {
    BadRequest: "The request cannot be read",
    Unauthorized: "Authentication required",
    Forbidden: "Not allowed",
    NotFound: "Not found",
    MethodNotAllowed: "This method is not allowed here",
    Conflict: "Conflict with the current state",
    PayloadTooLarge: "The request body is too large",
    UnsupportedMediaType: "Unsupported media type",
    Invalid: "The input is not valid",
    RateLimited: "Too many requests",
    ServiceUnavailable: "A service is unavailable",
    ServiceTimeout: "A service did not answer in time",
    IdentityProviderUnavailable: "The identity provider cannot be reached",
}
INTERNAL = (500, "internal", "Something went wrong on our side")


def _title(kind: type) -> str | None:
    """The title of the nearest of `kind`'s classes in the table (None: not one of the table's)."""
    return next((ERROR_TABLE[base] for base in kind.__mro__ if base in ERROR_TABLE), None)


def _known(exc: BaseException) -> CimError | None:
    """`exc` as an error of the table, or None when it is one the caller must not learn about."""
    if isinstance(exc, UnknownService):
        return ServiceUnavailable(f"the {exc.args[0]} service is unavailable")
    return exc if _title(type(exc)) is not None else None


def is_expected(exc: BaseException) -> bool:
    """A refusal the table describes (not worth a stack trace in the log)."""
    return _known(exc) is not None


def problem(exc: BaseException) -> tuple[int, dict]:
    """The status and problem body for `exc`."""
    error = _known(exc)
    if error is None:
        status, code, title = INTERNAL
        return status, {"type": f"urn:cim:problem:{code}", "title": title, "status": status}
    body = {"type": f"urn:cim:problem:{error.code}", "title": _title(type(error)), "status": error.status}
    if isinstance(error.detail, dict):
        body["detail"] = "Some fields are not valid."
        body["errors"] = error.detail
    else:
        body["detail"] = str(error.detail)
    return error.status, body


def problem_codes() -> list[str]:
    """Every problem code the gateway may answer with, internal included (for the document)."""
    return sorted({kind.code for kind in ERROR_TABLE} | {INTERNAL[1]})


def problem_response(exc: BaseException, correlation_id: str) -> Response:
    """The problem+json response for `exc`, with the headers its type asks for (Retry-After)."""
    error = _known(exc)
    status, body = problem(exc if error is None else error)
    headers = getattr(error, "headers", None) or {}
    return Response(
        json.dumps(body),
        status=status,
        mimetype=PROBLEM_MEDIA_TYPE,
        headers={"X-Correlation-ID": correlation_id, **headers},
    )


def internal_response(correlation_id: str) -> Response:
    """A 500 problem, whatever went wrong (for failures outside any route)."""
    return problem_response(Exception(), correlation_id)
