"""The certificate: one version per issue, its states, and the rules for issuing and re-issuing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.errors import Conflict, Invalid

VALID = "valid"
REVOKED = "revoked"
SUPERSEDED = "superseded"


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
        return {
            "activity_id": self.activity_id,
            "type_code": self.type_code,
            "type_name_en": self.type_name_en,
            "type_name_sv": self.type_name_sv,
            "supplement_en": self.supplement_en,
            "supplement_sv": self.supplement_sv,
            "title": self.title,
            "location_kind": self.location_kind,
            "country": self.country,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
        }

    @classmethod
    def from_record(cls, record: dict) -> "CountedActivity":
        return cls(
            **{
                **record,
                "start_date": date.fromisoformat(record["start_date"]),
                "end_date": date.fromisoformat(record["end_date"]),
            }
        )

    @classmethod
    def from_event(cls, data: dict) -> "CountedActivity":
        """From one `activities[]` item of student.eligible.v1 (schema-loaded: dates are dates)."""
        activity_type, location = data["activity_type"], data["location"]
        return cls(
            activity_id=data["activity_id"],
            type_code=activity_type["code"],
            type_name_en=activity_type["name_en"],
            type_name_sv=activity_type["name_sv"],
            supplement_en=activity_type["supplement_en"],
            supplement_sv=activity_type["supplement_sv"],
            title=data["title"],
            location_kind=location["kind"],
            country=location.get("country"),
            start_date=data["start_date"],
            end_date=data["end_date"],
        )


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
    status_index: int | None = None  # its revocation bit (status_list.py), given when it is stored

    @property
    def counted_activities(self) -> list[CountedActivity]:
        return [CountedActivity.from_record(record) for record in self.activities]

    @property
    def programme(self) -> dict:
        """The programme as every view of the certificate names it."""
        return {"code": self.programme_code, "name_en": self.programme_name_en, "name_sv": self.programme_name_sv}

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


def issue(
    *, eligibility: dict, current: Certificate | None, latest_version: int, code: str, now: datetime
) -> Certificate | None:
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
        certificate_id=str(uuid.uuid4()),
        code=code,
        version=latest_version + 1,
        student_id=eligibility["student_id"],
        state=VALID,
        holder_name=eligibility["name"],
        programme_code=programme["code"],
        programme_name_en=programme["name_en"],
        programme_name_sv=programme["name_sv"],
        activities=[CountedActivity.from_event(a).to_record() for a in eligibility["activities"]],
        ceremony_date=eligibility["ceremony"]["date"],
        issued_at=now,
        ceremony_id=eligibility["ceremony"].get("ceremony_id"),
    )


def same_name(a: str, b: str) -> bool:
    """Two spellings of a name that print the same (surrounding and repeated spaces aside)."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def reissue(
    current: Certificate | None, *, latest_version: int, code: str, now: datetime, reason: str, name: str | None = None
) -> Certificate | None:
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
        certificate_id=str(uuid.uuid4()),
        code=code,
        version=latest_version + 1,
        student_id=current.student_id,
        state=VALID,
        holder_name=" ".join(name.split()) if name is not None else current.holder_name,
        programme_code=current.programme_code,
        programme_name_en=current.programme_name_en,
        programme_name_sv=current.programme_name_sv,
        activities=list(current.activities),
        ceremony_date=current.ceremony_date,
        issued_at=now,
        ceremony_id=current.ceremony_id,
        supersedes=current.code,
        reissue_reason=reason,
    )
