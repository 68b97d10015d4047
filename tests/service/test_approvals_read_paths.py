"""Approvals' read paths on real databases: the statements each use case sends do not grow with
the data (10 items, then 1,000), and the pages read at the source are the right ones (keyset
order, filters, the funnel's aggregates against the domain's own computation)."""

import pytest

from bench import seed
from bench.queries import StatementCounter, use_cases
from services.approvals import orm
from services.approvals.domain import funnel as funnels, inbox
from services.approvals.handlers import queries
from shared.db import UnitOfWork, create_engine, make_session_factory, utcnow
from shared.errors import NotFound
from shared.permissions import ADMIN, Actor
from shared.rpc.approvals import InboxFilter
from tests.helpers import migrate

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


def test_the_funnel_the_database_aggregates_is_the_one_the_domain_computes(engine):
    ids = seed.seed(engine, 20, 20)
    now = utcnow()
    with engine.begin() as conn:  # some reach the first stages, at different times
        conn.execute(
            orm.evaluations.insert(),
            [
                {
                    "evaluation_id": f"e-{n}",
                    "student_id": ids[n],
                    "outcome": "activity_requirement_met",
                    "rule_set": "standard",
                    "rule_set_version": 1,
                    "activity_ids": [],
                    "evaluated_at": now,
                }
                for n in range(7)
            ],
        )
    rows = _run(engine, lambda uow: queries.funnel(uow, actor=ADMIN_ACTOR, programme="MPUBH"))
    journeys = [
        {
            "registered": seed.EPOCH + (seed.student_row(n, "MPUBH")["registered_at"] - seed.EPOCH),
            "activity_requirement_met": now if n < 7 else None,
        }
        for n in range(20)
    ]
    assert rows == funnels.funnel("MPUBH", journeys)
    assert [r["count"] for r in rows][:2] == [20, 7]
