"""The same achievement as the certificate, as an Open Badges 3.0 credential (unsigned)."""

from __future__ import annotations

from services.certificates.domain.certificates import Certificate
from services.certificates.domain.verification import verify_url

OB_CONTEXT = ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
ISSUER_NAME = "Faculty of Medicine"


def open_badge(certificate: Certificate, public_base_url: str) -> dict:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (achievementType CoCurricular).

    It names what the certificate names (holder, programme, activities, dates) and links its
    verification page; no student id, no email.
    """
    base = public_base_url.rstrip("/")
    url = verify_url(public_base_url, certificate.code)
    activities = "; ".join(
        f"{a.type_name_en}: {a.title} ({a.start_date.isoformat()} – {a.end_date.isoformat()})"
        for a in certificate.counted_activities
    )
    return {
        "@context": OB_CONTEXT,
        "id": f"urn:uuid:{certificate.certificate_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Certificate of International Merits",
        "issuer": {"id": f"{base}/", "type": ["Profile"], "name": ISSUER_NAME},
        "issuanceDate": certificate.issued_at.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                }
            ],
            "achievement": {
                "id": f"{base}/achievements/cim/{certificate.programme_code}",
                "type": ["Achievement"],
                "achievementType": "CoCurricular",
                "name": "Certificate of International Merits",
                "description": (f"International activities within the {certificate.programme_name_en}: {activities}."),
                "criteria": {
                    "narrative": (
                        "Approved international activities, a final report and an oral "
                        "presentation at a CIM ceremony, as the programme's rules require."
                    )
                },
            },
        },
        "evidence": [{"id": url, "type": ["Evidence"], "name": "Verification page"}],
    }
