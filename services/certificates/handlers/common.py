"""What several certificates use cases share: a certificate found by its code, and their views."""

from __future__ import annotations

from services.certificates.domain.certificates import Certificate
from services.certificates.domain.codes import normalise_code
from services.certificates.domain.reviews import CertificateReview
from services.certificates.domain.verification import verify_url
from shared.errors import NotFound


def certificate_by_code(uow, code: str, *, lock: bool = False) -> Certificate:
    """The certificate a typed code names (case and separators forgiven), or NotFound."""
    normalised = normalise_code(code)
    certificate = uow.repo.by_code(normalised, lock=lock) if normalised else None
    if certificate is None:
        raise NotFound("no certificate has this code")
    return certificate


def certificate_view(certificate: Certificate, public_base_url: str) -> dict:
    return {
        "code": certificate.code,
        "status": certificate.state,
        "version": certificate.version,
        "issued_at": certificate.issued_at,
        "verify_url": verify_url(public_base_url, certificate.code),
        "programme": certificate.programme,
    }


def review_view(review: CertificateReview, certificate: Certificate | None) -> dict:
    return {
        "review_id": review.review_id,
        "certificate_code": review.certificate_code,
        "student_id": review.student_id,
        "holder": certificate.holder_name if certificate else None,
        "activity_id": review.activity_id,
        "withdrawal_reason": review.withdrawal_reason,
        "requested_at": review.requested_at,
        "decision": review.decision,
        "decision_reason": review.decision_reason,
        "decided_by": review.decided_by,
        "decided_at": review.decided_at,
    }
