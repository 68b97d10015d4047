"""Issuing a certificate version: drafted (nothing written), then stored and announced.

The caller renders the PDF between the two, outside any transaction, so the transaction that
issues stays short: for a student.eligible.v1, a corrected legal name (student.updated.v1) and
an admin's re-issue. A draft the student's certificates moved away from meanwhile is stale.
"""

from __future__ import annotations

from services.certificates.domain.certificates import VALID, Certificate, CertificateDocument, issue, reissue
from services.certificates.domain.codes import new_code
from services.certificates.domain.content import document_content
from services.certificates.domain import degrees
from services.certificates.domain.supplement import DiplomaSupplementEntry, supplement_entry
from services.certificates.domain.verification import verify_url
from services.certificates.handlers.common import certificate_by_code, certificate_view
from shared.db import utcnow
from shared.errors import Conflict, Invalid
from shared.events import CERTIFICATE_ISSUED, DIPLOMA_SUPPLEMENT_RECORDED
from shared.permissions import ADMIN, Actor, ensure_may_have_role
from shared.rpc.certificates import Reissue

PDF = "application/pdf"
NAME_CORRECTED = "legal name corrected in the student record"


class StaleDraft(RuntimeError):
    """The student's certificates changed while the draft was rendering: retry the event."""


def _drafted(certificate: Certificate | None, public_base_url: str):
    """The certificate and what its PDF prints, or (None, None) when there is nothing to issue."""
    if certificate is None:
        return None, None
    return certificate, document_content(certificate, verify_url(public_base_url, certificate.code))


# --- a first issue (student.eligible.v1) ----------------------------------------------------


def draft_certificate(uow, *, eligibility: dict, public_base_url: str):
    """The certificate student.eligible.v1 calls for and what it prints, or (None, None)."""
    student_id = eligibility["student_id"]
    return _drafted(
        issue(
            eligibility=eligibility,
            current=uow.repo.valid_for(student_id),
            latest_version=uow.repo.latest_version(student_id),
            code=new_code(),
            now=utcnow(),
        ),
        public_base_url,
    )


def issue_certificate(
    uow, eligibility: dict, *, certificate: Certificate | None, pdf: bytes | None, public_base_url: str
) -> dict | None:
    """Store the drafted certificate, its PDF and its Diploma Supplement line; announce both.

    Idempotent per student: when a valid certificate already stands nothing changes. The
    partial unique index on (student_id) where valid backs this check against concurrent
    deliveries.
    """
    student_id = eligibility["student_id"]
    if uow.repo.valid_for(student_id) is not None:
        return None
    if certificate is None or pdf is None or uow.repo.latest_version(student_id) != certificate.version - 1:
        raise StaleDraft(f"certificates of student {student_id} changed while rendering")
    _store_and_announce(uow, certificate, pdf, public_base_url)
    return certificate_view(certificate, public_base_url)


def _store_and_announce(uow, certificate: Certificate, pdf: bytes, public_base_url: str):
    """The new version (with its revocation bit), its PDF and its Diploma Supplement line; both
    announced."""
    certificate.status_index = uow.repo.next_status_index()
    uow.repo.add(certificate)
    uow.flush()  # the certificate row first: the document and the DS line refer to it
    uow.repo.add(
        CertificateDocument(
            certificate_id=certificate.certificate_id,
            filename=certificate.filename,
            media_type=PDF,
            content=pdf,
            created_at=certificate.issued_at,
        )
    )
    entry = supplement_entry(certificate, now=utcnow())
    uow.repo.add(entry)
    issued = {
        "certificate_id": certificate.certificate_id,
        "code": certificate.code,
        "version": certificate.version,
        "student_id": certificate.student_id,
        "programme": certificate.programme_code,
        "verify_url": verify_url(public_base_url, certificate.code),
        "issued_at": certificate.issued_at,
    }
    if certificate.supersedes:
        issued.update(supersedes=certificate.supersedes, reissue_reason=certificate.reissue_reason)
    uow.publish(CERTIFICATE_ISSUED, issued)
    degree = degrees.latest(uow.repo.degrees_of(certificate.student_id))
    uow.publish(DIPLOMA_SUPPLEMENT_RECORDED, supplement_record(entry, degree))
    if degree is not None:
        degree.supplement_sent_for = certificate.code


