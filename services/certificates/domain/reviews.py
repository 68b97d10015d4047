"""An admin's review of a valid certificate after an approval it counted was withdrawn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.certificates.domain.certificates import VALID, Certificate
from shared.errors import Conflict, Invalid

KEEP = "keep"
REVOKE = "revoke"
DECISIONS = (KEEP, REVOKE)


@dataclass(eq=False)
class CertificateReview:
    """A valid certificate flagged for an admin: an activity it counted lost its approval.

    The certificate stays valid until an admin decides: keep it, or revoke it (with a reason).
    """

    review_id: str
    certificate_id: str
    certificate_code: str
    student_id: str
    activity_id: str
    withdrawal_reason: str
    requested_at: datetime
    decision: str | None = None
    decision_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.decision is None

    def decide(self, decision: str, reason: str, by: str, now: datetime):
        if not self.pending:
            raise Conflict(f"this review was decided already ({self.decision})")
        self.decision, self.decision_reason, self.decided_by, self.decided_at = (decision, reason, by, now)

    def follow(self, certificate: Certificate):
        """The question stays open on the certificate's new version (a re-issue)."""
        self.certificate_id, self.certificate_code = certificate.certificate_id, certificate.code


def review_for_withdrawal(
    certificate: Certificate | None, *, withdrawal: dict, now: datetime
) -> CertificateReview | None:
    """activity.approval_withdrawn.v1: flag the valid certificate of a student who was eligible.

    Nothing is flagged when the student was not eligible (no certificate depends on it) or holds
    no valid certificate.
    """
    if not withdrawal["was_eligible"] or certificate is None or certificate.state != VALID:
        return None
    return CertificateReview(
        review_id=str(uuid.uuid4()),
        certificate_id=certificate.certificate_id,
        certificate_code=certificate.code,
        student_id=certificate.student_id,
        activity_id=withdrawal["activity_id"],
        withdrawal_reason=withdrawal["reason"],
        requested_at=now,
    )


def review_decision(decision: str, reason: str) -> tuple[str, str]:
    reason = " ".join((reason or "").split())
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = [f"one of {', '.join(DECISIONS)}"]
    if not reason:
        errors["reason"] = ["a reason is required"]
    if errors:
        raise Invalid(errors)
    return decision, reason
