"""Alembic per service, run as its own step (`cim migrate`), never by a service at start-up."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from shared.db import create_engine
from shared.settings import REPO_ROOT, load_settings

SERVICES_WITH_DATABASE = (
    "registration",
    "activities",
    "approvals",
    "ceremony",
    "certificates",
    "notifications",
    "campus",
)


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def ensure_database(url: str):
    """Create the service's PostgreSQL database when it does not exist yet (SQLite makes its own)."""
    engine_url = sa.engine.make_url(url)
    if engine_url.get_backend_name() != "postgresql":
        return
    server = create_engine(engine_url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": engine_url.database}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{engine_url.database}"'))
    finally:
        server.dispose()


def upgrade(service: str, database_url: str | None = None, revision: str = "head"):
    url = database_url or load_settings(service).database_url
    ensure_database(url)
    command.upgrade(alembic_config(service, url), revision)


def run_env(context, target_metadata):
    """The body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # SQLite alters a table by copying it into a new one and dropping the old; with
                # foreign keys enforced, dropping a table other rows point at fails. The check is
                # suspended for the migration (it cannot change inside a transaction) and run
                # over the whole database at the end instead.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()  # end SQLAlchemy's implicit transaction; Alembic opens its own
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if connection.dialect.name == "sqlite":
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left dangling references: {broken}")
    finally:
        engine.dispose()


def migrations_dir(service: str) -> Path:
    return REPO_ROOT / "services" / service / "migrations"
