"""kill -9 of each process mid-batch, then a restart: nothing lost, nothing applied twice."""

import time

import pytest

from tests.faults import scenario
from tests.faults.conftest import kill9, restart


SERVICES = ["registration", "activities", "approvals", "ceremony", "certificates", "notifications", "campus", "gateway"]
DOWN_S = 3  # how long the service stays dead: work piles up against it meanwhile


def _kill_and_restart(platform_, service):
    def fault():
        kill9(platform_, service)
        time.sleep(DOWN_S)
        restart(platform_, service)

    return fault


@pytest.mark.parametrize("service", SERVICES)
def test_kill_9_mid_batch_then_restart_loses_and_duplicates_nothing(faults_platform, figures, service):
    result = scenario.run(faults_platform, figures, f"kill -9 {service}", _kill_and_restart(faults_platform, service))
    assert result.holds(), result.summary()
