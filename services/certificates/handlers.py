"""Certificates' use cases: each takes a unit of work and plain values, and commits once."""
from __future__ import annotations

import base64
import io
import zipfile

from services.certificates import domain
from services.certificates.orm import Repository
from shared.db import utcnow
from shared.errors import Conflict, NotFound
from shared.events import CERTIFICATE_ISSUED, CERTIFICATE_REVOKED, DIPLOMA_SUPPLEMENT_RECORDED

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
    _store_and_announce(uow, repo, certificate, pdf, public_base_url)
    return certificate_view(certificate, public_base_url)


def _store_and_announce(uow, repo, certificate: domain.Certificate, pdf: bytes,
                        public_base_url: str):
    """The new version, its PDF and its Diploma Supplement line; both announced."""
    repo.add(certificate)
    uow.session.flush()  # the certificate row first: the document and the DS line refer to it
    repo.add(domain.CertificateDocument(certificate_id=certificate.certificate_id,
                                        filename=certificate.filename, media_type=PDF,
                                        content=pdf, created_at=certificate.issued_at))
    entry = domain.supplement_entry(certificate, now=utcnow())
    repo.add(entry)
    issued = {
        "certificate_id": certificate.certificate_id, "code": certificate.code,
        "version": certificate.version, "student_id": certificate.student_id,
        "programme": certificate.programme_code,
        "verify_url": domain.verify_url(public_base_url, certificate.code),
        "issued_at": certificate.issued_at}
    if certificate.supersedes:
        issued.update(supersedes=certificate.supersedes, reissue_reason=certificate.reissue_reason)
    uow.publish(CERTIFICATE_ISSUED, issued)
    uow.publish(DIPLOMA_SUPPLEMENT_RECORDED, supplement_view(entry))


# --- re-issuing: after a legal-name correction or at an admin's request ---------------------

NAME_CORRECTED = "legal name corrected in the student record"


def draft_reissue(uow, *, public_base_url: str, reason: str, student_id: str | None = None,
                  code: str | None = None, name: str | None = None):
    """The next version of a student's valid certificate and what it prints, or (None, None).

    By student (a name update: `name` is the new legal name) or by code (an admin's request:
    the code must be the valid version). Nothing is written; see `store_reissue`.
    """
    repo = Repository(uow.session)
    if code is not None:
        normalised = domain.normalise_code(code)
        current = repo.by_code(normalised) if normalised else None
        if current is None:
            raise NotFound("no certificate has this code")
        if current.state != domain.VALID:
            raise Conflict(f"the certificate is {current.state}; only the valid version can be "
                           "re-issued")
    else:
        current = repo.valid_for(student_id)
    certificate = domain.reissue(current, latest_version=repo.latest_version(
        current.student_id) if current else 0, code=domain.new_code(), now=utcnow(),
        reason=reason, name=name)
    if certificate is None:
        return None, None
    return certificate, domain.document_content(
        certificate, domain.verify_url(public_base_url, certificate.code))


def store_reissue(uow, data=None, *, certificate: domain.Certificate | None, pdf: bytes | None,
                  public_base_url: str) -> dict | None:
    """Supersede the current version and store the new one, unless things moved meanwhile.

    When the version it was drafted from is no longer the valid one (revoked, or re-issued by
    someone else while rendering), StaleDraft is raised: an event is then retried and drafts
    afresh; an admin's request answers with a conflict.
    """
    if certificate is None:
        return None
    repo = Repository(uow.session)
    current = repo.by_code(certificate.supersedes, lock=True)
    if (pdf is None or current is None or current.state != domain.VALID
            or repo.latest_version(certificate.student_id) != certificate.version - 1):
        raise StaleDraft(f"certificates of student {certificate.student_id} changed while rendering")
    current.supersede(utcnow())
    uow.session.flush()  # the old version leaves 'valid' before the new one arrives (unique index)
    _store_and_announce(uow, repo, certificate, pdf, public_base_url)
    for review in repo.pending_reviews(current.certificate_id):  # the question stays open
        review.certificate_id, review.certificate_code = certificate.certificate_id, certificate.code
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


def verify(uow, *, code: str, public_base_url: str | None = None) -> dict:
    normalised = domain.normalise_code(code)
    repo = Repository(uow.session)
    certificate = repo.by_code(normalised) if normalised else None
    current = None
    if certificate is not None and certificate.state == domain.SUPERSEDED:
        current = repo.latest_for(certificate.student_id)
    view = domain.verification(normalised or (code or "")[:64], certificate, current)
    if "superseded_by" in view and public_base_url:
        view["current_verify_url"] = domain.verify_url(public_base_url, view["superseded_by"])
    return view


