"""RPC payload schemas: what the gateway sends each service and gets back."""
from marshmallow import RAISE, Schema, ValidationError


class Payload(Schema):
    """Strict by default: an unknown field is an error, not something silently dropped."""

    class Meta:
        unknown = RAISE
        ordered = True


def load(schema_cls, data, **kwargs):
    """Load `data` or raise shared.errors.Invalid with the field messages."""
    from shared.errors import Invalid

    try:
        return schema_cls(**kwargs).load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
