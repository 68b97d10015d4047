"""Payloads of the personal-data routes: the export document, withdrawal and erasure requests."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.rpc import Payload


class ExportView(Payload):
    """GET /v1/me/export: everything the platform holds about the caller."""

    student_id = fields.String(required=True, metadata={"description": "the caller's student id"})
    exported_at = fields.String(required=True, metadata={"description": "when (UTC, ISO 8601)"})
    profile = fields.Dict(required=True, metadata={"description": "the registration profile"})
    held = fields.Dict(
        required=True,
        metadata={"description": "per service, per table, the rows about the caller (docs/personal-data.md)"},
    )
    downloads = fields.Dict(
        required=True, metadata={"description": "where the files whose metadata is above are downloaded"}
    )


class WithdrawalRequest(Payload):
    """POST /v1/me/withdrawal."""

    reason = fields.String(
        validate=validate.Length(max=1000), metadata={"description": "why the student leaves (optional)"}
    )


class ErasureRequest(Payload):
    """DELETE /v1/students/{student_id}/personal-data."""

    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "the request the erasure answers"},
    )
