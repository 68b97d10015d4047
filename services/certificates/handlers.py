"""Certificates' use cases: each takes a unit of work and plain values, and commits once."""
from __future__ import annotations

import base64

from services.certificates import domain
from services.certificates.orm import Repository
from shared.db import utcnow
from shared.errors import NotFound

PDF = "application/pdf"


class StaleDraft(RuntimeError):
    """The student's certificates changed while the draft was rendering: retry the event."""


def programme_view(certificate: domain.Certificate) -> dict:
    return {"code": certificate.programme_code, "name_en": certificate.programme_name_en,
            "name_sv": certificate.programme_name_sv}


def certificate_view(certificate: domain.Certificate, public_base_url: str) -> dict:
    return {"code": certificate.code, "status": certificate.state, "version": certificate.version,
            "issued_at": certificate.issued_at,
            "verify_url": domain.verify_url(public_base_url, certificate.code),
            "programme": programme_view(certificate)}


def supplement_view(entry: domain.DiplomaSupplementEntry) -> dict:
    return {"student_id": entry.student_id, "certificate_code": entry.certificate_code,
            "section": entry.section, "text_en": entry.text_en, "text_sv": entry.text_sv,
            "recorded_at": entry.recorded_at}


# --- issuing: draft (read-only), render outside any transaction, then issue ----------------

def draft_certificate(uow, *, eligibility: dict, public_base_url: str):
    """The certificate student.eligible.v1 calls for and what it prints, or (None, None).

    Nothing is written: the PDF is rendered between this and `issue_certificate`, outside any
    transaction, so the transaction that issues stays short.
    """
    repo = Repository(uow.session)
    student_id = eligibility["student_id"]
    certificate = domain.issue(eligibility=eligibility, current=repo.valid_for(student_id),
                               latest_version=repo.latest_version(student_id),
                               code=domain.new_code(), now=utcnow())
    if certificate is None:
        return None, None
    return certificate, domain.document_content(
        certificate, domain.verify_url(public_base_url, certificate.code))


def issue_certificate(uow, eligibility: dict, *, certificate: domain.Certificate | None,
                      pdf: bytes | None, public_base_url: str) -> dict | None:
    """Store the drafted certificate, its PDF and its Diploma Supplement line; announce both.

    Idempotent per student: when a valid certificate already stands nothing changes. The
    partial unique index on (student_id) where valid backs this check against concurrent
    deliveries.
    """
    repo = Repository(uow.session)
    student_id = eligibility["student_id"]
    if repo.valid_for(student_id) is not None:
        return None
    if certificate is None or pdf is None or repo.latest_version(student_id) != certificate.version - 1:
        raise StaleDraft(f"certificates of student {student_id} changed while rendering")
    repo.add(certificate)
    uow.session.flush()  # the certificate row first: the document and the DS line refer to it
    repo.add(domain.CertificateDocument(certificate_id=certificate.certificate_id,
                                        filename=certificate.filename, media_type=PDF,
                                        content=pdf, created_at=certificate.issued_at))
    entry = domain.supplement_entry(certificate, now=utcnow())
    repo.add(entry)
    uow.publish("certificate.issued.v1", {
        "certificate_id": certificate.certificate_id, "code": certificate.code,
        "version": certificate.version, "student_id": student_id,
        "programme": certificate.programme_code,
        "verify_url": domain.verify_url(public_base_url, certificate.code),
        "issued_at": certificate.issued_at})
    uow.publish("diploma_supplement.recorded.v1", supplement_view(entry))
    return certificate_view(certificate, public_base_url)


# --- reading -----------------------------------------------------------------------------

def get_certificate(uow, *, role: str, student_id: str | None, public_base_url: str) -> dict:
    """The student's latest certificate, whatever its state (a revoked one says so)."""
    student_id = domain.require_student(role, student_id)
    certificate = Repository(uow.session).latest_for(student_id)
    if certificate is None:
        raise NotFound("you have no CIM certificate yet")
    return certificate_view(certificate, public_base_url)


def download(uow, *, role: str, student_id: str | None) -> dict:
    student_id = domain.require_student(role, student_id)
    repo = Repository(uow.session)
    certificate = repo.valid_for(student_id)
    document = repo.document(certificate.certificate_id) if certificate is not None else None
    if document is None:
        raise NotFound("you have no valid CIM certificate")
    return {"filename": document.filename,
            "content_b64": base64.b64encode(document.content).decode("ascii")}


def verify(uow, *, code: str) -> dict:
    normalised = domain.normalise_code(code)
    certificate = Repository(uow.session).by_code(normalised) if normalised else None
    return domain.verification(normalised or (code or "")[:64], certificate)


def diploma_supplement(uow, *, role: str, student_id: str) -> dict:
    domain.require_registrar(role)
    entry = Repository(uow.session).supplement_for(student_id)
    if entry is None:
        raise NotFound("no Diploma Supplement record for this student")
    return supplement_view(entry)


# --- changing ----------------------------------------------------------------------------

def revoke(uow, *, role: str, code: str, reason: str) -> dict:
    domain.require_admin(role)
    normalised = domain.normalise_code(code)
    certificate = Repository(uow.session).by_code(normalised, lock=True) if normalised else None
    if certificate is None:
        raise NotFound("no certificate has this code")
    now = utcnow()
    certificate.revoke(reason, now)
    uow.publish("certificate.revoked.v1", {
        "certificate_id": certificate.certificate_id, "code": certificate.code,
        "student_id": certificate.student_id, "reason": certificate.revoked_reason,
        "revoked_at": now})
    uow.commit()
    return domain.verification(certificate.code, certificate)
