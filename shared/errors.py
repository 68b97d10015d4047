"""Errors a use case may raise; each knows its HTTP status and stable problem code.

Plain Python, so domain packages may raise them. They cross RPC as themselves: `shared.rpc`
registers them with nameko, so the gateway catches `NotFound`, not a RemoteError to parse.
"""


class CimError(Exception):
    """Base: a refusal with a message (or field errors, a dict) fit to show the caller."""

    status = 500
    code = "internal"

    @property
    def detail(self):
        return self.args[0] if self.args else ""


class NotFound(CimError):
    """The object does not exist, or the caller may not know it exists."""

    status, code = 404, "not-found"


class Forbidden(CimError):
    """The caller's role may not do this."""

    status, code = 403, "forbidden"


class Conflict(CimError):
    """The object's state does not allow this now."""

    status, code = 409, "conflict"


class Invalid(CimError):
    """The input is well-formed but breaks a rule."""

    status, code = 422, "invalid"


EXPECTED = (NotFound, Forbidden, Conflict, Invalid)
