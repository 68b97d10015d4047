"""SIGTERM mid-batch: the service finishes its in-flight work (certificates: renders) and stops
by itself within its grace period; after a restart nothing is missing or applied twice."""

import os
import signal
import time

import pytest

from tests.faults import scenario
from tests.faults.conftest import pid_of, restart

GRACE_S = 90  # terminationGracePeriodSeconds of the deployments (deploy/k8s)


@pytest.mark.parametrize("service", ["certificates", "approvals"])
def test_sigterm_mid_batch_finishes_in_flight_work_and_stops_within_the_grace_period(faults_platform, figures, service):
    stopped = {}

    def fault():
        pid, started = pid_of(faults_platform, service), time.monotonic()
        os.killpg(pid, signal.SIGTERM)
        while time.monotonic() - started < GRACE_S:
            done, status = os.waitpid(pid, os.WNOHANG)  # the suite started it: its child
            if done == pid:
                stopped.update(seconds=time.monotonic() - started, status=status)
                break
            time.sleep(0.1)
        restart(faults_platform, service)

    result = scenario.run(faults_platform, figures, f"SIGTERM {service}", fault)
    assert stopped, f"{service} still running {GRACE_S}s after SIGTERM"
    # it stopped by itself (nameko's graceful stop: in-flight workers finish), not killed
    assert os.WIFEXITED(stopped["status"]), f"{service} ended by signal: {stopped['status']}"
    print(f"{service} stopped {stopped['seconds']:.1f}s after SIGTERM")
    assert result.holds(), result.summary()
