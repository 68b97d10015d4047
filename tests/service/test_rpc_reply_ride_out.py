"""An RPC whose reply meets the broker away (shared.rpc_entrypoint): the container lives on.

The service reaches the broker through a TCP proxy (`BrokerLink`) that the test cuts while a
call is in the worker; the caller talks to the broker directly. With nameko's own `@rpc` the
reply's failed publish kills the container; here the reply is published once the link is back
(or dropped after its ride-out) and the service answers the next call. The request, whose
channel died unacknowledged, is delivered to the service once more: it is answered with the first
reply, and the method does not run twice (shared.rpc_replies).
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import eventlet
import pytest
from eventlet.event import Event

from shared import rpc_entrypoint
from shared.messaging import ClusterRpcProxy
from shared.rpc_entrypoint import rpc
from tests.helpers import wait_until
from tests.service.test_delivery_guarantees import BrokerLink

CALLS: list[str] = []
GATE: dict[str, Event] = {}


class HeldReplies:
    """`hold(key)` waits for the test's word the first time it is called with `key`."""

    name = "held_replies"

    @rpc
    def hold(self, key):
        CALLS.append(key)
        if CALLS.count(key) == 1 and key in GATE:
            GATE["entered"].send(key)
            GATE[key].wait()
        return f"done {key}"


@pytest.fixture
def held(container_factory, rabbit_config):
    CALLS.clear()
    GATE.clear()
    real = urlparse(rabbit_config["AMQP_URI"])
    link = BrokerLink(real.hostname, real.port or 5672)
    link.restore()
    proxied = rabbit_config["AMQP_URI"].replace(f"{real.hostname}:{real.port or 5672}", f"127.0.0.1:{link.port}")
    container = container_factory(HeldReplies, {**rabbit_config, "AMQP_URI": proxied})
    container.start()
    proxy = ClusterRpcProxy(rabbit_config, timeout=60)  # the caller's connection is not cut
    try:
        yield container, link, proxy.start()
    finally:
        proxy.stop()
        link.restore()
        container.stop()  # before the link goes: a consumer left behind it reconnects forever
        link.close()


def _cut_while_in_the_worker(link, service, key):
    GATE["entered"], GATE[key] = Event(), Event()
    reply = service.held_replies.hold.call_async(key)
    assert GATE["entered"].wait() == key
    link.cut()  # the service's connections broken while the worker holds the call
    GATE[key].send()  # the worker returns; its reply meets no broker
    return reply


def _alive(container) -> bool:
    return not container._died.ready()  # nameko sets it when the container is killed


def test_a_reply_that_meets_a_cut_connection_is_published_when_the_link_returns(held):
    container, link, service = held
    reply = _cut_while_in_the_worker(link, service, "a")
    eventlet.sleep(3)  # the reply keeps trying meanwhile
    assert _alive(container)
    link.restore()
    assert reply.result() == "done a"  # the late reply, or the redelivered request's
    assert _alive(container)
    assert service.held_replies.hold("b") == "done b"  # within the proxy's 60 s
    assert _alive(container) and "a" in CALLS


def test_a_reply_the_broker_never_takes_is_dropped_and_the_container_lives_on(held, monkeypatch):
    container, link, service = held
    monkeypatch.setattr(rpc_entrypoint, "REPLY_RIDE_OUT_S", 4.0)
    _cut_while_in_the_worker(link, service, "a")
    # nameko's own publisher would have given up (and killed the container) within this time
    wait_until(lambda: not container._worker_threads, timeout=30, message="the worker finished")
    eventlet.sleep(12)
    assert _alive(container), "the container died of an unpublishable reply"
    link.restore()
    assert service.held_replies.hold("b") == "done b"  # within the proxy's 60 s
    assert _alive(container)


def test_a_request_delivered_again_after_the_cut_is_answered_with_its_first_reply_not_run_again(held, caplog):
    container, link, service = held
    caplog.set_level(logging.INFO, logger="shared.rpc_entrypoint")
    reply = _cut_while_in_the_worker(link, service, "a")
    eventlet.sleep(1)
    link.restore()
    assert reply.result() == "done a"
    wait_until(  # the broker delivers the unacknowledged request again: answered, or run again
        lambda: "delivered again: answered with its first reply" in caplog.text or CALLS.count("a") > 1,
        timeout=30,
        message="the broker delivered the unacknowledged request again",
    )
    assert CALLS.count("a") == 1, CALLS
    assert service.held_replies.hold("b") == "done b"
    assert _alive(container)
