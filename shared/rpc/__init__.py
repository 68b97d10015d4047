"""RPC payload schemas: what the gateway sends each service and gets back.

Importing this package also registers the shared errors with nameko, so a service's `NotFound`
reaches its caller as a `NotFound` (with its message or field errors), not a RemoteError.
"""

from marshmallow import RAISE, Schema, ValidationError, post_load
from nameko.exceptions import deserialize_to_instance

from shared.errors import EXPECTED
from shared.events.envelope import schema_of

for _error in EXPECTED:
    deserialize_to_instance(_error)

# Every list's `cursor` parameter: it names a position in that list; a string the list never gave
# out names no page (404), so any string is a well-formed request.
CURSOR_DESCRIPTION = "opaque: the X-Next-Cursor of the previous page; a string that is not one names no page (404)"


class Payload(Schema):
    """Strict by default: an unknown field is an error, not something silently dropped.

    A request schema names its `command`, a dataclass: loading then gives a typed request
    (`request.programme`), never a dict a handler has to know the keys of.
    """

    command = None

    class Meta:
        unknown = RAISE
        ordered = True

    @post_load
    def _as_command(self, data, **kwargs):
        return self.command(**data) if self.command is not None else data


def load(schema_cls, data, **kwargs):
    """Load `data` or raise shared.errors.Invalid with the field messages."""
    from shared.errors import Invalid

    try:
        return schema_of(schema_cls, **kwargs).load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


def dump(schema_cls, obj, **kwargs):
    """`obj` as the caller receives it, through the process's one instance of the schema."""
    return schema_of(schema_cls, **kwargs).dump(obj)
