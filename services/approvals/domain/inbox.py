"""The coordinator's inbox: what waits for a decision, filtered, oldest first, paged by cursor.

The repository reads one page at the source (keyset: the items after the cursor's position, in
(submitted_at, id) order); this module says what an item looks like, what the filters mean and
what a cursor is.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from shared.errors import NotFound


INBOX_KINDS = ("activity", "report")
INBOX_STATUSES = ("new", "resubmitted")  # version 1, or a later version (changes, sessions)


@dataclass(frozen=True)
class InboxCriteria:
    """Which waiting items a page holds: `programmes` None for all (an admin)."""

    programmes: frozenset[str] | None = None
    programme: str | None = None
    type_code: str | None = None
    kind: str | None = None
    status: str | None = None
    student_id: str | None = None
    search: str | None = None  # part of the student's name, any case


def inbox_status(version: int) -> str:
    return "new" if version <= 1 else "resubmitted"


def matches(item: dict, criteria: InboxCriteria) -> bool:
    """Whether a waiting item passes the filters (what the repository's query says in SQL)."""
    return (
        (criteria.programmes is None or item["programme"] in criteria.programmes)
        and (criteria.programme is None or item["programme"] == criteria.programme)
        and (criteria.type_code is None or item.get("type") == criteria.type_code)
        and (criteria.kind is None or item["kind"] == criteria.kind)
        and (criteria.status is None or inbox_status(item["version"]) == criteria.status)
        and (criteria.student_id is None or item["student_id"] == criteria.student_id)
        and (criteria.search is None or criteria.search.casefold() in item["student_name"].casefold())
    )


def position(item: dict) -> tuple[datetime, str]:
    return item["submitted_at"], item["id"]


def encode_cursor(at: tuple[datetime, str]) -> str:
    raw = f"{at[0].isoformat()}|{at[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor names; a string this inbox never gave out names no page (404)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, item_id = raw.split("|", 1)
        when = datetime.fromisoformat(at)
    except (ValueError, UnicodeDecodeError):
        when = None
    if when is None or when.tzinfo is None:
        raise NotFound("no such page: the cursor is not one this inbox gave out")
    return when, item_id


def page_of(rows: list[dict], limit: int) -> dict:
    """One page from the `limit + 1` rows read after the cursor: the next cursor when more wait."""
    page = rows[:limit]
    more = len(rows) > limit
    return {"items": page, "next_cursor": encode_cursor(position(page[-1])) if more else None}
