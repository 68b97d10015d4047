"""Approvals' read side in SQL: what a standing is assessed from, the inbox page, the directory's
pages and the alerts, each one statement whose work is bounded by the page or done by the
database (aggregates), never a table loaded into Python to be filtered, counted or cut (the
funnel: funnel_store.py). Mixed into orm.Repository."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from services.approvals.domain.activities import Activity
from services.approvals.domain.audit import AuditEntry
from services.approvals.domain.coordinators import Coordinator
from services.approvals.domain.decisions import ACTIVITY, REPORT, Decision
from services.approvals.domain.inbox import InboxCriteria
from services.approvals.domain.statuses import PENDING, WITHDRAWN
from services.approvals.domain.students import Presentation, Report, Student
from shared import keyset
from shared.db import UTCDateTime

SEARCH_MAX = 100
# A literal, not a bound parameter: the partial indexes of the pending items name this value, and
# PostgreSQL uses them for a statement that says it (measured: the inbox page 13.6 -> 4 ms).
_PENDING = sa.literal_column(f"'{PENDING}'")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


class ReadQueries:
    """What the readers' use cases ask of approvals' tables (self.session, tables from orm)."""

    def coordinators_page(self, position: tuple | None, limit: int) -> list[Coordinator]:
        """At most `limit + 1` coordinators of the directory after `position`, by subject (the key)."""
        from services.approvals.orm import coordinators

        query = sa.select(Coordinator)
        return list(self.session.scalars(keyset.after(query, [coordinators.c.subject], position, limit)))

    def programme_codes(self) -> set[str]:
        """Every programme approvals knows of: the directory's and the students'."""
        codes = set(self.session.scalars(sa.select(Student.programme_code).distinct()))
        for coordinator in self.coordinators():
            codes |= set(coordinator.programmes)
        return codes

    def standing_inputs(self, student_id: str) -> tuple | None:
        """(student, activities, report, presentation): what a standing is assessed from, in one
        statement (outer joins: a row per activity, at least one); None for a student approvals
        does not know. The report and the presentation are one per student at most."""
        rows = self.session.execute(
            sa.select(Student, Activity, Report, Presentation)
            .outerjoin(Activity, Activity.student_id == Student.student_id)
            .outerjoin(Report, Report.student_id == Student.student_id)
            .outerjoin(Presentation, Presentation.student_id == Student.student_id)
            .where(Student.student_id == student_id)
        ).all()
        if not rows:
            return None
        activities = list({row[1].activity_id: row[1] for row in rows if row[1] is not None}.values())
        return rows[0][0], activities, rows[0][2], rows[0][3]

    def audit_trail(self, student_id: str, after: int | None = None, limit: int | None = None) -> list[AuditEntry]:
        """The student's entries in order, those after the seq `after`, at most `limit`."""
        query = sa.select(AuditEntry).where(AuditEntry.student_id == student_id)
        if after is not None:
            query = query.where(AuditEntry.seq > after)
        return list(self.session.scalars(query.order_by(AuditEntry.seq).limit(limit)))

    def decisions_of(self, student_id: str) -> list[Decision]:
        return list(
            self.session.scalars(
                sa.select(Decision).where(Decision.student_id == student_id).order_by(Decision.decided_at)
            )
        )

    def _waiting(self, kind: str, criteria: InboxCriteria, after, limit: int):
        """One kind's waiting items after `after`, at most `limit`, in inbox order."""
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
            .where(item.c.status == _PENDING, students.c.status != WITHDRAWN)
        )
        if criteria.programmes is not None:
            query = query.where(students.c.programme_code.in_(sorted(criteria.programmes)))
        if criteria.programme is not None:
            query = query.where(students.c.programme_code == criteria.programme)
        if criteria.student_id is not None:
            query = query.where(item.c.student_id == criteria.student_id)
        if criteria.search:
            query = query.where(sa.func.lower(students.c.name).like(_like(criteria.search[:SEARCH_MAX]), escape="\\"))
        if criteria.status is not None:
            query = query.where(item.c.version == 1 if criteria.status == "new" else item.c.version > 1)
        if criteria.type_code is not None and kind == ACTIVITY:
            query = query.where(activities.c.activity_type["code"].as_string() == criteria.type_code)
        if after is not None:
            query = query.where(
                sa.tuple_(item.c.submitted_at, item_id)
                > sa.tuple_(sa.literal(after[0], UTCDateTime), sa.literal(after[1]))
            )
        return query.order_by(item.c.submitted_at, item_id).limit(limit)

    def inbox_items(self, criteria: InboxCriteria, after: tuple[datetime, str] | None, limit: int) -> list[dict]:
        """At most `limit` waiting items after the position `after`, oldest first."""
        filters = (criteria.programme, criteria.type_code, criteria.student_id, criteria.search)
        if any(value and "\x00" in value for value in filters):
            return []  # no stored text holds a NUL (PostgreSQL refuses one): nothing matches
        kinds = [criteria.kind] if criteria.kind else [ACTIVITY, REPORT]
        if criteria.type_code is not None:
            kinds = [k for k in kinds if k == ACTIVITY]  # a type filter names activities only
        parts = [self._waiting(kind, criteria, after, limit).subquery().select() for kind in kinds]
        if not parts:
            return []
        union = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        query = sa.select(union).order_by(union.c.submitted_at, union.c.id).limit(limit)
        rows = [dict(row._mapping) for row in self.session.execute(query)]
        for row in rows:
            if row["kind"] == REPORT:
                for key in ("type", "title", "sessions"):
                    row.pop(key)
        return rows

    def waiting_by_programme(self) -> dict[str, tuple[int, datetime]]:
        """programme -> (how many items wait, since when the oldest), counted by the database."""
        from services.approvals.orm import activities, reports, students

        result = {}
        for item in (activities, reports):
            rows = self.session.execute(
                sa.select(students.c.programme_code, sa.func.count(), sa.func.min(item.c.submitted_at))
                .join(students, students.c.student_id == item.c.student_id)
                .where(item.c.status == _PENDING, students.c.status != WITHDRAWN)
                .group_by(students.c.programme_code)
            )
            for code, count, oldest in rows:
                before = result.get(code)
                result[code] = (count, oldest) if before is None else (before[0] + count, min(before[1], oldest))
        return result
