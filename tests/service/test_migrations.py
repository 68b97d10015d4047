"""Each service's migrations build exactly its models, on PostgreSQL and on SQLite, and go back."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.db import create_engine
from shared.migrations import SERVICES_WITH_DATABASE, alembic_config, upgrade


def _metadata(service):
    import importlib

    return importlib.import_module(f"services.{service}.orm").metadata


@pytest.mark.parametrize("service", SERVICES_WITH_DATABASE)
def test_migrations_match_the_models_on_postgresql(service, database_url):
    upgrade(service, database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), _metadata(service))
    finally:
        engine.dispose()
    assert diff == [], f"{service}: models and migrations differ: {diff}"


@pytest.mark.parametrize("service", SERVICES_WITH_DATABASE)
def test_migrations_run_up_and_down_on_sqlite(service, tmp_path):
    url = f"sqlite:///{tmp_path}/{service}.db"
    upgrade(service, url)
    command.downgrade(alembic_config(service, url), "base")
    engine = sa.create_engine(url)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_a_local_sqlite_database_with_activities_upgrades_without_losing_them(tmp_path):
    """The local run keeps its SQLite files between `bin/up`s: later migrations must carry the data
    over, even where SQLite has to copy a table that other tables point at."""
    url = f"sqlite:///{tmp_path}/activities.db"
    upgrade("activities", url, revision="0001")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO activities (activity_id, student_id, type_code, title, description, "
            "location_kind, location_country, start_date, end_date, evidence_urls, status, version, "
            "created_at, submitted_at) VALUES ('a1', 's1', 'conference', 'Nordic', 'Poster', "
            "'sweden', 'SE', '2026-03-02', '2026-03-04', '[]', 'approved', 1, "
            "'2026-03-05 10:00:00', '2026-03-05 10:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO activity_sessions (session_id, activity_id, date, title, added_at) "
            "VALUES ('x1', 'a1', '2026-03-02', 'day one', '2026-03-05 10:00:00')"
        )
    upgrade("activities", url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM activities").all() == [("approved",)]
        assert conn.exec_driver_sql("SELECT activity_id FROM activity_sessions").all() == [("a1",)]
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()
