"""Where approvals' read paths spend their time: each use case in-process on PostgreSQL, with the
statements it sends and the time spent in them, at growing data sizes.

    .venv/bin/python -m bench.queries [--sizes 1000,4000] [--runs 5]

A fresh database per size (on the local server: TEST_DATABASE_URL or postgres on 127.0.0.1),
migrated to head and seeded by bench.seed: N students in one programme with one pending
activity each. Prints, per use case and size: median ms per call, statements per call, and the
share of that time spent inside the database driver (the SQL hop).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

import sqlalchemy as sa  # noqa: E402

from bench import seed  # noqa: E402
from services.approvals import orm  # noqa: E402
from services.approvals.handlers import queries  # noqa: E402
from shared import migrations  # noqa: E402
from shared.db import UnitOfWork, create_engine, make_session_factory  # noqa: E402
from shared.permissions import ADMIN, STUDENT, Actor  # noqa: E402
from shared.rpc.approvals import InboxFilter  # noqa: E402


class StatementCounter:
    """Counts the statements an engine sends, and the time spent in them."""

    def __init__(self, engine: sa.Engine):
        self.count, self.seconds, self._started = 0, 0.0, 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args):
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, *_args):
        self.seconds += time.perf_counter() - self._started

    def reset(self):
        self.count, self.seconds = 0, 0.0


def use_cases(student_id: str) -> dict:
    admin = Actor(issuer="bench", subject="admin", role=ADMIN)
    student = Actor(issuer="bench", subject="s", role=STUDENT, student_id=student_id)
    return {
        "inbox (first page)": lambda uow: queries.inbox(uow, actor=admin, query=InboxFilter(limit=50)),
        "progress": lambda uow: queries.progress(uow, actor=student),
        "funnel": lambda uow: queries.funnel(uow, actor=admin, programme="MPUBH"),
        "audit (one student)": lambda uow: queries.audit_trail(uow, actor=admin, student_id=student_id),
    }


def measure(url: str, size: int, runs: int) -> list[dict]:
    migrations.upgrade("approvals", url)
    engine = create_engine(url)
    ids = seed.seed(engine, size, size)
    counter = StatementCounter(engine)
    factory = make_session_factory(engine)
    rows = []
    for name, call in use_cases(ids[len(ids) // 2]).items():
        times, statements, sql = [], 0, []
        for _ in range(runs + 1):  # the first call warms caches and is not counted
            counter.reset()
            started = time.perf_counter()
            with UnitOfWork(factory, "approvals", repository=orm.Repository) as uow:
                call(uow)
            times.append(time.perf_counter() - started)
            statements, sql = counter.count, sql + [counter.seconds]
        total = statistics.median(times[1:])
        rows.append(
            {
                "use case": name,
                "size": size,
                "ms": round(total * 1000, 1),
                "statements": statements,
                "sql share": f"{min(1.0, statistics.median(sql[1:]) / total):.0%}",
            }
        )
    engine.dispose()
    return rows


def main(argv=None):
    from tests.infra import create_database, database_server_url, drop_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    server = database_server_url()
    print(f"{'use case':22} {'size':>7} {'ms':>8} {'statements':>10} {'sql share':>9}")
    for size in [int(s) for s in args.sizes.split(",")]:
        name = f"bench_q_{uuid.uuid4().hex[:8]}"
        url = create_database(server, name)
        try:
            for row in measure(url, size, args.runs):
                print(
                    f"{row['use case']:22} {row['size']:>7} {row['ms']:>8} "
                    f"{row['statements']:>10} {row['sql share']:>9}"
                )
        finally:
            drop_database(server, name)


if __name__ == "__main__":
    main()
