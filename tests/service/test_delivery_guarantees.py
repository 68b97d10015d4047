"""The platform's delivery guarantees, with a real broker and PostgreSQL.

- a handler that keeps failing is retried a bounded number of times, then dead-lettered with its
  error, and later messages keep flowing;
- malformed messages are dead-lettered at once, not looped;
- a duplicate delivery applies its effect once;
- the broker being down between a state change and its publication loses nothing.
"""

import json
import uuid

import eventlet
import pytest
import sqlalchemy as sa
from eventlet.green import socket
from kombu import Connection

from shared.db import UnitOfWork, create_engine, make_session_factory, utcnow
from shared.dependencies import Database
from shared.messaging import ATTEMPTS_HEADER, dead_letter_topology, on_event
from shared.outbox import OutboxRelay
from tests.helpers import EventTap, migrate, publish_event, publish_raw, rows, wait_until
from shared.events import STUDENT_REGISTERED

FAILING_NAME = "Always Fails"


def _record_effect(uow, data):
    if data["name"] == FAILING_NAME:
        raise RuntimeError(f"cannot handle {data['student_id']}")
    uow.session.execute(sa.text("INSERT INTO effects (student_id) VALUES (:s)"), {"s": data["student_id"]})


class ListeningService:
    """A consumer of student.registered.v1 whose effect is one row in `effects`."""

    name = "listening"
    db = Database()

    @on_event(STUDENT_REGISTERED)
    def on_student_registered(self, event):
        self.db.consume(event, _record_effect)


def _student(name="Karin Boye", student_id=None):
    return {
        "student_id": student_id or str(uuid.uuid4()),
        "name": name,
        "email": "karin@example.org",
        "programme": {"code": "MBIOM", "name_en": "Biomedicine", "name_sv": "Biomedicin"},
        "expected_graduation": "2027-06",
        "language": "en",
        "registered_at": utcnow(),
    }


@pytest.fixture
def listening(container_factory, service_config, database_url):
    migrate("registration", database_url)  # any service schema: it brings the messaging tables
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE effects (id serial PRIMARY KEY, student_id text)"))
    engine.dispose()
    config = {**service_config, "CIM_RETRY_LIMIT": "3"}
    container = container_factory(ListeningService, config)
    container.start()
    return container


def _dead_letters(amqp_uri):
    found = []
    with Connection(amqp_uri) as conn:
        _, queue = dead_letter_topology()
        queue = queue(conn.channel())
        queue.declare()
        while (message := queue.get(no_ack=True)) is not None:
            found.append(message)
    return found


def _effects(database_url):
    return [r[0] for r in rows(database_url, "SELECT student_id FROM effects ORDER BY id")]


def test_a_failing_handler_is_retried_then_dead_lettered_and_later_messages_flow(
    listening, service_config, database_url
):
    amqp = service_config["AMQP_URI"]
    bad = publish_event(amqp, "student.registered.v1", _student(FAILING_NAME), "registration")
    good = _student()
    publish_event(amqp, "student.registered.v1", good, "registration")

    wait_until(lambda: _effects(database_url) == [good["student_id"]], message="the good event")
    letters = wait_until(lambda: _dead_letters(amqp), message="a dead letter")
    assert len(letters) == 1
    letter = letters[0]
    assert json.loads(letter.body)["event_id"] == bad["event_id"]
    assert letter.headers[ATTEMPTS_HEADER] == 3
    assert "RuntimeError: cannot handle" in letter.headers["x-cim-error"]
    assert letter.headers["x-cim-original-queue"] == (
        "evt-registration-student.registered.v1--listening.on_student_registered"
    )
    # the failing effect was rolled back every time, and its claim with it
    assert rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e", e=bad["event_id"])[0][0] == 0


