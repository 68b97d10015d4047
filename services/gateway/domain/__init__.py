"""The gateway's rules: who a caller is and which roles may use which route. Plain Python."""
from __future__ import annotations

from dataclasses import dataclass

from shared.permissions import ADMIN, COORDINATOR, REGISTRAR, ROLES, STUDENT  # noqa: F401


class Unauthorized(Exception):
    """No token, or a token that is not valid: 401."""


class BadRequest(Exception):
    """The request cannot be read (not JSON, not an object): 400."""


class PayloadTooLarge(Exception):
    """The body is larger than this route accepts: 413."""


class UnsupportedMediaType(Exception):
    """The body is not of a type this route accepts: 415."""


class RateLimited(Exception):
    """Too many requests of one kind from one caller in a window: 429 with Retry-After."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class IdentityProviderUnavailable(Exception):
    """The issuer's keys cannot be fetched, so no token can be checked: 503."""


@dataclass(frozen=True)
class Identity:
    """A person, keyed by (issuer, subject), with the role their token grants."""
    issuer: str
    subject: str
    role: str
    name: str | None = None
    email: str | None = None


def require_role(identity: Identity, allowed: tuple[str, ...]):
    from shared.errors import Forbidden

    if identity.role not in allowed:
        raise Forbidden(f"the {identity.role} role may not do this")


def actor(identity: Identity, *, student_id: str | None = None,
          programmes: list[str] | None = None) -> dict:
    """The acting person as every service's RPC receives it (shared.rpc.common.ActorSchema)."""
    return {"issuer": identity.issuer, "subject": identity.subject, "role": identity.role,
            "student_id": student_id, "programmes": list(programmes or [])}
