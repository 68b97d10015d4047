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
    ceremony_id: str | None = None  # the ceremony where the student presented (bulk download)
    supersedes: str | None = None  # code of the version this one replaced
    reissue_reason: str | None = None
    superseded_at: datetime | None = None

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

    def supersede(self, now: datetime | None = None):
        if self.state != VALID:
            raise Conflict(f"the certificate is {self.state}; only a valid certificate can be superseded")
        self.state, self.superseded_at = SUPERSEDED, now


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
        ceremony_date=eligibility["ceremony"]["date"], issued_at=now,
        ceremony_id=eligibility["ceremony"].get("ceremony_id"))


def same_name(a: str, b: str) -> bool:
    """Two spellings of a name that print the same (surrounding and repeated spaces aside)."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def reissue(current: Certificate | None, *, latest_version: int, code: str, now: datetime,
            reason: str, name: str | None = None) -> Certificate | None:
    """The next version of a valid certificate: the same achievement, a new code and issue date.

    `name` is the corrected legal name (a student.updated.v1); None keeps the holder's name (an
    admin's request). None is returned when nothing would change: no valid certificate, or a
    name update that leaves the printed name as it is. The current version is superseded only
    when the new one is stored.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid({"reason": ["a reason is required for a re-issue"]})
    if current is None or current.state != VALID:
        return None
    if name is not None and same_name(name, current.holder_name):
        return None
    return Certificate(
        certificate_id=str(uuid.uuid4()), code=code, version=latest_version + 1,
        student_id=current.student_id, state=VALID,
        holder_name=" ".join(name.split()) if name is not None else current.holder_name,
        programme_code=current.programme_code, programme_name_en=current.programme_name_en,
        programme_name_sv=current.programme_name_sv, activities=list(current.activities),
        ceremony_date=current.ceremony_date, issued_at=now, ceremony_id=current.ceremony_id,
        supersedes=current.code, reissue_reason=reason)


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


def verification(code: str, certificate: Certificate | None,
                 current: Certificate | None = None) -> dict:
    """What the public sees: the state and what the certificate itself shows, nothing more.

    A superseded certificate names the code of `current`, the student's newest version.
    """
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
    if certificate.state == SUPERSEDED and current is not None and current.code != certificate.code:
        view["superseded_by"] = current.code
    return view


# --- admin review after an approval was withdrawn --------------------------------------------

KEEP = "keep"
REVOKE = "revoke"
DECISIONS = (KEEP, REVOKE)


@dataclass(eq=False)
class CertificateReview:
    """A valid certificate flagged for an admin: an activity it counted lost its approval.

    The certificate stays valid until an admin decides: keep it, or revoke it (with a reason).
    """
    review_id: str
    certificate_id: str
    certificate_code: str
    student_id: str
    activity_id: str
    withdrawal_reason: str
    requested_at: datetime
    decision: str | None = None
    decision_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.decision is None

    def decide(self, decision: str, reason: str, by: str, now: datetime):
        if not self.pending:
            raise Conflict(f"this review was decided already ({self.decision})")
        self.decision, self.decision_reason, self.decided_by, self.decided_at = (
            decision, reason, by, now)


def review_for_withdrawal(certificate: Certificate | None, *, withdrawal: dict,
                          now: datetime) -> CertificateReview | None:
    """activity.approval_withdrawn.v1: flag the valid certificate of a student who was eligible.

    Nothing is flagged when the student was not eligible (no certificate depends on it) or holds
    no valid certificate.
    """
    if not withdrawal["was_eligible"] or certificate is None or certificate.state != VALID:
        return None
    return CertificateReview(
        review_id=str(uuid.uuid4()), certificate_id=certificate.certificate_id,
        certificate_code=certificate.code, student_id=certificate.student_id,
        activity_id=withdrawal["activity_id"], withdrawal_reason=withdrawal["reason"],
        requested_at=now)


def review_decision(decision: str, reason: str) -> tuple[str, str]:
    reason = " ".join((reason or "").split())
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = [f"one of {', '.join(DECISIONS)}"]
    if not reason:
        errors["reason"] = ["a reason is required"]
    if errors:
        raise Invalid(errors)
    return decision, reason


# --- the same achievement as an Open Badges 3.0 credential -----------------------------------

OB_CONTEXT = ["https://www.w3.org/2018/credentials/v1",
              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
ISSUER_NAME = "Faculty of Medicine"


def open_badge(certificate: Certificate, public_base_url: str) -> dict:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (achievementType CoCurricular).

    It names what the certificate names (holder, programme, activities, dates) and links its
    verification page; no student id, no email.
    """
    base = public_base_url.rstrip("/")
    url = verify_url(public_base_url, certificate.code)
    activities = "; ".join(f"{a.type_name_en}: {a.title} ({a.start_date.isoformat()} – "
                           f"{a.end_date.isoformat()})" for a in certificate.counted_activities)
    return {
        "@context": OB_CONTEXT,
        "id": f"urn:uuid:{certificate.certificate_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Certificate of International Merits",
        "issuer": {"id": f"{base}/", "type": ["Profile"], "name": ISSUER_NAME},
        "issuanceDate": certificate.issued_at.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": certificate.holder_name}],
            "achievement": {
                "id": f"{base}/achievements/cim/{certificate.programme_code}",
                "type": ["Achievement"],
                "achievementType": "CoCurricular",
                "name": "Certificate of International Merits",
                "description": (f"International activities within the "
                                f"{certificate.programme_name_en}: {activities}."),
                "criteria": {"narrative": (
                    "Approved international activities, a final report and an oral "
                    "presentation at a CIM ceremony, as the programme's rules require.")},
            },
        },
        "evidence": [{"id": url, "type": ["Evidence"], "name": "Verification page"}],
    }


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
        raise Forbidden("only an admin may change certificates")
