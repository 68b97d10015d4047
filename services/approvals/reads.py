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
from services.approvals.domain.decisions import REPORT, Decision
from services.approvals.domain.inbox import InboxCriteria
from services.approvals.domain.statuses import WITHDRAWN
from services.approvals.domain.students import Presentation, Report, Student
from services.approvals.inbox_sql import PENDING_LITERAL, inbox_query
from shared import keyset


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

    def inbox_items(self, criteria: InboxCriteria, after: tuple[datetime, str] | None, limit: int) -> list[dict]:
        """At most `limit` waiting items after the position `after`, oldest first (inbox_sql.py)."""
        filters = (criteria.programme, criteria.type_code, criteria.student_id, criteria.search)
        if any(value and "\x00" in value for value in filters):
            return []  # no stored text holds a NUL (PostgreSQL refuses one): nothing matches
        query = inbox_query(criteria, after, limit)
        if query is None:
            return []
        rows = [dict(row._mapping) for row in self.session.execute(*query)]
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
                .where(item.c.status == PENDING_LITERAL, students.c.status != WITHDRAWN)
                .group_by(students.c.programme_code)
            )
            for code, count, oldest in rows:
                before = result.get(code)
                result[code] = (count, oldest) if before is None else (before[0] + count, min(before[1], oldest))
        return result
