"""The inbox page's statement, built once per shape and reused with new values.

A page is a `UNION ALL` of the waiting activities and reports, each ordered by `(submitted_at,
id)` after the cursor's position and cut at the page's size, on the partial indexes of the
pending items. Which filters a request uses (programmes, one programme, a student, a name
search, new or resubmitted, an activity type, a cursor) changes the statement's text; their
values do not. Building the SQLAlchemy expression (two subqueries, a union, their column
collections) cost about as much CPU as running it, so each shape is built once per process and
every request binds its own values (`inbox_query`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from services.approvals.domain.decisions import ACTIVITY, REPORT
from services.approvals.domain.inbox import InboxCriteria
from services.approvals.domain.statuses import PENDING, WITHDRAWN
from shared.db import UTCDateTime

SEARCH_MAX = 100
SHAPES_KEPT = 256  # 2 kinds x 2^6 filter combinations x 2 statuses is below this
# A literal, not a bound parameter: the partial indexes of the pending items name this value, and
# PostgreSQL uses them for a statement that says it (measured: the inbox page 13.6 -> 4 ms).
PENDING_LITERAL = sa.literal_column(f"'{PENDING}'")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


@dataclass(frozen=True)
class Shape:
    """What a request's statement text depends on: which filters it uses, not their values."""

    kinds: tuple[str, ...]
    programmes: bool
    programme: bool
    student: bool
    search: bool
    status: str | None
    type_code: bool
    after: bool


def kinds_of(criteria: InboxCriteria) -> tuple[str, ...]:
    kinds = [criteria.kind] if criteria.kind else [ACTIVITY, REPORT]
    if criteria.type_code is not None:
        kinds = [k for k in kinds if k == ACTIVITY]  # a type filter names activities only
    return tuple(kinds)


def inbox_query(criteria: InboxCriteria, after: tuple[datetime, str] | None, limit: int):
    """(statement, values) for at most `limit` waiting items after `after`; None when the
    filters leave no kind of item."""
    kinds = kinds_of(criteria)
    if not kinds:
        return None
    shape = Shape(
        kinds=kinds,
        programmes=criteria.programmes is not None,
        programme=criteria.programme is not None,
        student=criteria.student_id is not None,
        search=bool(criteria.search),
        status=criteria.status,
        type_code=criteria.type_code is not None,
        after=after is not None,
    )
    values = {"limit": limit}
    if shape.programmes:
        values["programmes"] = sorted(criteria.programmes)
    if shape.programme:
        values["programme"] = criteria.programme
    if shape.student:
        values["student_id"] = criteria.student_id
    if shape.search:
        values["search"] = _like(criteria.search[:SEARCH_MAX])
    if shape.type_code:
        values["type_code"] = criteria.type_code
    if shape.after:
        values["after_at"], values["after_id"] = after
    return statement(shape), values


@functools.lru_cache(maxsize=SHAPES_KEPT)
def statement(shape: Shape):
    parts = [_waiting(kind, shape).subquery().select() for kind in shape.kinds]
    union = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return sa.select(union).order_by(union.c.submitted_at, union.c.id).limit(sa.bindparam("limit"))


def _waiting(kind: str, shape: Shape):
    """One kind's waiting items after the cursor, at most `limit`, in inbox order."""
    from services.approvals.orm import activities, reports, students

    if kind == ACTIVITY:
        item, item_id = activities, activities.c.activity_id
        columns = [
            activities.c.activity_type["code"].as_string().label("type"),
            activities.c.title,
            sa.func.json_array_length(activities.c.sessions).label("sessions"),
        ]
    else:
        item, item_id = reports, reports.c.report_id
        columns = [
            sa.cast(sa.null(), sa.String).label("type"),
            sa.cast(sa.null(), sa.String).label("title"),
            sa.cast(sa.null(), sa.Integer).label("sessions"),
        ]
    query = (
        sa.select(
            sa.literal(kind).label("kind"),
            item_id.label("id"),
            students.c.student_id,
            students.c.name.label("student_name"),
            students.c.programme_code.label("programme"),
            *columns,
            item.c.version,
            item.c.submitted_at,
        )
        .join(students, students.c.student_id == item.c.student_id)
        .where(item.c.status == PENDING_LITERAL, students.c.status != WITHDRAWN)
    )
    if shape.programmes:
        query = query.where(students.c.programme_code.in_(sa.bindparam("programmes", expanding=True)))
    if shape.programme:
        query = query.where(students.c.programme_code == sa.bindparam("programme"))
    if shape.student:
        query = query.where(item.c.student_id == sa.bindparam("student_id"))
    if shape.search:
        query = query.where(sa.func.lower(students.c.name).like(sa.bindparam("search"), escape="\\"))
    if shape.status is not None:
        query = query.where(item.c.version == 1 if shape.status == "new" else item.c.version > 1)
    if shape.type_code and kind == ACTIVITY:
        query = query.where(activities.c.activity_type["code"].as_string() == sa.bindparam("type_code"))
    if shape.after:
        position = sa.tuple_(sa.bindparam("after_at", type_=UTCDateTime), sa.bindparam("after_id", type_=sa.String))
        query = query.where(sa.tuple_(item.c.submitted_at, item_id) > position)
    return query.order_by(item.c.submitted_at, item_id).limit(sa.bindparam("limit"))
