"""Certificates' domain: issuing, verifying and revoking a CIM certificate. Plain Python."""
from __future__ import annotations

import base64
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.errors import Conflict, Forbidden, Invalid, NotFound

VALID = "valid"
REVOKED = "revoked"
SUPERSEDED = "superseded"
UNKNOWN = "unknown"  # what verification says of a code no certificate carries

SUPPLEMENT_SECTION = "6.1"  # Diploma Supplement: additional information

CODE_BYTES = 16  # 128 bits from the OS's CSPRNG; the code is the only key to the public page
CODE_LENGTH = 26  # base32 of 16 bytes without padding
CODE_PATTERN = re.compile(r"^[A-Z2-7]{26}$")


def new_code() -> str:
    """A verification code: unguessable, URL-safe, and easy to read aloud or type (no 0/1/8/9)."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def normalise_code(text: str) -> str | None:
    """What a verifier typed, as a code (case and separators forgiven), or None if it cannot be one."""
    candidate = re.sub(r"[\s-]", "", text or "").upper()
    return candidate if CODE_PATTERN.match(candidate) else None


@dataclass(eq=False)
class CountedActivity:
    """An activity that counted towards eligibility, as it stands on the certificate."""
    activity_id: str
    type_code: str
    type_name_en: str
    type_name_sv: str
    supplement_en: str
    supplement_sv: str
    title: str  # student's text
    location_kind: str  # sweden | abroad | digital
    country: str | None
    start_date: date
    end_date: date

    def place(self, language: str) -> str:
        if self.location_kind == "sweden":
            return "Sweden" if language == "en" else "Sverige"
        if self.location_kind == "digital":
            return "Digital" if language == "en" else "Digitalt"
        if self.country:
            return self.country
        return "Abroad" if language == "en" else "Utomlands"

    def to_record(self) -> dict:
        """JSON-able form, as kept on the certificate row."""
        return {"activity_id": self.activity_id, "type_code": self.type_code,
                "type_name_en": self.type_name_en, "type_name_sv": self.type_name_sv,
                "supplement_en": self.supplement_en, "supplement_sv": self.supplement_sv,
                "title": self.title, "location_kind": self.location_kind, "country": self.country,
                "start_date": self.start_date.isoformat(), "end_date": self.end_date.isoformat()}

    @classmethod
    def from_record(cls, record: dict) -> "CountedActivity":
        return cls(**{**record, "start_date": date.fromisoformat(record["start_date"]),
                      "end_date": date.fromisoformat(record["end_date"])})

    @classmethod
    def from_event(cls, data: dict) -> "CountedActivity":
        """From one `activities[]` item of student.eligible.v1 (schema-loaded: dates are dates)."""
        activity_type, location = data["activity_type"], data["location"]
        return cls(activity_id=data["activity_id"], type_code=activity_type["code"],
                   type_name_en=activity_type["name_en"], type_name_sv=activity_type["name_sv"],
                   supplement_en=activity_type["supplement_en"],
                   supplement_sv=activity_type["supplement_sv"], title=data["title"],
                   location_kind=location["kind"], country=location.get("country"),
                   start_date=data["start_date"], end_date=data["end_date"])


@dataclass(eq=False)
class Certificate:
    """One version of a student's certificate. Revocation and supersession are states, not deletes."""
    certificate_id: str
    code: str
    version: int
    student_id: str
    state: str
    holder_name: str  # legal name at the time of issue: personal data
    programme_code: str
    programme_name_en: str
    programme_name_sv: str
    activities: list  # CountedActivity.to_record() dicts
    ceremony_date: date
    issued_at: datetime
    revoked_reason: str | None = None
    revoked_at: datetime | None = None

    @property
    def counted_activities(self) -> list[CountedActivity]:
        return [CountedActivity.from_record(record) for record in self.activities]

    @property
    def filename(self) -> str:
        return f"cim-certificate-{self.code}.pdf"

    def revoke(self, reason: str, now: datetime):
        reason = (reason or "").strip()
        if not reason:
            raise Invalid({"reason": ["a reason is required: verifiers are shown it"]})
        if self.state != VALID:
            raise Conflict(f"the certificate is {self.state}; only a valid certificate can be revoked")
        self.state, self.revoked_reason, self.revoked_at = REVOKED, reason, now

    def supersede(self):
        if self.state != VALID:
            raise Conflict(f"the certificate is {self.state}; only a valid certificate can be superseded")
        self.state = SUPERSEDED


