"""The broker going away under load: restarted (`rabbitmqctl stop_app` / `start_app`), or one
service's connection cut by a TCP proxy. Every service reconnects by itself, the outboxes
drain, health returns, nothing is lost."""

import subprocess
import time
from urllib.parse import urlparse

from cim import platform
from tests.faults import scenario
from tests.faults.conftest import restart, wait_all_healthy
from tests.service.test_delivery_guarantees import BrokerLink

BROKER_DOWN_S = 5


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def test_a_broker_restart_under_load_loses_nothing_and_every_service_comes_back(faults_platform, figures):
    died = []

    def fault():
        try:
            _rabbitmqctl("stop_app")
            time.sleep(BROKER_DOWN_S)
        finally:
            _rabbitmqctl("start_app")  # whatever happened, the machine's broker comes back
        try:
            wait_all_healthy(faults_platform)
        except AssertionError as exc:  # a service that did not come back by itself
            died.append(str(exc)[-3000:])
            for name in faults_platform.ports:  # started again, so the batch and suite go on
                if not platform.running(faults_platform.layout, name):
                    restart(faults_platform, name)

    result = scenario.run(faults_platform, figures, "broker restart (stop_app/start_app)", fault)
    assert not died, f"not every service reconnected by itself: {died[0]}"
    assert wait_all_healthy(faults_platform)
    assert result.holds(), result.summary()


def test_a_cut_broker_connection_is_reconnected_and_loses_nothing(faults_platform, figures):
    service = "approvals"
    real = urlparse(faults_platform.amqp_uri)
    link = BrokerLink(real.hostname, real.port or 5672)
    link.restore()
    proxied = faults_platform.amqp_uri.replace(f"{real.hostname}:{real.port or 5672}", f"127.0.0.1:{link.port}")
    platform.stop(faults_platform.layout, service)
    restart(faults_platform, service, env={**faults_platform.env, "AMQP_URI": proxied})

    def fault():
        link.cut()  # every connection of the service to the broker broken at once
        time.sleep(BROKER_DOWN_S)
        link.restore()

    try:
        result = scenario.run(faults_platform, figures, f"broker connection of {service} cut", fault)
    finally:
        platform.stop(faults_platform.layout, service)
        restart(faults_platform, service)
        link.close()
    assert result.holds(), result.summary()
