"""The health check's broker probe against the real broker: one kept connection for every
check, a broker that is gone reported as such, and the probe connecting again afterwards."""

import socket

from shared.health import BrokerProbe, broker_probe, broker_reachable
from tests.infra import amqp_uri


def test_every_health_check_reuses_one_broker_connection():
    probe = BrokerProbe(amqp_uri())
    results = [probe.check() for _ in range(20)]
    assert results == [(True, "ok")] * 20 and probe.connects == 1
    assert broker_probe(amqp_uri()) is broker_probe(amqp_uri())
    assert broker_reachable(amqp_uri()) == (True, "ok")


def test_a_broken_connection_is_reported_and_replaced_at_the_next_check():
    probe = BrokerProbe(amqp_uri())
    assert probe.check() == (True, "ok")
    probe.connection.connection.sock.shutdown(socket.SHUT_RDWR)  # the broker's side goes away
    ok, detail = probe.check()
    assert not ok and detail
    assert probe.check() == (True, "ok") and probe.connects == 2


def test_an_unreachable_broker_is_not_ready():
    ok, detail = BrokerProbe("amqp://guest:guest@127.0.0.1:1/", timeout=1).check()
    assert not ok and "Error" in detail
