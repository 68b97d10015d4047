"""The outbox relay's publishing with a real broker: a pass goes out back to back and its
confirms are awaited together; what the broker refuses (basic.nack) stays in the outbox with
its reason and goes on a later pass; a connection the broker closed is made again.

The broker refuses for real: a queue with `x-max-length` and `x-overflow: reject-publish`
nacks what would overflow it.
"""

import json
import uuid

import amqp.connection
import pytest
from kombu import Connection, Exchange, Queue

from shared.confirms import ConfirmedPublisher, Outgoing
from shared.db import UnitOfWork, create_engine, make_session_factory
from shared.events import STUDENT_REGISTERED
from shared.outbox import OutboxRelay, RelayFailed
from tests.helpers import migrate, rows, wait_until
from tests.service.test_delivery_guarantees import _student


def a_queue(amqp_uri, exchange: str, max_length: int | None = None) -> Queue:
    arguments = {"x-max-length": max_length, "x-overflow": "reject-publish"} if max_length else {}
    queue = Queue(
        f"confirms-{uuid.uuid4().hex[:8]}",
        exchange=Exchange(exchange, type="topic", durable=True),
        routing_key="#",
        queue_arguments=arguments,
    )
    with Connection(amqp_uri) as conn:
        queue(conn.channel()).declare()
    return queue


def drained(amqp_uri, queue: Queue) -> list:
    got = []
    with Connection(amqp_uri) as conn:
        bound = queue(conn.channel())
        while (message := bound.get(no_ack=True)) is not None:
            got.append(message)
    return got


def messages(n: int, exchange: str = "confirms.test") -> list[Outgoing]:
    return [
        Outgoing(exchange, "thing.happened.v1", json.dumps({"n": i}), {"nameko.correlation_id": f"c-{i}"})
        for i in range(n)
    ]


def test_a_pass_is_written_to_the_socket_together_and_not_read_per_message(rabbit_config, monkeypatch):
    amqp_uri = rabbit_config["AMQP_URI"]
    a_queue(amqp_uri, "confirms.test")
    publisher = ConfirmedPublisher(amqp_uri)
    publisher.publish(messages(1))  # connected, the exchange declared
    reads, writes = [], []
    real_drain = amqp.connection.Connection.drain_events
    monkeypatch.setattr(
        amqp.connection.Connection,
        "drain_events",
        lambda self, *args, **kwargs: reads.append(1) or real_drain(self, *args, **kwargs),
    )
    transport = publisher._connection.connection.transport
    real_write = transport._write
    monkeypatch.setattr(transport, "_write", lambda data: writes.append(len(data)) or real_write(data))
    try:
        assert publisher.publish(messages(200)) == [None] * 200
        # the confirms are read as they come, in a few reads; nothing polls the socket per message
        assert 1 <= len(reads) < 50
        assert len(writes) == 1  # 200 messages' frames, one write
    finally:
        publisher.close()


def test_a_pass_is_confirmed_and_arrives_whole_and_in_order(rabbit_config):
    amqp_uri = rabbit_config["AMQP_URI"]
    queue = a_queue(amqp_uri, "confirms.test")
    publisher = ConfirmedPublisher(amqp_uri)
    try:
        assert publisher.publish(messages(300)) == [None] * 300
        assert publisher.publish(messages(5)) == [None] * 5  # the same channel, numbers go on
    finally:
        publisher.close()
    got = drained(amqp_uri, queue)
    assert [json.loads(m.body)["n"] for m in got] == list(range(300)) + list(range(5))
    first = got[0]
    assert first.content_type == "application/json" and first.headers["nameko.correlation_id"] == "c-0"
    assert first.properties["delivery_mode"] == 2


def test_what_the_broker_refuses_is_told_apart_from_what_it_confirmed(rabbit_config):
    amqp_uri = rabbit_config["AMQP_URI"]
    a_queue(amqp_uri, "confirms.test", max_length=5)
    publisher = ConfirmedPublisher(amqp_uri)
    try:
        outcomes = publisher.publish(messages(8))
    finally:
        publisher.close()
    assert outcomes[:5] == [None] * 5
    assert all("basic.nack" in outcome for outcome in outcomes[5:])


def test_a_connection_the_broker_closed_is_made_again(rabbit_config, rabbit_manager):
    amqp_uri = rabbit_config["AMQP_URI"]
    queue = a_queue(amqp_uri, "confirms.test")
    publisher = ConfirmedPublisher(amqp_uri)
    try:
        assert publisher.publish(messages(2)) == [None, None]
        wait_until(lambda: _close_connections(rabbit_manager, rabbit_config["vhost"]) > 0, message="closed")
        failed = publisher.publish(messages(3))
        assert all(outcome is not None for outcome in failed)  # not confirmed: kept for the next pass
        assert publisher.publish(messages(3)) == [None] * 3  # a fresh connection
    finally:
        publisher.close()
    assert len(drained(amqp_uri, queue)) >= 5


def _close_connections(rabbit_manager, vhost: str) -> int:
    """Close every connection to the test's vhost (the management API); how many there were."""
    found = [c for c in rabbit_manager.get_connections() if c.get("vhost") == vhost]
    for connection in found:
        rabbit_manager.delete_connection(connection["name"])
    return len(found)


@pytest.fixture
def registration_db(database_url):
    migrate("registration", database_url)
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def test_the_relay_marks_what_was_confirmed_and_keeps_what_was_refused_with_its_reason(
    rabbit_config, registration_db, database_url
):
    amqp_uri = rabbit_config["AMQP_URI"]
    capped = a_queue(amqp_uri, "registration.events", max_length=5)
    with UnitOfWork(make_session_factory(registration_db), "registration") as uow:
        for _ in range(8):
            uow.publish(STUDENT_REGISTERED, _student())
        uow.commit()
    relay = OutboxRelay(registration_db, amqp_uri, batch_size=100)
    try:
        assert relay.publish_pending() == 5
        kept = rows(database_url, "SELECT attempts, last_error FROM outbox WHERE published_at IS NULL ORDER BY id")
        assert len(kept) == 3 and all(a == 1 and "basic.nack" in e for a, e in kept)
        first = drained(amqp_uri, capped)
        _fill(amqp_uri, capped, 5)  # full again: a pass that gets nothing through fails (the relay backs off)
        with pytest.raises(RelayFailed, match="basic.nack"):
            relay.publish_pending()
        assert [a for (a,) in rows(database_url, "SELECT attempts FROM outbox WHERE published_at IS NULL")] == [2] * 3
        assert len(drained(amqp_uri, capped)) == 5  # only the fillers
        assert relay.publish_pending() == 3  # room again: the kept ones go, in order
        assert relay.pending_count() == 0
    finally:
        relay.stop()
    later = drained(amqp_uri, capped)
    ids = [json.loads(m.body)["data"]["student_id"] for m in first + later]
    stored = [
        json.loads(p)["data"]["student_id"] for (p,) in rows(database_url, "SELECT payload FROM outbox ORDER BY id")
    ]
    assert ids == stored  # each once, in the outbox's order
    assert later[0].headers["nameko.correlation_id"]


def _fill(amqp_uri, queue: Queue, n: int):
    with Connection(amqp_uri) as conn:
        producer = conn.Producer()
        for _ in range(n):
            producer.publish({"filler": True}, exchange="", routing_key=queue.name)
