"""What shared.pg_driver changes in pg8000, on a real PostgreSQL: a statement's placeholders are
rewritten once per text (not once per execution), and timestamps and dates read back exactly as
pg8000's own readers give them, including the values only pg8000 can read."""

import json
from datetime import date, datetime, timedelta, timezone

import pg8000.core
import pg8000.legacy
import pytest
import sqlalchemy as sa

from shared import pg_driver
from shared.db import among, among_texts, create_engine


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def rewrites(monkeypatch):
    """The texts pg8000's own placeholder rewrite is asked to scan."""
    scanned = []
    original = pg_driver._convert

    def counting(style, query, args):
        scanned.append(query)
        return original(style, query, args)

    monkeypatch.setattr(pg_driver, "_convert", counting)
    pg_driver._rewritten.cache_clear()
    yield scanned
    pg_driver._rewritten.cache_clear()


def test_a_statement_run_many_times_is_rewritten_once_and_each_run_gets_its_own_values(engine, rewrites):
    assert pg8000.legacy.convert_paramstyle is pg_driver.convert_paramstyle
    query = sa.text("SELECT CAST(:a AS integer) + CAST(:b AS integer), '100%' AS literal")
    with engine.connect() as conn:
        results = [conn.execute(query, {"a": n, "b": 1}).one() for n in range(50)]
    assert [total for total, _ in results] == [n + 1 for n in range(50)]
    assert {literal for _, literal in results} == {"100%"}
    assert len([text for text in rewrites if "CAST" in text]) == 1


def test_a_statement_that_cannot_be_rewritten_fails_every_time_and_is_not_remembered(engine, rewrites):
    with engine.connect() as conn:
        for _ in range(2):
            with pytest.raises(Exception, match="Only %s and %% are supported"):
                conn.exec_driver_sql("SELECT %d", (1,))
    assert len(rewrites) == 2


def test_other_placeholder_styles_are_left_to_pg8000(rewrites):
    statement, values = pg_driver.convert_paramstyle("named", "SELECT :x, :y, :x", {"x": 1, "y": 2})
    assert statement == "SELECT $1, $2, $1" and values == (1, 2)
    assert pg_driver._rewritten.cache_info().currsize == 0


@pytest.mark.parametrize(
    "literal",
    [
        "2026-12-03 09:00:00+00",
        "2026-12-03 09:00:00.123456+00",
        "2026-12-03 09:00:00.12+05:30",
        "2026-06-30 23:59:59.5-03",
        "0001-01-01 00:00:00+00",
        "infinity",
        "-infinity",
        "0044-03-15 12:00:00+00 BC",
    ],
)
def test_timestamps_read_back_as_pg8000_reads_them(engine, literal):
    with engine.connect() as conn:
        conn.exec_driver_sql("SET TIME ZONE 'Europe/Ljubljana'")
        text, value, naive = conn.exec_driver_sql(
            f"SELECT CAST('{literal}' AS timestamptz)::text, CAST('{literal}' AS timestamptz), "
            f"CAST('{literal}' AS timestamptz)::timestamp"
        ).one()
        naive_text = conn.exec_driver_sql(f"SELECT CAST('{literal}' AS timestamptz)::timestamp::text").scalar()
    theirs = pg8000.converters.timestamptz_in(text)
    if isinstance(theirs, datetime):
        assert value == theirs
    elif value != theirs:  # pg8000 gives the text back (an offset in seconds: Ljubljana before 1893)
        assert value == datetime.fromisoformat(text)  # which is read now
    assert naive == pg8000.converters.timestamp_in(naive_text)
    if isinstance(value, datetime):
        assert value.tzinfo is not None and naive.tzinfo is None


def test_a_timestamp_keeps_its_instant_and_microseconds(engine):
    moment = datetime(2026, 12, 3, 9, 41, 7, 654321, tzinfo=timezone(timedelta(hours=1)))
    with engine.connect() as conn:
        back = conn.execute(sa.select(sa.cast(sa.literal(moment), sa.DateTime(timezone=True)))).scalar()
    assert back == moment and back.microsecond == 654321


@pytest.mark.parametrize("literal", ["2026-12-03", "0001-01-01", "9999-12-31", "infinity", "0044-03-15 BC"])
def test_dates_read_back_as_pg8000_reads_them(engine, literal):
    with engine.connect() as conn:
        text, value = conn.exec_driver_sql(f"SELECT CAST('{literal}' AS date)::text, CAST('{literal}' AS date)").one()
    assert value == pg8000.converters.date_in(text)
    if literal == "2026-12-03":
        assert value == date(2026, 12, 3)


