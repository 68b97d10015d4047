"""What the public verification page shows of a code: the state and what the certificate shows."""

from __future__ import annotations

from services.certificates.domain.certificates import REVOKED, SUPERSEDED, Certificate

UNKNOWN = "unknown"  # what verification says of a code no certificate carries


def verify_url(public_base_url: str, code: str) -> str:
    return public_base_url.rstrip("/") + "/verify/" + code


def verification(code: str, certificate: Certificate | None, current: Certificate | None = None) -> dict:
    """What the public sees: the state and what the certificate itself shows, nothing more.

    A superseded certificate names the code of `current`, the student's newest version.
    """
    if certificate is None:
        return {"code": code, "status": UNKNOWN}
    view = {
        "code": certificate.code,
        "status": certificate.state,
        "holder": certificate.holder_name,
        "programme": certificate.programme,
        "issued_at": certificate.issued_at,
    }
    if certificate.state == REVOKED:
        view["revoked_reason"] = certificate.revoked_reason
    if certificate.state == SUPERSEDED and current is not None and current.code != certificate.code:
        view["superseded_by"] = current.code
    return view
