"""The campus edge's batches with a real broker and database: many events per transaction, and
still commit-before-ack, dedupe by (source, id) and each poison event dead-lettered alone.

The queue is filled before the edge starts, so the batches are full ones (the linger is long
here): the number of transactions then follows from the number of events and the batch size.
"""

import json
import math

import amqp.channel
import eventlet
import pytest
import sqlalchemy as sa
from eventlet.event import Event
from kombu import Connection
from sqlalchemy.orm import Session

from services.campus import handlers
from services.campus.service import CampusService
from shared.campus import contract
from shared.campus.amqp import campus_exchange, campus_queue
from shared.messaging import ATTEMPTS_HEADER
from shared.topology import queue_type
from tests.builders.campus import a_campus_event, binary_headers
from tests.helpers import rows, wait_until
from tests.service.test_campus_edge import dead_letters

BATCH = 100
SETTINGS = {"CIM_CAMPUS_ISSUER": "cim-dev", "CIM_INGEST_BATCH": str(BATCH), "CIM_INGEST_LINGER_MS": "3000"}
STRUCTURED = "application/cloudevents+json; charset=utf-8"


@pytest.fixture
def commits():
    """Every transaction a session commits in this process (the edge's units of work)."""
    counted = []

    def count(session):
        counted.append(session)

    sa.event.listen(Session, "after_commit", count)
    yield counted
    sa.event.remove(Session, "after_commit", count)


def fill(config, messages):
    """Put (body, content type, headers) messages on the lms queue before the edge consumes it."""
    with Connection(config["AMQP_URI"]) as conn:
        channel = conn.channel()
        exchange = campus_exchange("lms")(channel)
        exchange.declare()
        campus_queue("lms", "campus", queue_type("campus", config))(channel).declare()
        producer = conn.Producer(channel)
        for body, content_type, headers in messages:
            producer.publish(
                body,
                exchange=exchange,
                routing_key="campus.lms",
                content_type=content_type,
                content_encoding="utf-8",
                headers=headers,
                delivery_mode=2,
            )


def left_on_the_queue(config) -> int:
    with Connection(config["AMQP_URI"]) as conn:
        queue = campus_queue("lms", "campus", queue_type("campus", config))(conn.channel())
        return queue.queue_declare(passive=True).message_count


def structured(event: dict):
    return json.dumps(event).encode(), STRUCTURED, {}


def enrolments(n: int, prefix: str = "s") -> list[dict]:
    return [a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref=f"{prefix}-{i}") for i in range(n)]


def stored(database_url) -> list:
    return rows(database_url, "SELECT source, event_id FROM inbound_events")


def outbox(database_url) -> list:
    return rows(database_url, "SELECT correlation_id FROM outbox")


def test_a_batch_with_poison_and_duplicates_stores_every_valid_event_once(
    start_service, service_config, database_url, commits
):
    valid = enrolments(290)
    breach = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="p-1", expected_graduation="June")
    unknown = {**a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="p-2"), "type": "campus.lms.x.v1"}
    no_id = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="p-3")
    del no_id["id"]
    poison = {"breaks the schema": breach, "unknown type": unknown, "missing CloudEvents attribute": no_id}
    messages = [structured(e) for e in valid]
    # duplicates interleaved: seven resent as they were, and the same events in binary mode
    for at, event in zip((5, 40, 77, 150, 151, 230, 288), valid[::41]):
        messages.insert(at, structured(event))
    messages.insert(120, (json.dumps(valid[3]["data"]).encode(), "application/json", binary_headers(valid[3])))
    for at, event in zip((10, 140, 260), poison.values()):
        messages.insert(at, structured(event))
    assert len(messages) == 301
    fill(service_config, messages)

    container = start_service(CampusService, **SETTINGS)
    wait_until(lambda: len(stored(database_url)) == 290, timeout=60, message="every valid event stored")
    letters = wait_until(lambda: dead_letters(service_config["AMQP_URI"]), message="the poison dead-lettered")
    wait_until(lambda: len(outbox(database_url)) == 290, message="one translation each")
    eventlet.sleep(0.5)  # anything late would show now
    container.stop()  # what was not acked goes back to the queue

    assert left_on_the_queue(service_config) == 0  # nothing lost, nothing left unacked
    assert sorted(stored(database_url)) == sorted((e["source"], e["id"]) for e in valid)
    assert sorted(r[0] for r in outbox(database_url)) == sorted(f"campus:{e['source']}:{e['id']}" for e in valid)
    letters += dead_letters(service_config["AMQP_URI"])
    assert len(letters) == 3
    for letter in letters:  # each alone, at once, with its reason, kept as sent
        assert letter.headers[ATTEMPTS_HEADER] == 1
        body = letter.body.encode() if isinstance(letter.body, str) else letter.body
        [(reason, event)] = [(r, e) for r, e in poison.items() if json.dumps(e).encode() == body]
        assert reason in letter.headers["x-cim-error"]
        assert letter.headers["x-cim-event-id"] == event.get("id", "")
    # 298 usable deliveries in batches of 100: three transactions, not one per event
    assert len(commits) == math.ceil(298 / BATCH) == 3


@pytest.mark.parametrize("n", [40, 250])
def test_the_transactions_follow_the_batches_not_the_events(start_service, service_config, database_url, commits, n):
    fill(service_config, [structured(e) for e in enrolments(n)])
    start_service(CampusService, **SETTINGS)
    wait_until(lambda: len(outbox(database_url)) == n, timeout=60, message="all stored")
    eventlet.sleep(0.5)
    assert len(commits) == math.ceil(n / BATCH)  # 1 for 40 events, 3 for 250