def supplement_record(entry: DiplomaSupplementEntry, degree: degrees.Degree | None = None) -> dict:
    """The line as diploma_supplement.recorded.v1 carries it (its own id stays here), for the
    degree student records conferred when one is known."""
    return {
        "student_id": entry.student_id,
        "certificate_code": entry.certificate_code,
        "section": entry.section,
        "text_en": entry.text_en,
        "text_sv": entry.text_sv,
        "recorded_at": entry.recorded_at,
        "degree_ref": degree.degree_ref if degree is not None else None,
    }


# --- a degree student records conferred (through the campus edge) ---------------------------


def record_degree(uow, data: dict):
    """Keep the degree (once per degree_ref); with a valid certificate, send its supplement line
    for that degree now; otherwise the line goes with the certificate when it is issued."""
    if uow.repo.degree(data["degree_ref"]) is not None:
        return
    degree = degrees.Degree(
        degree_ref=data["degree_ref"],
        student_id=data["student_id"],
        programme=data["programme"],
        conferred_on=data["conferred_on"],
        reported_by=data["reported_by"],
        received_at=utcnow(),
    )
    uow.repo.add(degree)
    certificate = uow.repo.valid_for(degree.student_id)
    entry = uow.repo.supplement_for(degree.student_id) if certificate else None
    if entry is not None and entry.certificate_code == certificate.code:
        uow.publish(DIPLOMA_SUPPLEMENT_RECORDED, supplement_record(entry, degree))
        degree.supplement_sent_for = certificate.code


# --- a re-issue: after a legal-name correction or at an admin's request ---------------------


def _draft_reissue(uow, current: Certificate | None, *, reason: str, name: str | None, public_base_url: str):
    latest = uow.repo.latest_version(current.student_id) if current else 0
    return _drafted(
        reissue(current, latest_version=latest, code=new_code(), now=utcnow(), reason=reason, name=name),
        public_base_url,
    )


def draft_name_correction(uow, *, student_id: str, name: str, public_base_url: str):
    """student.updated.v1: the valid certificate's next version under the new legal name, or
    (None, None) when the student holds none or the printed name stays the same."""
    return _draft_reissue(
        uow, uow.repo.valid_for(student_id), reason=NAME_CORRECTED, name=name, public_base_url=public_base_url
    )


def draft_admin_reissue(uow, *, actor: Actor, code: str, request: Reissue, public_base_url: str):
    """An admin's correction: the next version of the certificate `code`, the valid version."""
    ensure_may_have_role(actor, ADMIN, doing="change certificates")
    current = certificate_by_code(uow, code)
    if current.state != VALID:
        raise Conflict(f"the certificate is {current.state}; only the valid version can be re-issued")
    certificate, content = _draft_reissue(
        uow, current, reason=request.reason, name=None, public_base_url=public_base_url
    )
    if certificate is None:
        raise Invalid({"reason": ["nothing to re-issue"]})
    return certificate, content


def store_reissue(
    uow, data=None, *, certificate: Certificate | None, pdf: bytes | None, public_base_url: str
) -> dict | None:
    """Supersede the current version and store the new one, unless things moved meanwhile.

    When the version it was drafted from is no longer the valid one (revoked, or re-issued by
    someone else while rendering), StaleDraft is raised: an event is then retried and drafts
    afresh (see `store_admin_reissue` for an admin's request).
    """
    if certificate is None:
        return None
    current = uow.repo.by_code(certificate.supersedes, lock=True)
    if (
        pdf is None
        or current is None
        or current.state != VALID
        or uow.repo.latest_version(certificate.student_id) != certificate.version - 1
    ):
        raise StaleDraft(f"certificates of student {certificate.student_id} changed while rendering")
    current.supersede(utcnow())
    uow.flush()  # the old version leaves 'valid' before the new one arrives (unique index)
    _store_and_announce(uow, certificate, pdf, public_base_url)
    for review in uow.repo.pending_reviews(current.certificate_id):
        review.follow(certificate)
    return certificate_view(certificate, public_base_url)


def store_admin_reissue(uow, *, certificate: Certificate, pdf: bytes, public_base_url: str) -> dict:
    """An admin's re-issue stored; a stale draft answers with a conflict (the admin may retry)."""
    try:
        return store_reissue(uow, certificate=certificate, pdf=pdf, public_base_url=public_base_url)
    except StaleDraft:
        raise Conflict("the certificate changed while the new version was rendered; try again") from None
