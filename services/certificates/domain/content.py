"""What the certificate PDF prints: the content the renderer receives, JSON-able."""

from __future__ import annotations

from services.certificates.domain.certificates import Certificate


def document_content(certificate: Certificate, url: str) -> dict:
    """Everything printed on the certificate, JSON-able: what the renderer receives."""
    return {
        "holder_name": certificate.holder_name,
        "programme": certificate.programme,
        "activities": [
            {
                "type_name_en": a.type_name_en,
                "type_name_sv": a.type_name_sv,
                "title": a.title,
                "place_en": a.place("en"),
                "place_sv": a.place("sv"),
                "start_date": a.start_date.isoformat(),
                "end_date": a.end_date.isoformat(),
            }
            for a in certificate.counted_activities
        ],
        "ceremony_date": certificate.ceremony_date.isoformat(),
        "issue_date": certificate.issued_at.date().isoformat(),
        "code": certificate.code,
        "version": certificate.version,
        "verify_url": url,
    }
