"""What one service holds about one student, table by table: exported as plain data, or erased.

Each service lists its `Holding`s once (in its `personal_data.py`), children before parents, and
both the export (GDPR art. 15/20) and the erasure (art. 17) walk that one list, so a table the
export shows is a table the erasure handles. Which columns are personal is marked on the tables
themselves (shared/personal_data.py); this says how to find one student's rows and what erasure
does to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa

from shared.events import STUDENT_ERASURE_REQUESTED

DELETE = "delete"
KEEP = "keep"  # a record the university must keep (what an issued certificate states)
# What a pseudonymised column holds instead (a required column cannot be emptied).
ERASED = "(erased)"
ERASED_EMAIL = "erased@invalid"  # RFC 2606: never delivered


@dataclass(frozen=True)
class Holding:
    """One table's rows about a student: `about(student_id)` selects them; `erase` is DELETE,
    KEEP, or {column: value} to overwrite; `omit` columns stay out of the export (file bytes,
    which have their own download)."""

    table: sa.Table
    about: Callable[[str], sa.ColumnElement]
    erase: str | dict = DELETE
    omit: tuple[str, ...] = field(default=())
    exported: bool = True  # False: erased, but no part of the export (outbox rows name others too)


def by_student(table: sa.Table, column: str = "student_id") -> Callable[[str], sa.ColumnElement]:
    return lambda student_id: table.c[column] == student_id


def through(
    table: sa.Table, column: str, parent: sa.Table, parent_key: str, parent_column: str = "student_id"
) -> Callable[[str], sa.ColumnElement]:
    """Rows whose `column` points at one of the student's rows of `parent`."""
    return lambda student_id: table.c[column].in_(
        sa.select(parent.c[parent_key]).where(parent.c[parent_column] == student_id)
    )


def published_mentioning(outbox: sa.Table) -> Callable[[str], sa.ColumnElement]:
    """The outbox rows already published whose event names the student (unpublished ones must
    still leave: they go with the next purge). The erasure request itself stays: it holds only
    the id and is how the erasure report finds the erasure."""
    return lambda student_id: sa.and_(
        outbox.c.published_at.is_not(None),
        outbox.c.event_type != STUDENT_ERASURE_REQUESTED,
        outbox.c.payload.contains(student_id),
    )


def plain(value):
    """A column value as JSON carries it."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return {"bytes": len(value)}
    return value


def export(session, holdings: list[Holding], student_id: str) -> dict[str, list[dict]]:
    """{table: [row, ...]} of everything the holdings find about the student."""
    out = {}
    for holding in (h for h in holdings if h.exported):
        columns = [c for c in holding.table.columns if c.name not in holding.omit]
        rows = session.execute(sa.select(*columns).where(holding.about(student_id)))
        out[holding.table.name] = [{k: plain(v) for k, v in row._mapping.items()} for row in rows]
    return out


def erase(session, holdings: list[Holding], student_id: str) -> dict[str, dict]:
    """Apply each holding's erasure in order; {table: {"deleted"|"overwritten"|"kept": count}}."""
    counts = {}
    for holding in holdings:
        where = holding.about(student_id)
        if holding.erase == KEEP:
            kept = session.scalar(sa.select(sa.func.count()).select_from(holding.table).where(where))
            counts[holding.table.name] = {"kept": kept}
        elif holding.erase == DELETE:
            counts[holding.table.name] = {"deleted": session.execute(holding.table.delete().where(where)).rowcount}
        else:
            counts[holding.table.name] = {
                "overwritten": session.execute(holding.table.update().where(where).values(**holding.erase)).rowcount
            }
    return counts


def _effect(holding: Holding) -> str:
    return "kept" if holding.erase == KEEP else "deleted" if holding.erase == DELETE else "overwritten"


def remaining(session, holdings: list[Holding], student_id: str) -> dict[str, dict]:
    """What each table still holds about the student, and what erasure does to it there."""
    return {
        h.table.name: {
            "erasure": _effect(h),
            "rows": session.scalar(sa.select(sa.func.count()).select_from(h.table).where(h.about(student_id))),
        }
        for h in holdings
    }