@pytest.fixture
def ack_frames(monkeypatch):
    """Every basic.ack this process sends: (delivery tag, multiple)."""
    sent, real = [], amqp.channel.Channel.basic_ack

    def basic_ack(channel, delivery_tag, multiple=False, **kwargs):
        sent.append((delivery_tag, multiple))
        return real(channel, delivery_tag, multiple=multiple, **kwargs)

    monkeypatch.setattr(amqp.channel.Channel, "basic_ack", basic_ack)
    return sent


@pytest.mark.parametrize("n", [40, 250])
def test_a_committed_batch_is_acked_with_one_frame(start_service, service_config, database_url, ack_frames, n):
    fill(service_config, [structured(e) for e in enrolments(n)])
    # one worker: the batches commit in the order they came, so none waits behind another
    start_service(CampusService, **SETTINGS, max_workers=1)
    wait_until(lambda: len(outbox(database_url)) == n, timeout=60, message="all stored")
    wait_until(lambda: left_on_the_queue(service_config) == 0, message="all acked")
    # one frame per batch, at its last delivery: 40 -> [40]; 250 -> [100, 200, 250]
    assert ack_frames == [(min(top, n), True) for top in range(BATCH, n + BATCH, BATCH)]


class FirstBatchLast(CampusService):
    """The edge whose first batch (s-0 ...) holds its transaction open until the second committed."""

    second_committed: Event

    def _receive_batch(self, events):
        first = events[0].values["student_ref"] == "s-0"
        with self.db.unit_of_work() as uow:
            handlers.receive_many(uow, events=events, channel="amqp", issuer=self.policy.issuer)
            if first:
                with eventlet.Timeout(20):
                    FirstBatchLast.second_committed.wait()
        if not first:
            FirstBatchLast.second_committed.send(True)


def test_a_batch_committed_before_an_earlier_one_is_acked_with_it(
    start_service, service_config, database_url, ack_frames, commits
):
    FirstBatchLast.second_committed = Event()
    fill(service_config, [structured(e) for e in enrolments(2 * BATCH)])
    start_service(FirstBatchLast, **SETTINGS)
    wait_until(lambda: len(outbox(database_url)) == 2 * BATCH, timeout=60, message="all stored")
    wait_until(lambda: left_on_the_queue(service_config) == 0, message="all acked")
    assert len(commits) == 2  # both batches committed, the second one first
    # the second batch's ack waited for the first: one frame settles both, no ack per message
    assert ack_frames == [(2 * BATCH, True)]


def test_a_poison_the_checks_cannot_see_fails_its_batch_and_only_itself(
    start_service, service_config, database_url, commits
):
    valid = enrolments(30)
    # a source longer than the log's column: valid CloudEvents, refused by the database
    too_long = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="p-long", source="urn:" + "x" * 400)
    messages = [structured(e) for e in valid]
    messages.insert(12, structured(too_long))
    fill(service_config, messages)
    start_service(CampusService, **SETTINGS, CIM_RETRY_LIMIT="1")
    wait_until(lambda: len(stored(database_url)) == 30, timeout=60, message="the others stored")
    [letter] = wait_until(lambda: dead_letters(service_config["AMQP_URI"]), message="the poison dead-lettered")
    assert letter.headers["x-cim-event-id"] == too_long["id"]
    assert "too long" in letter.headers["x-cim-error"]
    assert len(outbox(database_url)) == 30
    # the batch failed as a whole; then each of its 31 events ran alone and 30 committed
    assert len(commits) == 30


class Held:
    """Where the crashing edge stops inside (or just after) its transaction."""

    reached: Event
    release: Event


class CrashingCampusService(CampusService):
    """The edge, stopped in each batch before or after the commit (then the test kills it)."""

    crash_point = "before commit"

    def _receive_batch(self, events):
        with self.db.unit_of_work() as uow:
            handlers.receive_many(uow, events=events, channel="amqp", issuer=self.policy.issuer)
            if self.crash_point == "before commit":
                self._hold()  # killed here: the transaction never commits
        self._hold()  # killed here: committed, never acked

    @staticmethod
    def _hold():
        if not Held.reached.ready():
            Held.reached.send(True)
        Held.release.wait()


@pytest.mark.parametrize("crash_point", ["before commit", "after commit"])
def test_a_crash_in_a_batch_acks_nothing_and_the_redelivery_is_applied_once(
    start_service, service_config, database_url, crash_point
):
    Held.reached, Held.release = Event(), Event()
    CrashingCampusService.crash_point = crash_point
    events = enrolments(150)
    fill(service_config, [structured(e) for e in events])
    # a linger longer than the test: the first batch of 100 is the only one that starts
    crashing = start_service(CrashingCampusService, **{**SETTINGS, "CIM_INGEST_LINGER_MS": "600000"})
    with eventlet.Timeout(30):
        Held.reached.wait()
    assert len(stored(database_url)) == (BATCH if crash_point == "after commit" else 0)
    crashing.kill()  # the process dies: its unacked messages return to the queue
    wait_until(lambda: left_on_the_queue(service_config) == 150, message="all 150 back on the queue, none acked")

    start_service(CampusService, **SETTINGS)
    wait_until(lambda: left_on_the_queue(service_config) == 0 and len(outbox(database_url)) == 150, timeout=60)
    eventlet.sleep(0.5)
    assert sorted(stored(database_url)) == sorted((e["source"], e["id"]) for e in events)
    assert len(outbox(database_url)) == 150  # once each, the committed batch included
