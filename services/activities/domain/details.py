"""What a student claims about an activity (its details and where it took place) and the rules
every claim obeys, on logging and on resubmission alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from shared.errors import Invalid

if TYPE_CHECKING:
    from services.activities.domain.catalogue import ActivityType

SWEDEN = "sweden"
ABROAD = "abroad"
DIGITAL = "digital"
LOCATION_KINDS = (SWEDEN, ABROAD, DIGITAL)

_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Location:
    kind: str
    country: str | None


class Located:
    """Gives a claim kept as `location_kind` and `location_country` columns its `location`."""

    @property
    def location(self) -> Location:
        return Location(self.location_kind, self.location_country)


@dataclass(frozen=True)
class Details:
    """What the student claims: the body of a log or a resubmission."""

    type_code: str
    title: str
    description: str
    location_kind: str
    location_country: str | None
    start_date: date
    end_date: date
    evidence_urls: tuple[str, ...] = ()


def check_details(details: Details, activity_type: ActivityType | None) -> Details:
    """The rules every claim obeys; returns the details normalised (Sweden is always SE)."""
    if activity_type is None:
        raise Invalid({"type": [f"unknown activity type {details.type_code!r}"]})
    errors: dict[str, list[str]] = {}
    title, description = (details.title or "").strip(), (details.description or "").strip()
    if not title:
        errors["title"] = ["a title is required"]
    if not description:
        errors["description"] = ["a description is required"]
    kind, country = details.location_kind, details.location_country or None
    if country is not None and not _COUNTRY_CODE.match(country):
        errors["location"] = ["country must be an ISO 3166 alpha-2 code, e.g. DE"]
    elif kind == SWEDEN:
        if country not in (None, "SE"):
            errors["location"] = ["an activity in Sweden has country SE (or none)"]
        country = "SE"
    elif kind == ABROAD:
        if country is None:
            errors["location"] = ["an activity abroad needs its country"]
        elif country == "SE":
            errors["location"] = ["an activity abroad cannot be in Sweden (SE)"]
    elif kind != DIGITAL:
        errors["location"] = [f"location kind must be one of {', '.join(LOCATION_KINDS)}"]
    if details.start_date and details.end_date and details.end_date < details.start_date:
        errors["end_date"] = ["the end date is before the start date"]
    if errors:
        raise Invalid(errors)
    return Details(
        type_code=activity_type.code,
        title=title,
        description=description,
        location_kind=kind,
        location_country=country,
        start_date=details.start_date,
        end_date=details.end_date,
        evidence_urls=tuple(details.evidence_urls),
    )
