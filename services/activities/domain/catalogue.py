"""The activity catalogue: the types a student may claim, the rules of changing one, the seed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.activities.domain.details import ABROAD, LOCATION_KINDS, SWEDEN
from shared.errors import Invalid

_TYPE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


@dataclass(eq=False)
class ActivityType:
    """A catalogue entry. Repeated-attendance types count once enough sessions are approved."""

    code: str
    name_en: str
    name_sv: str
    sessions_required: int
    default_location: str
    supplement_en: str  # a neutral line for the Diploma Supplement
    supplement_sv: str

    @property
    def repeated_attendance(self) -> bool:
        return self.sessions_required > 1


def put_activity_type(
    existing: ActivityType | None,
    *,
    code: str,
    repeated_attendance: bool,
    sessions_required: int | None,
    default_location: str,
    name_en: str,
    name_sv: str,
    supplement_en: str,
    supplement_sv: str,
) -> ActivityType:
    """An admin adds or changes a catalogue entry; the code is stable once made.

    (policy) A repeated-attendance type needs at least two sessions (the page's examples: three);
    a type that is not one has exactly one. A change applies to versions submitted afterwards:
    a version keeps the type as it stood when it was submitted.
    """
    errors: dict[str, list[str]] = {}
    if not _TYPE_CODE.match(code or ""):
        errors["code"] = ["a code is 2-50 characters: lower-case letters, digits and _"]
    sessions = sessions_required
    if sessions is None:
        sessions = 3 if repeated_attendance else 1
    if repeated_attendance and sessions < 2:
        errors["sessions_required"] = ["a repeated-attendance type needs at least 2 sessions"]
    if not repeated_attendance and sessions != 1:
        errors["sessions_required"] = ["a type that is not repeated-attendance needs 1 session"]
    if default_location not in LOCATION_KINDS:
        errors["default_location"] = [f"must be one of {', '.join(LOCATION_KINDS)}"]
    given = {"name_en": name_en, "name_sv": name_sv, "supplement_en": supplement_en, "supplement_sv": supplement_sv}
    texts = {name: (text or "").strip() for name, text in given.items()}
    for name, text in texts.items():
        if not text:
            errors[name] = ["required"]
    if errors:
        raise Invalid(errors)
    if existing is None:
        return ActivityType(code=code, sessions_required=sessions, default_location=default_location, **texts)
    existing.sessions_required, existing.default_location = sessions, default_location
    for name, text in texts.items():
        setattr(existing, name, text)
    return existing


# The catalogue of the programme page (seed data; the catalogue is data an admin may extend).
# Columns: code, name_en, name_sv, sessions_required, default_location, supplement_en, supplement_sv.
_SEED_ROWS = (
    (
        "exchange_semester",
        "Exchange semester",
        "Utbytestermin",
        1,
        ABROAD,
        "Completed an exchange semester abroad.",
        "Har genomfört en utbytestermin utomlands.",
    ),
    (
        "summer_course",
        "Summer course",
        "Sommarkurs",
        1,
        ABROAD,
        "Completed an international summer course.",
        "Har genomfört en internationell sommarkurs.",
    ),
    (
        "degree_project_abroad",
        "Degree project abroad",
        "Examensarbete utomlands",
        1,
        ABROAD,
        "Carried out a degree project abroad.",
        "Har genomfört ett examensarbete utomlands.",
    ),
    (
        "conference",
        "International conference or workshop",
        "Internationell konferens eller workshop",
        1,
        ABROAD,
        "Took part in an international conference or workshop.",
        "Har deltagit i en internationell konferens eller workshop.",
    ),
    (
        "buddy_mentor",
        "International Buddy Group mentor",
        "Mentor i International Buddy Group",
        3,
        SWEDEN,
        "Served as a mentor in the International Buddy Group.",
        "Har varit mentor i International Buddy Group.",
    ),
    (
        "language_cafe",
        "Language café",
        "Språkkafé",
        3,
        SWEDEN,
        "Took part in language cafés.",
        "Har deltagit i språkkaféer.",
    ),
    (
        "journal_club",
        "Journal club created by the student",
        "Journalklubb skapad av studenten",
        1,
        SWEDEN,
        "Created a journal club.",
        "Har skapat en journalklubb.",
    ),
    (
        "international_lectures",
        "International lectures (International Day, Global Adventure and similar events)",
        "Internationella föreläsningar (International Day, Global Adventure och liknande evenemang)",
        3,
        SWEDEN,
        "Attended international lectures and events.",
        "Har deltagit i internationella föreläsningar och evenemang.",
    ),
)


def seed_activity_types() -> list[ActivityType]:
    """Fresh catalogue entries (fresh objects: module-level mapped instances would go stale)."""
    return [ActivityType(*row) for row in _SEED_ROWS]
