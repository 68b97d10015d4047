"""Waits until the broker and the named services' databases answer; with --migrated, until each
database is at the Alembic head this image carries (the migration Job's work).

Run as an init container, so `kubectl apply` of everything at once still converges: the Job
waits for RabbitMQ and PostgreSQL, the services wait for the Job. Services never migrate.
"""

from __future__ import annotations

import argparse
import sys
import time

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from kombu import Connection

from shared.db import create_engine
from shared.migrations import alembic_config
from shared.settings import load_settings


def broker_answers(uri: str) -> str | None:
    try:
        with Connection(uri, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
        return None
    except Exception as exc:
        return f"broker: {type(exc).__name__}: {exc}"


def database_ready(service: str, migrated: bool) -> str | None:
    url = load_settings(service).database_url
    try:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                if not migrated:
                    return None
                current = set(MigrationContext.configure(conn).get_current_heads())
        finally:
            engine.dispose()
    except Exception as exc:
        return f"{service} database: {type(exc).__name__}: {exc}"
    head = set(ScriptDirectory.from_config(alembic_config(service, url)).get_heads())
    return None if current == head else f"{service} database at {sorted(current)}, image expects {sorted(head)}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", action="append", default=[], help="a service whose database must answer")
    parser.add_argument("--migrated", action="append", default=[], help="a service whose database must be migrated")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    while True:
        problems = [
            p
            for p in (
                broker_answers(load_settings("cim").amqp_uri),
                *(database_ready(s, False) for s in args.database),
                *(database_ready(s, True) for s in args.migrated),
            )
            if p
        ]
        if not problems:
            print("dependencies ready", flush=True)
            return 0
        if time.monotonic() > deadline:
            print("gave up waiting: " + "; ".join(problems), file=sys.stderr, flush=True)
            return 1
        print("waiting: " + "; ".join(problems), flush=True)
        time.sleep(5)


if __name__ == "__main__":
    sys.exit(main())
