"""Approvals' read paths on real databases: the statements each use case sends do not grow with
the data (10 items, then 1,000), and the pages read at the source are the right ones (keyset
order, filters, the funnel's aggregates against the domain's own computation)."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench import seed
from bench.queries import StatementCounter, use_cases
from services.approvals import orm
from services.approvals.domain import funnel as funnels, inbox
from services.approvals.handlers import consumers, funnel as funnel_handlers, queries
from shared.db import UnitOfWork, create_engine, make_session_factory, utcnow
from shared.errors import NotFound
from shared.permissions import ADMIN, Actor
from shared.rpc.approvals import InboxFilter
from shared.migrations import upgrade
from tests.helpers import RowCounter, migrate

ADMIN_ACTOR = Actor(issuer="test", subject="admin", role=ADMIN)


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = (
        request.getfixturevalue("database_url")
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path / 'approvals.db'}"
    )
    migrate("approvals", url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def _run(engine, call):
    with UnitOfWork(make_session_factory(engine), "approvals", repository=orm.Repository) as uow:
        return call(uow)


def _statements(engine, calls) -> dict:
    counter = StatementCounter(engine)
    counts = {}
    for name, call in calls.items():
        counter.reset()
        _run(engine, call)
        counts[name] = counter.count
    return counts


def test_the_funnel_reads_the_same_rows_for_10_students_and_for_1000(engine):
    seed.seed(engine, 10, 10)
    counter = RowCounter(engine)
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def read():
        counter.reset()
        statements.clear()
        rows = _run(engine, lambda uow: queries.funnel(uow, actor=ADMIN_ACTOR, programme="MPUBH"))
        return rows, (counter.count, counter.rows)

    small_rows, small = read()
    seed.seed(engine, 990, 990, start=10)
    big_rows, big = read()
    assert big == small and small[0] == 1, (small, big)
    assert all(" students" not in sql for sql in statements)  # the summary, not the students
    assert small_rows[0]["count"] == 10 and big_rows[0]["count"] == 1000


def test_no_read_path_sends_more_statements_when_the_data_grows(engine):
    ids = seed.seed(engine, 10, 10)
    calls = {
        **use_cases(ids[5]),
        "alerts": lambda uow: queries.alerts(uow, actor=ADMIN_ACTOR),
        "inbox (search)": lambda uow: queries.inbox(
            uow, actor=ADMIN_ACTOR, query=InboxFilter(q="student 0000005", limit=50)
        ),
    }
    small = _statements(engine, calls)
    seed.seed(engine, 990, 990, start=10)
    assert _statements(engine, calls) == small
    assert all(count <= 5 for count in small.values()), small
    assert small["progress"] == 1, small  # the student, activities, report, presentation: one join


def test_the_inbox_pages_at_the_source_oldest_first_without_losing_an_item(engine):
    seed.seed(engine, 30, 75)
    seen, cursor = [], None
    while True:
        page = _run(
            engine, lambda uow: queries.inbox(uow, actor=ADMIN_ACTOR, query=InboxFilter(cursor=cursor, limit=20))
        )
        assert len(page["items"]) <= 20
        seen += [inbox.position(item) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 75 and seen == sorted(seen) and len(set(seen)) == 75
    with pytest.raises(NotFound):
        _run(engine, lambda uow: queries.inbox(uow, actor=ADMIN_ACTOR, query=InboxFilter(cursor="0")))


def test_a_coordinator_finds_one_students_items_by_id_or_by_name(engine):
    seed.seed(engine, 40, 120)
    by_id = _run(engine, lambda uow: queries.inbox(uow, actor=ADMIN_ACTOR, query=InboxFilter(student="stu-0000007")))[
        "items"
    ]
    assert len(by_id) == 3 and {i["student_id"] for i in by_id} == {"stu-0000007"}
    by_name = _run(engine, lambda uow: queries.inbox(uow, actor=ADMIN_ACTOR, query=InboxFilter(q="STUDENT 0000007")))[
        "items"
    ]
    assert [i["id"] for i in by_name] == [i["id"] for i in by_id]
    assert by_name[0]["type"] == "exchange_semester" and by_name[0]["sessions"] == 0
    none = _run(engine, lambda uow: queries.inbox(uow, actor=ADMIN_ACTOR, query=InboxFilter(q="100%_")))["items"]
    assert none == []  # the search's wildcards are the caller's letters, not patterns
    for odd in ({"type": "\x00"}, {"q": "a\x00"}, {"student": "\x00"}, {"programme": "\x00"}):
        assert (
            _run(
                engine,
                lambda uow: queries.inbox(  # noqa: B023
                    uow, actor=ADMIN_ACTOR, query=InboxFilter(**odd)
                ),
            )["items"]
            == []
        )


def _evaluations(engine, ids, outcome, at):
    with engine.begin() as conn:
        conn.execute(
            orm.evaluations.insert(),
            [
                {
                    "evaluation_id": str(uuid.uuid4()),
                    "student_id": student_id,
                    "outcome": outcome,
                    "rule_set": "standard",
                    "rule_set_version": 1,
                    "activity_ids": [],
                    "evaluated_at": at(n),
                }
                for n, student_id in enumerate(ids)
            ],
        )


def _exact(uow, programme):
    """The funnel computed from every journey (what the summary stands for)."""
    journeys = [j for _, j in uow.repo.all_journeys() if j["programme"] == programme]
    return funnels.funnel(programme, journeys)


def _agree(rows, exact):
    """Counts exactly; a median within the quarter octave the summary's buckets resolve."""
    assert [(r["stage"], r["count"]) for r in rows] == [(r["stage"], r["count"]) for r in exact]
    for row, truth in zip(rows, exact):
        if truth["median_wait_seconds"] is None:
            assert row["median_wait_seconds"] is None
        else:
            assert (
                abs(row["median_wait_seconds"] - truth["median_wait_seconds"])
                <= 0.19 * truth["median_wait_seconds"] + 1
            ), (row, truth)


