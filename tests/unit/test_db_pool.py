"""The PostgreSQL pool keeps a connection for everything one process does at once, so a busy
process reuses its connections instead of opening one per request (docs/benchmarks.md)."""

import re

from shared.db import create_engine
from shared.settings import REPO_ROOT


def test_the_pool_keeps_a_connection_for_each_worker_the_outbox_relay_and_the_backlog_gauge():
    config = (REPO_ROOT / "config.yaml").read_text()
    workers = int(re.search(r"^max_workers: \$\{MAX_WORKERS:(\d+)\}", config, re.M).group(1))
    engine = create_engine("postgresql+pg8000://cim:cim@127.0.0.1:1/nothing")  # never connects here
    assert engine.pool.size() >= workers + 2
    assert engine.pool.size() + engine.pool._max_overflow <= 20  # the bound per process stays
