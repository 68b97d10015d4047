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
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    _metadata(service))
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
