"""The funnel's summary in SQL: each student's journey as it was last counted (funnel_journeys),
and per programme the counts per stage and wait bucket (funnel_summary, domain/funnel.py). The
use cases that change where a student stands call handlers.funnel.count_again(); the funnel
reads the summary of its programmes: a few rows per programme, whatever the number of students.
Mixed into orm.Repository (tables from orm, read when called)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from services.approvals.domain.decisions import REPORT
from services.approvals.domain.funnel import FUNNEL_STAGES
from services.approvals.domain.statuses import ACCEPTED, WITHDRAWN
from shared.db import UTCDateTime


def journeys_query():
    """Per current student: their programme and when they reached each stage of the funnel."""
    from services.approvals.orm import decisions, evaluations, issued_certificates, presentations, students

    met, eligible = evaluations.alias("met"), evaluations.alias("eligible")
    accepted = (
        sa.select(sa.func.max(decisions.c.decided_at))
        .where(
            decisions.c.student_id == students.c.student_id,
            decisions.c.kind == REPORT,
            decisions.c.decision == ACCEPTED,
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            students.c.student_id,
            students.c.programme_code.label("programme"),
            students.c.registered_at.label("registered"),
            met.c.evaluated_at.label("activity_requirement_met"),
            sa.type_coerce(accepted, UTCDateTime).label("report_accepted"),
            presentations.c.recorded_at.label("presented"),
            eligible.c.evaluated_at.label("eligible"),
            issued_certificates.c.issued_at.label("certificate_issued"),
        )
        .select_from(students)
        .outerjoin(met, sa.and_(met.c.student_id == students.c.student_id, met.c.outcome == "activity_requirement_met"))
        .outerjoin(eligible, sa.and_(eligible.c.student_id == students.c.student_id, eligible.c.outcome == "eligible"))
        .outerjoin(presentations, presentations.c.student_id == students.c.student_id)
        .outerjoin(issued_certificates, issued_certificates.c.student_id == students.c.student_id)
        .where(students.c.status != WITHDRAWN)
    )


def _journey(row) -> dict:
    return {"programme": row.programme, **{stage: getattr(row, stage) for stage in FUNNEL_STAGES}}


class FunnelStore:
    """What the funnel's summary asks of approvals' tables (self.session)."""

    def journey(self, student_id: str) -> dict | None:
        """Where the student stands in the funnel now (None: not counted, withdrawn or unknown)."""
        from services.approvals.orm import students

        self.session.flush()
        row = self.session.execute(journeys_query().where(students.c.student_id == student_id)).first()
        return None if row is None else _journey(row)

    def counted_journey(self, student_id: str) -> dict | None:
        """The journey the summary counts for the student, its row locked until the commit (the
        student's changes are counted one transaction after the other)."""
        from services.approvals.orm import funnel_journeys

        query = sa.select(funnel_journeys).where(funnel_journeys.c.student_id == student_id).with_for_update()
        row = self.session.execute(query).first()
        return None if row is None else _journey(row)

    def count_journey(self, student_id: str, journey: dict | None, delta: dict):
        """Keep `journey` as the student's counted one and add `delta` to the summary."""
        from services.approvals.orm import funnel_journeys

        self.session.execute(sa.delete(funnel_journeys).where(funnel_journeys.c.student_id == student_id))
        if journey is not None:
            self.session.execute(sa.insert(funnel_journeys).values(student_id=student_id, **journey))
        self.add_to_summary(delta)

    def add_to_summary(self, delta: dict):
        """{(programme, stage, bucket): change}, one upsert each, in key order (so that two
        transactions lock the rows they share in the same order)."""
        from services.approvals.orm import funnel_summary

        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        for (programme, stage, bucket), n in sorted(delta.items()):
            insert = dialect.insert(funnel_summary).values(programme=programme, stage=stage, bucket=bucket, students=n)
            self.session.execute(
                insert.on_conflict_do_update(
                    index_elements=["programme", "stage", "bucket"],
                    set_={"students": funnel_summary.c.students + n},
                )
            )

    def funnel_summary(self, programmes: list[str]) -> dict[str, dict[tuple[str, int], int]]:
        """programme -> {(stage, bucket): students}: one statement, a few rows per programme."""
        from services.approvals.orm import funnel_summary

        found: dict[str, dict[tuple[str, int], int]] = {code: {} for code in programmes}
        if not programmes:
            return found
        rows = self.session.execute(
            sa.select(funnel_summary).where(funnel_summary.c.programme.in_(programmes), funnel_summary.c.students > 0)
        )
        for row in rows:
            found[row.programme][(row.stage, row.bucket)] = row.students
        return found

    def funnel_programmes(self) -> set[str]:
        """The programmes some counted student is in (from the summary, not the students)."""
        from services.approvals.orm import funnel_summary

        query = sa.select(funnel_summary.c.programme).where(
            funnel_summary.c.stage == FUNNEL_STAGES[0], funnel_summary.c.students > 0
        )
        return set(self.session.scalars(query))

    def all_journeys(self) -> list[tuple[str, dict]]:
        """Every current student's journey (the summary's rebuild: reads them all)."""
        return [(row.student_id, _journey(row)) for row in self.session.execute(journeys_query())]

    def forget_funnel(self):
        from services.approvals.orm import funnel_journeys, funnel_summary

        self.session.execute(sa.delete(funnel_journeys))
        self.session.execute(sa.delete(funnel_summary))
