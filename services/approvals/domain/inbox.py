"""The coordinator's inbox: what waits for a decision, filtered, oldest first, paged by cursor."""
from __future__ import annotations

import base64
from datetime import datetime

from shared.errors import Invalid


INBOX_KINDS = ("activity", "report")
INBOX_STATUSES = ("new", "resubmitted")  # version 1, or a later version (changes, sessions)


def inbox_status(version: int) -> str:
    return "new" if version <= 1 else "resubmitted"


def encode_cursor(submitted_at: datetime, item_id: str) -> str:
    raw = f"{submitted_at.isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, item_id = raw.split("|", 1)
        return datetime.fromisoformat(at), item_id
    except (ValueError, UnicodeDecodeError):
        raise Invalid({"cursor": ["not a cursor this inbox gave out"]}) from None


def inbox_page(items: list[dict], *, programme: str | None = None, type_code: str | None = None,
               kind: str | None = None, status: str | None = None, cursor: str | None = None,
               limit: int = 100) -> dict:
    """Filter the items, oldest first, and cut one page after the cursor.

    Items are dicts with kind, id, programme, type (activities), version and submitted_at.
    """
    chosen = [i for i in items
              if (programme is None or i["programme"] == programme)
              and (type_code is None or i.get("type") == type_code)
              and (kind is None or i["kind"] == kind)
              and (status is None or inbox_status(i["version"]) == status)]
    chosen.sort(key=lambda i: (i["submitted_at"], i["id"]))
    total = len(chosen)
    if cursor:
        after = decode_cursor(cursor)
        chosen = [i for i in chosen if (i["submitted_at"], i["id"]) > after]
    page = chosen[:limit]
    next_cursor = None
    if len(chosen) > limit:
        next_cursor = encode_cursor(page[-1]["submitted_at"], page[-1]["id"])
    return {"items": page, "total": total, "next_cursor": next_cursor}
