"""PostgreSQL connections terminated mid-batch (`pg_terminate_backend`): the handlers'
transactions roll back, their messages are retried, every effect happens once."""

import time

import sqlalchemy as sa

from tests.faults import scenario
from tests.infra import _server_engine, database_server_url

ROUNDS, APART_S = 3, 1.0


def _terminate(platform_) -> int:
    names = [sa.engine.make_url(url).database for url in platform_.database_urls.values()]
    engine = _server_engine(database_server_url())
    try:
        with engine.connect() as conn:
            return len(
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
                    ),
                    {"names": names},
                ).all()
            )
    finally:
        engine.dispose()


def test_terminated_database_connections_roll_back_retry_and_apply_each_effect_once(faults_platform, figures):
    terminated = []

    def fault():
        for _ in range(ROUNDS):
            terminated.append(_terminate(faults_platform))
            time.sleep(APART_S)

    result = scenario.run(faults_platform, figures, f"PostgreSQL connections terminated ({ROUNDS} rounds)", fault)
    assert sum(terminated) > 0, "no connection was there to terminate"
    assert result.holds(), result.summary()
