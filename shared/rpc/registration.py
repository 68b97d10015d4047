"""Registration's RPC payloads: the typed requests and the schemas that check and dump them."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import fields, validate

from shared.events.catalogue import LANGUAGES
from shared.rpc import Payload


@dataclass(frozen=True)
class Registration:
    """A person joins the CIM; name and email default to the ones their token carries."""

    programme: str
    expected_graduation: str
    language: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ProgrammeChange:
    programme: str


class RegistrationRequest(Payload):
    command = Registration
    programme = fields.String(required=True, validate=validate.Length(min=1, max=50))
    expected_graduation = fields.String(
        required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="use YYYY-MM")
    )
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=254))


class ProgrammeChangeRequest(Payload):
    """PUT /v1/students/{student_id}/programme."""

    command = ProgrammeChange
    programme = fields.String(required=True, validate=validate.Length(min=1, max=50))


NAMES_MOST = 1000  # student ids per student_names call (the gateway asks in chunks of this size)


@dataclass(frozen=True)
class StudentNames:
    student_ids: list[str]


class StudentNamesRequest(Payload):
    """Whose names a list shows (a ceremony's roster): the names of up to NAMES_MOST students."""

    command = StudentNames
    student_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=36)), required=True, validate=validate.Length(max=NAMES_MOST)
    )


class ProgrammeView(Payload):
    code = fields.String()
    name_en = fields.String()
    name_sv = fields.String()


class StudentView(Payload):
    student_id = fields.String()
    name = fields.String()
    email = fields.String()
    programme = fields.Nested(ProgrammeView)
    expected_graduation = fields.String()
    language = fields.String()
    status = fields.String()
    registered_at = fields.AwareDateTime()