def test_every_connection_sends_its_statements_at_once(engine):
    """Nagle's algorithm off: a statement over the socket file's 8 KB buffer (a batch of inbound
    events, a PDF) waited 40 ms for PostgreSQL's delayed acknowledgement (measured: a SELECT of
    a 20 KB parameter, 44 ms with Nagle on, 0.65 ms off)."""
    import socket

    raw = engine.raw_connection()
    try:
        sock = raw.driver_connection._usock
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        with raw.cursor() as cursor:
            cursor.execute("SELECT length(%s)", ("y" * 20_000,))
            assert cursor.fetchone()[0] == 20_000
    finally:
        raw.close()


def test_among_matches_what_in_matches_with_one_parameter_for_all_the_ids(engine):
    source = sa.select(sa.func.generate_series(1, 2000).label("id")).subquery()
    ids = list(range(3, 1500, 7))
    with engine.connect() as conn:
        statement = sa.select(source.c.id).where(among(source.c.id, ids, "postgresql")).order_by(source.c.id)
        assert [r.id for r in conn.execute(statement)] == ids
        clause = among(source.c.id, ids, "postgresql").compile(dialect=engine.dialect)
        assert sorted(clause.params.values(), key=str) == [",", ",".join(map(str, ids))]  # not one per id


def test_among_texts_matches_any_text_with_one_parameter_for_all_of_them(engine):
    texts = ["plain", "with, a comma", 'a "quote"', "back\\slash", "ünïcödé", "{braces}", "", "NULL"]
    source = sa.select(sa.func.unnest(sa.cast(texts + ["not asked", "other"], sa.ARRAY(sa.Text))).label("t"))
    source = source.subquery()
    with engine.connect() as conn:
        found = conn.execute(sa.select(source.c.t).where(among_texts(source.c.t, texts, "postgresql"))).scalars()
        assert sorted(found) == sorted(texts)
        assert conn.execute(sa.select(source.c.t).where(among_texts(source.c.t, [], "postgresql"))).all() == []
    clause = among_texts(source.c.t, texts, "postgresql").compile(dialect=engine.dialect)
    assert list(clause.params.values()) == [json.dumps(texts)]  # one parameter, not one per text


@pytest.fixture
def trips(monkeypatch):
    """How many times pg8000 sends what it wrote and waits: its socket flushes."""
    flushes = []
    original = pg8000.core._flush

    def counting(sock):
        flushes.append(sock)
        return original(sock)

    monkeypatch.setattr(pg8000.core, "_flush", counting)
    return flushes


def test_a_statement_and_a_commit_are_one_round_trip_each(engine, trips):
    assert pg8000.core.CoreConnection.execute_unnamed is pg_driver.execute_in_one_trip
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1")).all()  # the transaction begun (a round trip of its own)
        trips.clear()
        rows = conn.execute(
            sa.text("SELECT n, CASE WHEN mod(n, 2) = 0 THEN NULL ELSE :word END AS w FROM generate_series(1, :n) AS n"),
            {"word": "odd", "n": 5},
        ).all()
        assert len(trips) == 1  # pg8000's own steps: 3
        assert rows == [(1, "odd"), (2, None), (3, "odd"), (4, None), (5, "odd")]
        trips.clear()
        conn.commit()
        assert len(trips) == 1


def test_an_error_at_any_step_is_raised_and_the_connection_goes_on(engine):
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE TEMPORARY TABLE t (id integer PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        conn.commit()
        failing = [
            (sa.text("SELEC 1"), {}, sa.exc.ProgrammingError),  # refused at parse
            (sa.text("SELECT CAST(:a AS integer)"), {"a": "not a number"}, sa.exc.DBAPIError),  # at bind
            (sa.text("INSERT INTO t VALUES (:id)"), {"id": 1}, sa.exc.IntegrityError),  # at execute
        ]
        for statement, values, error in failing:
            with pytest.raises(error):
                conn.execute(statement, values)
            conn.rollback()
            assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 1
        assert conn.execute(sa.text("UPDATE t SET id = id + 1")).rowcount == 1
        conn.commit()
        assert conn.execute(sa.text("SELECT id FROM t")).scalar() == 2


def test_the_pools_ping_leaves_no_transaction_so_autocommit_commits(engine):
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS pinged (x integer)"))
        conn.execute(sa.text("TRUNCATE pinged"))
        conn.execute(sa.text("INSERT INTO pinged SELECT generate_series(1, 500)"))
        conn.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # pinged at checkout
        assert conn.exec_driver_sql("SELECT txid_current_if_assigned() IS NULL").scalar()
        conn.execute(sa.text("ANALYZE pinged"))  # kept only if it ran outside a transaction
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_stats WHERE tablename = 'pinged'")).scalar() == 1
        conn.execute(sa.text("DROP TABLE pinged"))
        conn.commit()


def test_a_connection_the_server_terminated_is_found_by_the_ping_and_replaced(engine, database_url):
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        conn.commit()
    admin = create_engine(database_url)
    try:
        with admin.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    finally:
        admin.dispose()
    with engine.connect() as conn:  # the pooled connection is dead: the ping finds it, a new one answers
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar() != pid