def diploma_supplement(uow, *, role: str, student_id: str) -> dict:
    domain.require_registrar(role)
    entry = Repository(uow.session).supplement_for(student_id)
    if entry is None:
        raise NotFound("no Diploma Supplement record for this student")
    return supplement_view(entry)


# --- changing ----------------------------------------------------------------------------

def revoke(uow, *, role: str, code: str, reason: str, subject: str = "admin") -> dict:
    """An admin revokes a certificate: it stays on record, verifiers see the reason."""
    domain.require_admin(role)
    normalised = domain.normalise_code(code)
    repo = Repository(uow.session)
    certificate = repo.by_code(normalised, lock=True) if normalised else None
    if certificate is None:
        raise NotFound("no certificate has this code")
    _revoke(uow, repo, certificate, reason, subject)
    uow.commit()
    return domain.verification(certificate.code, certificate)


def _revoke(uow, repo, certificate: domain.Certificate, reason: str, subject: str):
    """Revoke, close the certificate's pending reviews (revoked), announce it."""
    now = utcnow()
    certificate.revoke(reason, now)
    for review in repo.pending_reviews(certificate.certificate_id):
        review.decide(domain.REVOKE, certificate.revoked_reason, subject, now)
    uow.publish(CERTIFICATE_REVOKED, {
        "certificate_id": certificate.certificate_id, "code": certificate.code,
        "student_id": certificate.student_id, "reason": certificate.revoked_reason,
        "revoked_at": now})


# --- admin review after an approval was withdrawn --------------------------------------------

def review_view(review: domain.CertificateReview, certificate: domain.Certificate | None) -> dict:
    return {"review_id": review.review_id, "certificate_code": review.certificate_code,
            "student_id": review.student_id,
            "holder": certificate.holder_name if certificate else None,
            "activity_id": review.activity_id, "withdrawal_reason": review.withdrawal_reason,
            "requested_at": review.requested_at, "decision": review.decision,
            "decision_reason": review.decision_reason, "decided_by": review.decided_by,
            "decided_at": review.decided_at}


def flag_for_review(uow, data: dict) -> dict | None:
    """activity.approval_withdrawn.v1: a certificate that may no longer be deserved waits for an admin."""
    repo = Repository(uow.session)
    certificate = repo.valid_for(data["student_id"])
    review = domain.review_for_withdrawal(certificate, withdrawal=data, now=utcnow())
    if review is None:
        return None
    repo.add(review)
    return review_view(review, certificate)


def list_reviews(uow, *, role: str) -> list[dict]:
    domain.require_admin(role)
    repo = Repository(uow.session)
    return [review_view(review, repo.by_code(review.certificate_code))
            for review in repo.pending_reviews()]


def decide_review(uow, *, role: str, subject: str, code: str, decision: str,
                  reason: str) -> dict:
    """Keep the certificate (the reviews close) or revoke it (with the reason, announced)."""
    domain.require_admin(role)
    decision, reason = domain.review_decision(decision, reason)
    normalised = domain.normalise_code(code)
    repo = Repository(uow.session)
    certificate = repo.by_code(normalised, lock=True) if normalised else None
    if certificate is None:
        raise NotFound("no certificate has this code")
    reviews = repo.pending_reviews(certificate.certificate_id)
    if not reviews:
        raise Conflict("this certificate has no pending review")
    if decision == domain.REVOKE:
        _revoke(uow, repo, certificate, reason, subject)
    now = utcnow()
    for review in reviews:
        if review.pending:
            review.decide(decision, reason, subject, now)
    uow.commit()
    return domain.verification(certificate.code, certificate)


# --- Open Badges, bulk download ----------------------------------------------------------------

def badge_credential(uow, *, role: str, student_id: str | None, public_base_url: str) -> dict:
    """The student's valid certificate as an Open Badges 3.0 credential (unsigned)."""
    student_id = domain.require_student(role, student_id)
    certificate = Repository(uow.session).valid_for(student_id)
    if certificate is None:
        raise NotFound("you have no valid CIM certificate")
    return domain.open_badge(certificate, public_base_url)


def ceremony_archive(uow, *, role: str, ceremony_id: str) -> dict:
    """Every valid certificate PDF of one ceremony, as one ZIP (base64 on the wire)."""
    domain.require_admin(role)
    repo = Repository(uow.session)
    pairs = repo.valid_in_ceremony(ceremony_id)
    if not pairs and not repo.ceremony_known(ceremony_id):
        raise NotFound("no certificates were issued for this ceremony")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate, document in pairs:
            archive.writestr(document.filename, document.content)
    return {"filename": f"cim-certificates-{ceremony_id}.zip",
            "content_b64": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "count": len(pairs)}