def test_the_funnel_read_from_the_summary_is_the_one_the_domain_computes(engine):
    ids = seed.seed(engine, 20, 20)
    now = utcnow()
    _evaluations(engine, ids[:7], "activity_requirement_met", lambda n: now - timedelta(hours=n * 7))
    _run(engine, funnel_handlers.count_everyone_again)  # the rows went in around the events
    rows = _run(engine, lambda uow: queries.funnel(uow, actor=ADMIN_ACTOR, programme="MPUBH"))
    exact = _run(engine, lambda uow: _exact(uow, "MPUBH"))
    _agree(rows, exact)
    assert [r["count"] for r in rows][:2] == [20, 7] and rows[1]["median_wait_seconds"] > 0


def test_the_events_keep_the_summary_as_a_recount_would_find_it(engine):
    """Registered, moved, a stage reached, a certificate, withdrawn, erased: the summary kept one
    event at a time is the one counted from scratch."""
    now = utcnow()

    def registered(n, programme="MPUBH", at=None):
        return {
            "student_id": f"stu-e{n:03d}",
            "name": f"Student {n}",
            "email": f"s{n}@example.org",
            "language": "en",
            "programme": {"code": programme, "name_en": programme, "name_sv": programme},
            "expected_graduation": "2027-06",
            "registered_at": at or now - timedelta(days=40 + n),
        }

    for n in range(12):
        _run(engine, lambda uow: consumers.record_student(uow, registered(n)))  # noqa: B023
    ids = [f"stu-e{n:03d}" for n in range(12)]
    _evaluations(engine, ids[:6], "activity_requirement_met", lambda n: now - timedelta(days=n))
    for student_id in ids[:6]:  # what an evaluation does after it stored the outcome
        _run(engine, lambda uow: funnel_handlers.count_again(uow, student_id))  # noqa: B023
    for student_id in ids[:2]:
        data = {"student_id": student_id, "code": f"C-{student_id}", "issued_at": now, "version": 1}
        _run(engine, lambda uow: consumers.record_certificate_issued(uow, data))  # noqa: B023
    _run(engine, lambda uow: consumers.record_student(uow, {**registered(3, "MBIOM"), "updated_at": now}))
    data = {"student_id": ids[4], "withdrawn_at": now, "reason": None}
    _run(engine, lambda uow: consumers.withdraw_student(uow, data))
    _run(engine, lambda uow: consumers.record_student(uow, {**registered(4), "updated_at": now}))  # back again
    _run(engine, lambda uow: consumers.withdraw_student(uow, {**data, "student_id": ids[5]}))

    kept = _run(engine, lambda uow: queries.funnel(uow, actor=ADMIN_ACTOR))
    _run(engine, funnel_handlers.count_everyone_again)
    assert _run(engine, lambda uow: queries.funnel(uow, actor=ADMIN_ACTOR)) == kept
    for code in ("MPUBH", "MBIOM"):
        _agree([r for r in kept if r["programme"] == code], _run(engine, lambda uow: _exact(uow, code)))  # noqa: B023
    counts = {(r["programme"], r["stage"]): r["count"] for r in kept}
    assert counts[("MPUBH", "registered")] == 10 and counts[("MBIOM", "registered")] == 1
    assert counts[("MPUBH", "activity_requirement_met")] == 4 and counts[("MPUBH", "certificate_issued")] == 2


