"""The same achievement as the certificate, as an Open Badges 3.0 credential (unsigned)."""

from __future__ import annotations

from services.certificates.domain.certificates import Certificate
from services.certificates.domain.verification import verify_url

VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = [VC_CONTEXT_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
ISSUER_NAME = "Faculty of Medicine"
# The 1EdTech JSON Schema an Open Badges 3.0 credential is checked against (the spec's own
# credentialSchema entry; tests/contract/schemas/ holds the copy the tests check with).
OB_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}


def issuer_profile(public_base_url: str) -> dict:
    """The issuer as every credential the platform signs names it."""
    return {"id": f"{public_base_url.rstrip('/')}/", "type": ["Profile"], "name": ISSUER_NAME}


def timestamp(moment) -> str:
    """A credential's date-time: UTC, to the second, with a Z."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def open_badge(certificate: Certificate, public_base_url: str, status: dict) -> dict:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (achievementType CoCurricular),
    in the VC Data Model 2.0 form the Open Badges 3.0 JSON Schema asks for.

    It names what the certificate names (holder, programme, activities, dates) and links its
    verification page; no student id, no email. `status` is its `credentialStatus` (the entry
    of its revocation bit, status_list.status_entry).
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
        "issuer": issuer_profile(public_base_url),
        "validFrom": timestamp(certificate.issued_at),
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
        "credentialSchema": [dict(OB_SCHEMA)],
        "credentialStatus": status,
    }
