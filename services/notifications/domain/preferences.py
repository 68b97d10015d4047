"""A person's choices about their messages: the language (everyone), the digest's time of day
(coordinators); used from the next message on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.errors import Invalid

LANGUAGES = ("en", "sv")
DEFAULT_LANGUAGE = "en"
DEFAULT_DIGEST_TIME = "08:00"  # (policy) Europe/Stockholm, RULES.md, Notifications
COORDINATOR = "coordinator"  # the role that receives a digest (shared.permissions' name)


@dataclass(eq=False)
class Preference:
    """Keyed by the person's sign-in (issuer, subject); a student's also names their CIM id."""

    issuer: str
    subject: str
    role: str
    student_id: str | None
    language: str
    digest_time: str | None
    updated_at: datetime


def defaults(
    *, issuer: str, subject: str, role: str, student_id: str | None, now: datetime, language: str | None = None
) -> Preference:
    return Preference(
        issuer=issuer,
        subject=subject,
        role=role,
        student_id=student_id,
        language=language or DEFAULT_LANGUAGE,
        digest_time=DEFAULT_DIGEST_TIME if role == COORDINATOR else None,
        updated_at=now,
    )


def change(preference: Preference, *, language: str | None, digest_time: str | None, now: datetime):
    """Apply the person's choice; a digest time is a coordinator's only."""
    if digest_time is not None:
        if preference.role != COORDINATOR:
            raise Invalid({"digest_time": ["only coordinators receive a digest"]})
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", digest_time):
            raise Invalid({"digest_time": ["give the time of day as HH:MM, e.g. 08:00"]})
        preference.digest_time = digest_time
    if language is not None:
        if language not in LANGUAGES:
            raise Invalid({"language": [f"one of {', '.join(LANGUAGES)}"]})
        preference.language = language
    preference.updated_at = now