def test_the_migration_counts_the_students_it_finds(tmp_path):
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade("approvals", url, revision="0003")
    engine = create_engine(url)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(orm.students.insert(), [seed.student_row(n, "MPUBH") for n in range(30)])
    ids = [seed.student_row(n, "MPUBH")["student_id"] for n in range(30)]
    _evaluations(engine, ids[:9], "activity_requirement_met", lambda n: now - timedelta(days=n))
    upgrade("approvals", url)
    rows = _run(engine, lambda uow: queries.funnel(uow, actor=ADMIN_ACTOR, programme="MPUBH"))
    _agree(rows, _run(engine, lambda uow: _exact(uow, "MPUBH")))
    assert [r["count"] for r in rows][:2] == [30, 9]
    engine.dispose()


def test_every_inbox_filter_pages_as_a_plain_reading_of_the_tables_says_with_one_statement_per_shape(engine):
    from services.approvals import inbox_sql
    from services.approvals.domain.inbox import InboxCriteria

    seed.seed(engine, 12, 24, programme="MPUBH")
    seed.seed(engine, 12, 24, programme="BIOMED", start=12)
    activities, students = orm.activities, orm.students
    with engine.begin() as conn:
        ids = conn.execute(sa.select(activities.c.activity_id).order_by(activities.c.activity_id)).scalars().all()
        for i, activity_id in enumerate(ids):
            changed = {"version": 2} if i % 3 == 0 else {}
            if i % 4 == 0:
                changed["activity_type"] = {**seed.TYPE, "code": "conference"}
            if changed:
                conn.execute(activities.update().where(activities.c.activity_id == activity_id).values(**changed))
    with engine.connect() as conn:
        table = [
            dict(row._mapping)
            for row in conn.execute(
                sa.select(activities, students.c.programme_code, students.c.name).join(
                    students, students.c.student_id == activities.c.student_id
                )
            )
        ]

    def expected(c: InboxCriteria) -> list[str]:
        rows = [
            r
            for r in table
            if (c.programmes is None or r["programme_code"] in c.programmes)
            and c.programme in (None, r["programme_code"])
            and c.student_id in (None, r["student_id"])
            and c.type_code in (None, r["activity_type"]["code"])
            and c.status in (None, "new" if r["version"] == 1 else "resubmitted")
            and (not c.search or c.search.lower() in r["name"].lower())
            and c.kind in (None, "activity")
        ]
        return [r["activity_id"] for r in sorted(rows, key=lambda r: (r["submitted_at"], r["activity_id"]))]

    def paged(c: InboxCriteria) -> list[str]:
        seen, after = [], None
        while True:
            page = _run(engine, lambda uow: uow.repo.inbox_items(c, after, 7))  # noqa: B023
            seen += [item["id"] for item in page]
            if len(page) < 7:
                return seen
            after = (page[-1]["submitted_at"], page[-1]["id"])

    inbox_sql.statement.cache_clear()
    cases = [
        InboxCriteria(),
        InboxCriteria(programmes=frozenset({"BIOMED"})),
        InboxCriteria(programmes=frozenset({"BIOMED", "MPUBH"})),
        InboxCriteria(programme="MPUBH"),
        InboxCriteria(programme="BIOMED"),
        InboxCriteria(type_code="conference"),
        InboxCriteria(type_code="exchange_semester", programme="BIOMED"),
        InboxCriteria(status="new"),
        InboxCriteria(status="resubmitted"),
        InboxCriteria(student_id="stu-0000003"),
        InboxCriteria(student_id="stu-0000015"),
        InboxCriteria(search="student 000001"),
        InboxCriteria(search="STUDENT 0000002", programmes=frozenset({"BIOMED"})),
        InboxCriteria(kind="activity", status="new", type_code="conference"),
        InboxCriteria(kind="report"),
    ]
    for criteria in cases:
        assert paged(criteria) == expected(criteria), criteria
    assert sum(1 for c in cases if expected(c)) >= 13  # the cases select something, not all nothing
    built = inbox_sql.statement.cache_info().misses
    for criteria in cases:  # again: every statement is one built already, bound to new values
        assert paged(criteria) == expected(criteria), criteria
    assert inbox_sql.statement.cache_info().misses == built
    # other values of the same filters (two students, two programmes) shared a statement too
    assert built < 2 * len(cases)
