"""A student's audit trail: every decision and change, appended and never altered."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.errors import NotFound


@dataclass(eq=False)
class AuditEntry:
    """One line of a student's audit trail: appended, never changed or removed."""

    entry_id: str
    student_id: str
    at: datetime
    actor: str  # who: a coordinator's or admin's sub, "student", or the service that learnt it
    action: str
    item_kind: str | None = None  # "activity" | "report" | "student" | "eligibility" | ...
    item_id: str | None = None
    version: int | None = None
    detail: str | None = None  # the reason of a decision, or what changed
    seq: int | None = None  # the order of appending (set by the database)


def audit(
    student_id: str,
    action: str,
    *,
    at: datetime,
    actor: str,
    item_kind: str | None = None,
    item_id: str | None = None,
    version: int | None = None,
    detail: str | None = None,
) -> AuditEntry:
    return AuditEntry(
        entry_id=str(uuid.uuid4()),
        student_id=student_id,
        at=at,
        actor=actor,
        action=action,
        item_kind=item_kind,
        item_id=item_id,
        version=version,
        detail=detail,
    )


def encode_cursor(seq: int) -> str:
    """The page after the entry `seq`, as an opaque cursor."""
    return base64.urlsafe_b64encode(f"audit|{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor names; a string this trail never gave out names no page (404)."""
    try:
        kind, seq = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        if kind == "audit" and seq.isdigit():
            return int(seq)
    except (ValueError, UnicodeDecodeError):
        pass
    raise NotFound("no such page: the cursor is not one this trail gave out")
