"""An RPC request's id is claimed in the transaction of the change it makes (shared.db.RequestClaim),
so a delivery of it that comes back after the process which applied it died (kill -9 between the
commit and the acknowledgement) is not run again (shared.rpc_entrypoint; decision 21).

First the unit of work on its own (PostgreSQL and SQLite): a change claims, a read does not, one
worker claims once, and a second delivery's change is refused and rolled back. Then the
entrypoint on a real broker: registration applies a request, a fresh process (no memory of its
replies) gets the same request redelivered, and does not run it; a redelivered request that was
never applied runs.
"""

from __future__ import annotations

import logging
import time
import uuid

import kombu
import pytest
import sqlalchemy as sa

from services.registration import orm as registration_orm
from services.registration.service import RegistrationService
from shared.db import MESSAGING_TABLES, AlreadyHandled, RequestClaim, UnitOfWork, create_engine, make_session_factory
from tests.helpers import migrate, wait_until

STUDENT = {"issuer": "cim-dev", "subject": "s-claims", "role": "student"}
REQUEST = {"programme": "MBIOM", "expected_graduation": "2027-06", "language": "en", "name": "Ada", "email": "a@x.org"}


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = request.getfixturevalue("database_url") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'r.db'}"
    migrate("registration", url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def _claims(engine) -> list:
    table = MESSAGING_TABLES["processed_events"]
    with engine.connect() as conn:
        return conn.execute(sa.select(table.c.consumer, table.c.event_id).order_by(table.c.event_id)).all()


def _programmes(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM programmes WHERE code LIKE 'CLAIM%'")).scalar()


def _uow(engine, claim):
    return UnitOfWork(
        make_session_factory(engine), "registration", repository=registration_orm.Repository, request=claim
    )


def _add_programme(uow, code):
    uow.session.execute(sa.text("INSERT INTO programmes (code, name_en, name_sv) VALUES (:c, 'x', 'x')"), {"c": code})


def test_a_change_claims_its_request_a_read_does_not_and_a_second_delivery_is_refused(engine):
    read = RequestClaim("registration.rpc", "req-read")
    with _uow(engine, read) as uow:
        uow.session.execute(sa.text("SELECT count(*) FROM programmes")).scalar()
    assert _claims(engine) == [] and not read.claimed

    first = RequestClaim("registration.rpc", "req-1")
    with _uow(engine, first) as uow:
        _add_programme(uow, "CLAIM1")
    with _uow(engine, first) as uow:  # the same worker's next change: claimed already, not again
        _add_programme(uow, "CLAIM2")
    assert _claims(engine) == [("registration.rpc", "req-1")] and first.claimed

    again = RequestClaim("registration.rpc", "req-1")  # the request delivered again, to another process
    with pytest.raises(AlreadyHandled):
        with _uow(engine, again) as uow:
            _add_programme(uow, "CLAIM3")
    assert _programmes(engine) == 2  # the second delivery's change rolled back with its claim


# --- the entrypoint, on a real broker ---------------------------------------------------------


class Caller:
    """A client of the registration service speaking nameko's RPC wire format through kombu, with
    correlation ids of its choosing."""

    def __init__(self, amqp_uri: str):
        self.connection = kombu.Connection(amqp_uri)
        self.exchange = kombu.Exchange("nameko-rpc", type="topic", durable=True)
        self.reply_to = f"claims-replies-{uuid.uuid4().hex[:8]}"
        self.replies = kombu.Queue(self.reply_to, self.exchange, routing_key=self.reply_to, auto_delete=True)
        self.replies(self.connection.default_channel).declare()
        self.received: dict[str, dict] = {}

    def send(self, correlation_id: str, *args):
        with kombu.Producer(self.connection.default_channel) as producer:
            producer.publish(
                {"args": list(args), "kwargs": {}},
                exchange=self.exchange,
                routing_key="registration.register",
                serializer="json",
                reply_to=self.reply_to,
                correlation_id=correlation_id,
                declare=[self.exchange],
            )

    def reply(self, correlation_id: str, timeout: float):
        """The reply to `correlation_id` (the others received meanwhile are kept for their turn)."""
        channel = self.connection.channel()
        try:
            deadline = time.monotonic() + timeout  # a real clock: a slow machine gets the whole timeout
            while correlation_id not in self.received and time.monotonic() < deadline:
                message = self.replies(channel).get(no_ack=True)
                if message is None:
                    time.sleep(0.1)
                else:
                    self.received[message.properties.get("correlation_id")] = message.payload
            return self.received.pop(correlation_id, None)
        finally:
            channel.close()

    def take_back(self, rpc_queue: str, count: int):
        """Take `count` requests off the service's queue without acknowledging them, and let go:
        the broker puts them back marked redelivered, as when the process holding them died."""
        with kombu.Connection(self.connection.as_uri(include_password=True)) as other:
            queue = kombu.Queue(rpc_queue, channel=other.default_channel)
            for _ in range(count):
                message = wait_until(lambda: queue.get(no_ack=False), timeout=10, message="the request queued")
                assert not message.delivery_info.get("redelivered")

    def close(self):
        self.connection.release()


def test_a_request_redelivered_after_the_process_that_applied_it_died_is_not_run_again(
    start_service, service_config, database_url, caplog
):
    caplog.set_level(logging.INFO, logger="shared.rpc_entrypoint")
    caller = Caller(service_config["AMQP_URI"])
    try:
        first = start_service(RegistrationService)
        applied = str(uuid.uuid4())
        caller.send(applied, STUDENT, REQUEST)
        reply = caller.reply(applied, timeout=30)
        assert reply is not None, "no reply from registration within 30 s"
        assert reply["error"] is None and reply["result"]["status"] == "registered", reply
        first.stop()  # its memory of the reply goes with it, as with a kill -9

        caller.send(applied, STUDENT, REQUEST)  # the same request, back on the queue...
        never = str(uuid.uuid4())
        caller.send(never, {**STUDENT, "subject": "s-other"}, REQUEST)
        caller.take_back("rpc-registration", 2)  # ...and redelivered, with one never applied
        start_service(RegistrationService)  # a new process: it knows no reply
        reply = caller.reply(never, timeout=30)
        assert reply is not None and reply["result"]["status"] == "registered", reply  # never applied: run
        assert caller.reply(applied, timeout=3) is None  # no 409 "already registered" for a request made once
        wait_until(lambda: "not run again" in caplog.text, timeout=20, message="the applied request dropped")
    finally:
        caller.close()
    engine = create_engine(database_url)
    try:
        assert len(_claims(engine)) == 2
    finally:
        engine.dispose()
