"""Bulk seeding of approvals' tables: many students, activities and audit lines, fast.

    .venv/bin/python -m bench.seed DATABASE_URL --students 100000 --activities 300000

Rows go in with one COPY per table on PostgreSQL (Core inserts of a few thousand rows each on
SQLite), straight into an approvals database migrated to head; every student is in programme
MPUBH unless told, every activity pending, one audit line per activity; the funnel's summary
counts the students as registered. Used by the benchmarks and the statement-count tests, so both
see the same shape of data.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.approvals import orm
from services.approvals.domain import funnel

CHUNK = 2000
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
TYPE = {
    "code": "exchange_semester",
    "name_en": "Exchange semester",
    "name_sv": "Utbytestermin",
    "sessions_required": 1,
    "location_rule": "abroad",
}


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _insert(conn, table, rows):
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, rows)
    for chunk in _chunks(rows):
        conn.execute(table.insert(), chunk)


def _csv_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value  # None is written as an empty unquoted field: NULL


def _copy(conn, table, rows):
    """PostgreSQL: one COPY ... FROM STDIN per table, in the caller's transaction (an insert of
    a list of rows is an executemany, which pg8000 runs as one statement per row: 100,000
    students took more than 20 minutes on a loaded machine)."""
    if not rows:
        return
    columns = list(rows[0])
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow([_csv_value(row[column]) for column in columns])
    text.seek(0)
    names = ", ".join(f'"{column}"' for column in columns)
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute(f'COPY "{table.name}" ({names}) FROM STDIN WITH (FORMAT csv)', stream=text)


def student_row(index: int, programme: str) -> dict:
    return {
        "student_id": f"stu-{index:07d}",
        "name": f"Student {index:07d}",
        "email": f"s{index}@example.org",
        "language": "en",
        "programme_code": programme,
        "programme_name_en": programme,
        "programme_name_sv": programme,
        "expected_graduation": "2027-06",
        "status": "registered",
        "registered_at": EPOCH + timedelta(seconds=index),
    }


def activity_row(index: int, student_id: str) -> dict:
    return {
        "activity_id": str(uuid.UUID(int=index + 1)),
        "student_id": student_id,
        "version": 1,
        "activity_type": TYPE,
        "title": f"Exchange {index}",
        "description": "seeded",
        "location": {"kind": "abroad", "country": "DE"},
        "start_date": date(2025, 1, 1),
        "end_date": date(2025, 6, 1),
        "sessions": [],
        "submitted_at": EPOCH + timedelta(seconds=index),
        "status": "pending",
        "approved_sessions": 0,
    }


def audit_row(index: int, student_id: str) -> dict:
    return {
        "entry_id": str(uuid.UUID(int=10**12 + index)),
        "student_id": student_id,
        "at": EPOCH + timedelta(seconds=index),
        "actor": "student",
        "action": "submitted",
        "item_kind": "activity",
        "item_id": str(uuid.UUID(int=index + 1)),
        "version": 1,
    }


def _count_in_the_funnel(conn, students: list[dict]):
    """The seeded students as the events would have counted them in the funnel's summary (each
    only registered), in bulk."""
    _insert(
        conn,
        orm.funnel_journeys,
        [
            {"student_id": s["student_id"], "programme": s["programme_code"], "registered": s["registered_at"]}
            for s in students
        ],
    )
    by_programme = Counter(s["programme_code"] for s in students)
    with Session(bind=conn) as session:
        orm.Repository(session).add_to_summary(
            {(code, funnel.FUNNEL_STAGES[0], funnel.REACHED): n for code, n in by_programme.items()}
        )
        session.flush()


def seed(engine: sa.Engine, students: int, activities: int, programme: str = "MPUBH", start: int = 0) -> list[str]:
    """Add `students` students and `activities` pending activities (spread over them round
    robin) with one audit line each; returns the new students' ids. `start` offsets the ids so
    a second call adds more."""
    ids = [f"stu-{i:07d}" for i in range(start, start + students)]
    with engine.begin() as conn:
        _insert(conn, orm.students, [student_row(i, programme) for i in range(start, start + students)])
        first = start * 10
        rows = [activity_row(first + i, ids[i % students]) for i in range(activities)]
        _insert(conn, orm.activities, rows)
        _insert(conn, orm.audit_entries, [audit_row(first + i, ids[i % students]) for i in range(activities)])
        _count_in_the_funnel(conn, [student_row(i, programme) for i in range(start, start + students)])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    return ids


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--activities", type=int, default=3000)
    parser.add_argument("--programme", default="MPUBH")
    args = parser.parse_args(argv)
    from shared.db import create_engine

    seed(create_engine(args.database_url), args.students, args.activities, args.programme)


if __name__ == "__main__":
    main()