def test_malformed_messages_are_dead_lettered_at_once(listening, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    publish_raw(amqp, "registration", "student.registered.v1", b"{not json", "application/json")
    publish_raw(
        amqp,
        "registration",
        "student.registered.v1",
        json.dumps(
            {
                "event_id": str(uuid.uuid4()),
                "event_type": "student.registered.v1",
                "occurred_at": utcnow().isoformat(),
                "producer": "registration",
                "correlation_id": "c",
                "data": {"student_id": 7},
            }
        ).encode(),
        "application/json",
    )
    good = _student()
    publish_event(amqp, "student.registered.v1", good, "registration")

    wait_until(lambda: _effects(database_url) == [good["student_id"]], message="the good event")
    letters = []
    wait_until(lambda: letters.extend(_dead_letters(amqp)) or len(letters) >= 2, message="two dead letters")
    errors = sorted(letter.headers["x-cim-error"] for letter in letters)
    assert all(letter.headers[ATTEMPTS_HEADER] == 1 for letter in letters)
    assert any("MalformedEvent" in error and "student_id" in error for error in errors)
    assert any("undecodable" in error for error in errors)


def test_a_duplicate_delivery_applies_its_effect_once(listening, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    student = _student()
    event = publish_event(amqp, "student.registered.v1", student, "registration")
    publish_event(amqp, "student.registered.v1", student, "registration", event_id=event["event_id"])
    marker = _student()
    publish_event(amqp, "student.registered.v1", marker, "registration")
    wait_until(lambda: marker["student_id"] in _effects(database_url), message="the marker")
    eventlet.sleep(0.5)
    assert _effects(database_url).count(student["student_id"]) == 1


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed or never connected


class BrokerLink:
    """A TCP proxy to the real broker that can be cut and restored: the broker 'goes down'."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(50)
        self.port = self.server.getsockname()[1]
        self.up = False
        self.pipes = []
        self.pumps = []
        self._acceptor = eventlet.spawn(self._accept)

    def _accept(self):
        while True:
            client, _ = self.server.accept()
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.pipes += [client, upstream]
            self.pumps += [eventlet.spawn(self._pump, client, upstream), eventlet.spawn(self._pump, upstream, client)]

    @staticmethod
    def _pump(source, sink):
        """One direction of one connection. A socket is closed only by the pump that reads it:
        closing it under another green thread's blocked read leaves the hub a listener on a file
        descriptor that the next pipe or socket opened in this process gets ("second simultaneous
        read"). The other direction is woken by a shutdown, sees the end, and closes its own."""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, EOFError):
            pass  # the link was cut
        finally:
            for s in (source, sink):
                _shut(s)
            source.close()

    def cut(self):
        self.up = False
        for pipe in self.pipes:
            _shut(pipe)  # each pump sees the end of its socket and closes it
        self.pipes = []

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        for pump in self.pumps:
            pump.kill()
        self._acceptor.kill()
        self.server.close()


def test_events_committed_while_the_broker_is_down_are_published_when_it_returns(rabbit_config, database_url):
    from urllib.parse import urlparse

    migrate("registration", database_url)
    real = urlparse(rabbit_config["AMQP_URI"])
    link = BrokerLink(real.hostname, real.port or 5672)
    proxied = rabbit_config["AMQP_URI"].replace(f"{real.hostname}:{real.port or 5672}", f"127.0.0.1:{link.port}")
    engine = create_engine(database_url)
    relay = OutboxRelay(engine, proxied, poll_interval=0.1)
    tap = EventTap(rabbit_config["AMQP_URI"], [("registration", "student.#")])
    relay.start()
    try:
        student = _student()
        with UnitOfWork(make_session_factory(engine), "registration", on_commit=relay.wake) as uow:
            uow.publish("student.registered.v1", student)
            uow.commit()
        eventlet.sleep(1.0)  # the relay tries, and fails, while the broker is unreachable
        assert relay.pending_count() == 1
        attempts = rows(database_url, "SELECT attempts, published_at FROM outbox")
        assert attempts[0][1] is None

        link.restore()
        event = tap.wait_for("student.registered.v1", timeout=20)[0]
        assert event["data"]["student_id"] == student["student_id"]
        wait_until(lambda: relay.pending_count() == 0, message="the row marked sent")
    finally:
        relay.stop()
        link.close()
        tap.close()
        engine.dispose()