@dataclass(eq=False)
class CertificateDocument:
    """The rendered PDF of one certificate version, kept as issued."""
    certificate_id: str
    filename: str
    media_type: str
    content: bytes = field(repr=False)
    created_at: datetime


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


def issue(*, eligibility: dict, current: Certificate | None, latest_version: int, code: str,
          now: datetime) -> Certificate | None:
    """The certificate a student.eligible.v1 calls for, or None when a valid one already stands.

    Issuing is idempotent per student: a second eligibility (a redelivery, a re-evaluation)
    leaves the valid certificate as it is; a correction is a re-issue, not a second issue.
    """
    if current is not None and current.state == VALID:
        return None
    if not eligibility["activities"]:
        raise Invalid({"activities": ["an eligible student has counted activities"]})
    programme = eligibility["programme"]
    return Certificate(
        certificate_id=str(uuid.uuid4()), code=code, version=latest_version + 1,
        student_id=eligibility["student_id"], state=VALID, holder_name=eligibility["name"],
        programme_code=programme["code"], programme_name_en=programme["name_en"],
        programme_name_sv=programme["name_sv"],
        activities=[CountedActivity.from_event(a).to_record() for a in eligibility["activities"]],
        ceremony_date=eligibility["ceremony"]["date"], issued_at=now)


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
        lines_en.append(f"{_sentence(activity.supplement_en)}: {_sentence(activity.title)} "
                        f"({activity.place('en')}, {period}).")
        lines_sv.append(f"{_sentence(activity.supplement_sv)}: {_sentence(activity.title)} "
                        f"({activity.place('sv')}, {period}).")
    text_en = (f"Certificate of International Merits (CIM), Faculty of Medicine, within the "
               f"{certificate.programme_name_en}; certificate {certificate.code}, issued {issued}. "
               f"Activities: " + " ".join(lines_en))
    text_sv = (f"Certificate of International Merits (CIM), Medicinska fakulteten, inom "
               f"{certificate.programme_name_sv}; intyg {certificate.code}, utfärdat {issued}. "
               f"Aktiviteter: " + " ".join(lines_sv))
    return DiplomaSupplementEntry(
        entry_id=str(uuid.uuid4()), student_id=certificate.student_id,
        certificate_code=certificate.code, section=SUPPLEMENT_SECTION, text_en=text_en,
        text_sv=text_sv, recorded_at=now)


def verify_url(public_base_url: str, code: str) -> str:
    return public_base_url.rstrip("/") + "/verify/" + code


def document_content(certificate: Certificate, url: str) -> dict:
    """Everything printed on the certificate, JSON-able: what the renderer receives."""
    return {
        "holder_name": certificate.holder_name,
        "programme": {"code": certificate.programme_code, "name_en": certificate.programme_name_en,
                      "name_sv": certificate.programme_name_sv},
        "activities": [{"type_name_en": a.type_name_en, "type_name_sv": a.type_name_sv,
                        "title": a.title, "place_en": a.place("en"), "place_sv": a.place("sv"),
                        "start_date": a.start_date.isoformat(), "end_date": a.end_date.isoformat()}
                       for a in certificate.counted_activities],
        "ceremony_date": certificate.ceremony_date.isoformat(),
        "issue_date": certificate.issued_at.date().isoformat(),
        "code": certificate.code,
        "version": certificate.version,
        "verify_url": url,
    }


def verification(code: str, certificate: Certificate | None) -> dict:
    """What the public sees: the state and what the certificate itself shows, nothing more."""
    if certificate is None:
        return {"code": code, "status": UNKNOWN}
    view = {"code": certificate.code, "status": certificate.state,
            "holder": certificate.holder_name,
            "programme": {"code": certificate.programme_code,
                          "name_en": certificate.programme_name_en,
                          "name_sv": certificate.programme_name_sv},
            "issued_at": certificate.issued_at}
    if certificate.state == REVOKED:
        view["revoked_reason"] = certificate.revoked_reason
    return view


# Who may do what (the gateway authenticates; each service still refuses the wrong role).
def require_student(role: str, student_id: str | None) -> str:
    if role != "student":
        raise Forbidden("only the student can reach their own certificate here")
    if not student_id:
        raise NotFound("you are not registered for the CIM")
    return student_id


def require_registrar(role: str):
    if role not in ("registrar", "admin"):
        raise Forbidden("only a registrar or an admin may read Diploma Supplement records")


def require_admin(role: str):
    if role != "admin":
        raise Forbidden("only an admin may revoke a certificate")
