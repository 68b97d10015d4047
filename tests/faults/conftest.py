"""Fixtures of the fault suite: the whole platform (as tests/e2e starts it), ways to break its
processes, and the figures table every scenario adds its row to (docs/reliability.md)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from cim import platform
from tests.e2e.conftest import _platform
from tests.faults import report

# Retries wide enough to ride out a restart (8 x 0.5 s would not cover a broker restart); the
# outbox polls often so a drained outbox is seen quickly.
SETTINGS = {"CIM_RETRY_LIMIT": "12", "CIM_RETRY_DELAY_MS": "1000", "CIM_OUTBOX_POLL_MS": "200"}


# The fault tier runs in a pytest process of its own: `bin/test` (and so CI) runs it after the
# other tiers with CIM_FAULTS=1, so the e2e suite's session platforms are gone by then. A run that
# names tests/faults (or one of its files) collects the scenarios too; any other run (the default
# tiers' own process) collects only the table's format test.
SCENARIOS = [
    "test_broker.py",
    "test_database.py",
    "test_duplicates.py",
    "test_kill.py",
    "test_mail.py",
    "test_quorum.py",
    "test_stop.py",
]
HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    if collection_path.name not in SCENARIOS or Path(collection_path).resolve().parent != HERE:
        return None
    if os.environ.get("CIM_FAULTS") == "1":
        return None
    named = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    return True if not any(path == HERE or HERE in path.parents for path in named) else None


SCENARIO_TIMEOUT_S = 900  # a batch with a fault in it (and a platform start) outlasts the usual 300


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SCENARIO_TIMEOUT_S))


@pytest.fixture(scope="session")
def faults_platform(tmp_path_factory):
    yield from _platform(tmp_path_factory, on_sqlite=False, **SETTINGS)


@pytest.fixture(scope="module")
def quorum_platform(tmp_path_factory):
    yield from _platform(tmp_path_factory, on_sqlite=False, queue_type="quorum", **SETTINGS)


def pid_of(platform_, service: str) -> int:
    return int((platform_.layout.pids / f"{service}.pid").read_text())


def kill9(platform_, service: str):
    """SIGKILL to the service's process group: no clean-up, no acknowledgement, no goodbye."""
    os.killpg(pid_of(platform_, service), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while platform.running(platform_.layout, service) and time.monotonic() < deadline:
        _reap(pid_of(platform_, service))
        time.sleep(0.1)
    assert not platform.running(platform_.layout, service), f"{service} survived SIGKILL"


def _reap(pid: int):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def restart(platform_, service: str, timeout: float = 120, env: dict | None = None):
    """Start the service again as the platform started it (or with `env`), wait for /health."""
    platform.start_service(service, platform_.layout, env or platform_.env, platform_.ports[service])
    platform.wait_healthy({service: platform_.ports[service]}, timeout=timeout, layout=platform_.layout)


def wait_all_healthy(platform_, timeout: float = 180):
    """Every service healthy again; else the failure says why, from the logs of the ones down."""
    try:
        return platform.wait_healthy(platform_.ports, timeout=timeout, layout=platform_.layout)
    except TimeoutError as exc:
        down = [name for name in platform_.ports if not platform.running(platform_.layout, name)]
        tails = "\n".join(
            f"--- {name}.log\n" + (platform_.layout.logs / f"{name}.log").read_text(errors="replace")[-4000:]
            for name in down
        )
        raise AssertionError(f"{exc}\n{tails}") from None


@pytest.fixture(scope="session")
def figures():
    """Scenario rows, written into docs/reliability.md when the session ends."""
    rows = []
    yield rows
    if rows:
        report.write(rows)


def pytest_terminal_summary(terminalreporter):
    table = report.LAST_TABLE
    if table:
        terminalreporter.write_sep("-", "fault suite figures (docs/reliability.md)")
        terminalreporter.write_line(table)
