"""The Diploma Supplement's section 6.1 line for a certificate, in English and Swedish."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.certificates.domain.certificates import Certificate

SUPPLEMENT_SECTION = "6.1"  # Diploma Supplement: additional information


@dataclass(eq=False)
class DiplomaSupplementEntry:
    """The section 6.1 line of the Diploma Supplement for one certificate, in English and Swedish."""

    entry_id: str
    student_id: str
    certificate_code: str
    section: str
    text_en: str
    text_sv: str
    recorded_at: datetime


def _sentence(text: str) -> str:
    text = " ".join((text or "").split())
    return text.rstrip(".") if text else text


def supplement_entry(certificate: Certificate, now: datetime) -> DiplomaSupplementEntry:
    """Section 6.1: what the certificate is and which activities it lists; facts, no judgement.

    Each activity contributes its type's own supplement sentence (from the catalogue), then
    its title, place and dates, so the text is as neutral as the catalogue is.
    """
    issued = certificate.issued_at.date().isoformat()
    lines_en, lines_sv = [], []
    for activity in certificate.counted_activities:
        period = f"{activity.start_date.isoformat()} – {activity.end_date.isoformat()}"
        lines_en.append(
            f"{_sentence(activity.supplement_en)}: {_sentence(activity.title)} ({activity.place('en')}, {period})."
        )
        lines_sv.append(
            f"{_sentence(activity.supplement_sv)}: {_sentence(activity.title)} ({activity.place('sv')}, {period})."
        )
    text_en = (
        f"Certificate of International Merits (CIM), Faculty of Medicine, within the "
        f"{certificate.programme_name_en}; certificate {certificate.code}, issued {issued}. "
        f"Activities: " + " ".join(lines_en)
    )
    text_sv = (
        f"Certificate of International Merits (CIM), Medicinska fakulteten, inom "
        f"{certificate.programme_name_sv}; intyg {certificate.code}, utfärdat {issued}. "
        f"Aktiviteter: " + " ".join(lines_sv)
    )
    return DiplomaSupplementEntry(
        entry_id=str(uuid.uuid4()),
        student_id=certificate.student_id,
        certificate_code=certificate.code,
        section=SUPPLEMENT_SECTION,
        text_en=text_en,
        text_sv=text_sv,
        recorded_at=now,
    )
