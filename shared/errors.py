"""Errors a use case may raise; the gateway maps each to an HTTP status in one table.

Plain Python, so domain packages may raise them. They cross RPC by class name.
"""


class CimError(Exception):
    """Base: a refusal with a message fit to show the caller."""


class NotFound(CimError):
    """The object does not exist, or the caller may not know it exists."""


class Forbidden(CimError):
    """The caller's role may not do this."""


class Conflict(CimError):
    """The object's state does not allow this now."""


class Invalid(CimError):
    """The input is well-formed but breaks a rule."""


EXPECTED = (NotFound, Forbidden, Conflict, Invalid)
