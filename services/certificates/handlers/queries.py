"""What the student, the public, registrars and admins read of the certificates."""

from __future__ import annotations

import base64
import io
import zipfile

from services.certificates.domain.certificates import SUPERSEDED
from services.certificates.domain.codes import normalise_code
from services.certificates.domain import status_list
from services.certificates.domain.open_badges import open_badge
from services.certificates.domain.supplement import DiplomaSupplementEntry
from services.certificates.domain.verification import verification, verify_url
from services.certificates.handlers.common import certificate_view
from shared.db import utcnow
from shared.errors import NotFound
from shared.permissions import ADMIN, REGISTRAR, STUDENT, Actor, ensure_may_have_role

# Who may read Diploma Supplement records: the student records' keepers.
SUPPLEMENT_READERS = (REGISTRAR, ADMIN)


def _holder(actor: Actor) -> str:
    """The acting student's id: they reach their own certificate only, and only once registered."""
    ensure_may_have_role(actor, STUDENT, doing="reach a student's own certificate")
    if not actor.student_id:
        raise NotFound("you are not registered for the CIM")
    return actor.student_id


# --- the student -------------------------------------------------------------------------------


def get_certificate(uow, *, actor: Actor, public_base_url: str) -> dict:
    """The student's latest certificate, whatever its state (a revoked one says so)."""
    certificate = uow.repo.latest_for(_holder(actor))
    if certificate is None:
        raise NotFound("you have no CIM certificate yet")
    return certificate_view(certificate, public_base_url)


def download(uow, *, actor: Actor) -> dict:
    certificate = uow.repo.valid_for(_holder(actor))
    document = uow.repo.document(certificate.certificate_id) if certificate is not None else None
    if document is None:
        raise NotFound("you have no valid CIM certificate")
    return {"filename": document.filename, "content_b64": base64.b64encode(document.content).decode("ascii")}


def badge_credential(uow, *, actor: Actor, public_base_url: str) -> dict:
    """The student's valid certificate as an Open Badges 3.0 credential (unsigned)."""
    certificate = uow.repo.valid_for(_holder(actor))
    if certificate is None:
        raise NotFound("you have no valid CIM certificate")
    return open_badge(certificate, public_base_url, status_list.status_entry(certificate.status_index, public_base_url))


# --- the public --------------------------------------------------------------------------------


def verify(uow, *, code: str, public_base_url: str | None = None) -> dict:
    normalised = normalise_code(code)
    certificate = uow.repo.by_code(normalised) if normalised else None
    current = None
    if certificate is not None and certificate.state == SUPERSEDED:
        current = uow.repo.latest_for(certificate.student_id)
    view = verification(normalised or (code or "")[:64], certificate, current)
    if "superseded_by" in view and public_base_url:
        view["current_verify_url"] = verify_url(public_base_url, view["superseded_by"])
    return view


def revocation_list(uow, *, list_number: str, public_base_url: str) -> dict:
    """The revocation status list `list_number` (unsigned): a bit per certificate version, 1 for
    a revoked or superseded one. List 1 always exists; a list beyond the one holding the highest
    index handed out is unknown."""
    number = int(list_number) if list_number.isascii() and list_number.isdigit() and len(list_number) <= 9 else 0
    highest = uow.repo.highest_status_index()
    if number < 1 or number > (1 if highest is None else status_list.list_position(highest)[0]):
        raise NotFound("no such status list")
    first, last = status_list.list_range(number)
    bits = [index - first for index in uow.repo.status_set(first, last)]
    return status_list.status_list_credential(number, bits, public_base_url=public_base_url, now=utcnow())


# --- registrars and admins ---------------------------------------------------------------------


def diploma_supplement(uow, *, actor: Actor, student_id: str) -> DiplomaSupplementEntry:
    ensure_may_have_role(actor, *SUPPLEMENT_READERS, doing="read Diploma Supplement records")
    entry = uow.repo.supplement_for(student_id)
    if entry is None:
        raise NotFound("no Diploma Supplement record for this student")
    return entry


def ceremony_archive(uow, *, actor: Actor, ceremony_id: str) -> dict:
    """Every valid certificate PDF of one ceremony, as one ZIP (base64 on the wire)."""
    ensure_may_have_role(actor, ADMIN, doing="download a ceremony's certificates")
    pairs = uow.repo.valid_in_ceremony(ceremony_id)
    if not pairs and not uow.repo.ceremony_known(ceremony_id):
        raise NotFound("no certificates were issued for this ceremony")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for _certificate, document in pairs:
            archive.writestr(document.filename, document.content)
    return {
        "filename": f"cim-certificates-{ceremony_id}.zip",
        "content_b64": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "count": len(pairs),
    }
