"""Small helpers for service tests: migrate a service's database, listen to its events."""

from __future__ import annotations

import json
import time
import uuid

import sqlalchemy as sa
from kombu import Connection, Queue

from bench.queries import StatementCounter
from shared.events import make_event
from shared.migrations import upgrade
from shared.outbox import event_exchange


def migrate(service: str, database_url: str):
    upgrade(service, database_url)


def assert_certificate_pdf(pdf: bytes) -> bytes:
    """A certificate PDF as every one must be: effective version 1.7 (header, and no catalog
    /Version above it) and identified as PDF/A-3b in its XMP (pdfaid part 3, conformance B)."""
    from services.certificates.pdf_profile import ensure_pdf_a3b

    return ensure_pdf_a3b(bytes(pdf))


def assert_every_stored_certificate_pdf(database_url: str) -> int:
    """Every certificate PDF in the certificates database checked; how many there were."""
    documents = rows(database_url, "SELECT content FROM certificate_documents")
    for (content,) in documents:
        assert_certificate_pdf(content)
    return len(documents)


class RowCounter(StatementCounter):
    """Statements, and the rows the database returned for them (pg8000 reports a SELECT's rows
    as its rowcount; a list loaded whole, then cut, returns all of them)."""

    def __init__(self, engine):
        super().__init__(engine)
        self.rows = 0
        sa.event.listen(engine, "after_cursor_execute", self._rows)

    def _rows(self, conn, cursor, statement, *args):
        self.rows += max(cursor.rowcount, 0) if statement.lstrip().upper().startswith("SELECT") else 0

    def reset(self):
        super().reset()
        self.rows = 0


class EventTap:
    """A private queue bound to some producers' exchanges: what got published, in order."""

    def __init__(self, amqp_uri: str, bindings: list[tuple[str, str]]):
        self.conn = Connection(amqp_uri)
        self.queue = Queue(f"tap-{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True)
        channel = self.conn.channel()
        self.queue = self.queue(channel)
        self.queue.declare()
        for producer, routing_key in bindings:
            exchange = event_exchange(producer)(channel)
            exchange.declare()
            self.queue.bind_to(exchange=exchange, routing_key=routing_key)
        self.seen: list[dict] = []

    def wait_for(self, event_type: str, timeout: float = 15, count: int = 1) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.seen if e["event_type"] == event_type]
            if len(found) >= count:
                return found
            message = self.queue.get(no_ack=True)
            if message is None:
                time.sleep(0.05)
                continue
            self.seen.append(json.loads(message.body))
        raise AssertionError(f"no {event_type} within {timeout}s; saw {[e['event_type'] for e in self.seen]}")

    def close(self):
        self.conn.release()


def publish_event(amqp_uri: str, event_type: str, data: dict, producer: str, event_id: str | None = None) -> dict:
    """Publish an envelope as a producer's relay would (used to feed consumers under test)."""
    envelope = make_event(event_type, data, producer=producer, event_id=event_id)
    publish_raw(amqp_uri, producer, event_type, json.dumps(envelope).encode(), "application/json")
    return envelope


def publish_raw(amqp_uri: str, producer: str, routing_key: str, body: bytes, content_type: str):
    with Connection(amqp_uri) as conn:
        exchange = event_exchange(producer)(conn.channel())
        exchange.declare()
        conn.Producer().publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            content_type=content_type,
            content_encoding="utf-8",
            delivery_mode=2,
        )


def wait_until(predicate, timeout: float = 15, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not reached within {timeout}s")


def rows(database_url: str, sql: str, **params) -> list:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()
