"""The service tests that exercise delivery (retries, dead letters, duplicates, the campus edge,
the consumers of every service) run once more with the platform's queues declared as quorum
queues, as production declares them (`CIM_QUEUE_TYPE=quorum`; RPC reply queues stay classic).

A separate pytest process, so the setting is read from the start, as a deployment reads it.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ON_QUORUM = [
    "tests/service/test_delivery_guarantees.py",
    "tests/service/test_campus_edge.py",
    "tests/service/test_registration_service.py",
    "tests/service/test_activities_service.py",
    "tests/service/test_approvals_service.py",
    "tests/service/test_ceremony_service.py",
    "tests/service/test_notifications_service.py",
]


def test_the_delivery_tests_pass_with_the_platforms_queues_declared_as_quorum():
    env = {**os.environ, "CIM_QUEUE_TYPE": "quorum"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ON_QUORUM],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    summary = run.stdout.strip().splitlines()[-1:] or ["(no output)"]
    assert run.returncode == 0, "\n".join(run.stdout.splitlines()[-40:]) + run.stderr[-2000:]
    assert " passed" in summary[0] and "failed" not in summary[0], summary
