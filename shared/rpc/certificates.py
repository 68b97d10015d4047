"""Certificates' RPC payloads: the typed requests and the schemas that check and dump them."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import fields, validate

from shared.rpc import Payload

STATUSES = ("valid", "revoked", "superseded", "unknown")
DECISIONS = ("keep", "revoke")


@dataclass(frozen=True)
class Revocation:
    reason: str


@dataclass(frozen=True)
class Reissue:
    reason: str


@dataclass(frozen=True)
class ReviewDecision:
    decision: str
    reason: str


class RevocationRequest(Payload):
    command = Revocation
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReissueRequest(Payload):
    """An admin re-issues a valid certificate (a correction): a new version supersedes it."""

    command = Reissue
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReviewDecisionRequest(Payload):
    """An admin decides a flagged certificate: keep it, or revoke it; the reason is recorded."""

    command = ReviewDecision
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CertificateProgrammeView(Payload):
    code = fields.String()
    name_en = fields.String()
    name_sv = fields.String()


class CertificateView(Payload):
    """The student's own certificate (GET /v1/me/certificate)."""

    code = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    version = fields.Integer()
    issued_at = fields.AwareDateTime()
    verify_url = fields.String()
    programme = fields.Nested(CertificateProgrammeView)


class CertificateFileView(Payload):
    """The certificate PDF, base64 on the wire (GET /v1/me/certificate.pdf)."""

    filename = fields.String()
    content_b64 = fields.String()


class VerificationView(Payload):
    """Public verification: the state and what the certificate itself shows; no email, no ids.

    Only `code` and `status` for an unknown code; `revoked_reason` only for a revoked one.
    """

    code = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    holder = fields.String()
    programme = fields.Nested(CertificateProgrammeView)
    issued_at = fields.AwareDateTime()
    revoked_reason = fields.String()
    superseded_by = fields.String()  # the current version's code, for a superseded one
    current_verify_url = fields.String()


class DiplomaSupplementView(Payload):
    """The section 6.1 line of the Diploma Supplement, English and Swedish."""

    student_id = fields.String()
    certificate_code = fields.String()
    section = fields.String()
    text_en = fields.String()
    text_sv = fields.String()
    recorded_at = fields.AwareDateTime()


class ReviewView(Payload):
    """A certificate flagged for an admin after one of its activities lost its approval."""

    review_id = fields.String()
    certificate_code = fields.String()
    student_id = fields.String()
    holder = fields.String(allow_none=True)
    activity_id = fields.String()
    withdrawal_reason = fields.String()
    requested_at = fields.AwareDateTime()
    decision = fields.String(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)


class BadgeView(Payload):
    """The Open Badges 3.0 credential as a VC-JWT (GET /v1/me/certificate/badge)."""

    filename = fields.String()
    media_type = fields.String()
    credential = fields.String()


class StatusListView(Payload):
    """The revocation status list as a signed BitstringStatusListCredential (VC-JWT)."""

    media_type = fields.String()
    credential = fields.String()
    ttl_seconds = fields.Integer()  # how long it may be cached


class ArchiveView(Payload):
    """All valid certificates of a ceremony as one ZIP, base64 on the wire."""

    filename = fields.String()
    content_b64 = fields.String()
    count = fields.Integer()
