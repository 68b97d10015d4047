"""The outbox relay: publishes committed events with publisher confirms, then marks them sent.

A pass takes up to `batch_size` rows in order, publishes their JSON as stored, awaits the
broker's confirms for the whole pass (shared.confirms) and marks what was confirmed in one
statement.

A row is marked sent only after the broker confirmed it, so a broker outage between a state
change and its publication delays events and loses none. Several replicas may relay at once:
on PostgreSQL rows are claimed with FOR UPDATE SKIP LOCKED. Publications and failures are
counted, and the backlog read for `/metrics` (shared.metrics).
"""

from __future__ import annotations

import logging

import eventlet
import sqlalchemy as sa
from eventlet.queue import Empty, LightQueue
from kombu import Exchange

from shared import metrics
from shared.confirms import ConfirmedPublisher, Outgoing
from shared.db import MESSAGING_TABLES, among, utcnow
from shared.events import exchange_name

log = logging.getLogger(__name__)


def event_exchange(producer: str) -> Exchange:
    """Every service publishes to its own durable topic exchange (`<service>.events`)."""
    return Exchange(exchange_name(producer), type="topic", durable=True, auto_delete=False)


class RelayFailed(Exception):
    """Nothing of a pass reached the broker (the rows keep the reason): the relay backs off."""


class OutboxRelay:
    def __init__(
        self, engine: sa.Engine, amqp_uri: str, poll_interval: float = 0.5, batch_size: int = 500, service: str = "-"
    ):
        self.engine = engine
        self.service = service  # the metrics' label
        self.amqp_uri = amqp_uri
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._wakeups = LightQueue()
        self._thread = None
        self._running = False
        self._publisher = ConfirmedPublisher(amqp_uri)

    def start(self):
        self._running = True
        self._thread = eventlet.spawn(self._run)

    def stop(self):
        self._running = False
        self.wake()
        if self._thread is not None:
            self._thread.wait()
            self._thread = None
        self._publisher.close()

    def wake(self):
        self._wakeups.put(None)

    def _run(self):
        failures = 0
        while self._running:
            try:
                sent = self.publish_pending()
                failures = 0
                if sent == self.batch_size:
                    continue  # more may be waiting
            except Exception as exc:  # broker or database away: keep the rows, try again later
                failures += 1
                log.warning("outbox relay: %s; will retry", exc)
            timeout = self.poll_interval * min(2**failures, 20)
            try:
                self._wakeups.get(timeout=timeout)
                while True:  # collapse a burst of wake-ups into one pass
                    self._wakeups.get_nowait()
            except Empty:
                pass

    def publish_pending(self) -> int:
        """Publish up to one batch of unsent events in order; returns how many were sent.

        The batch goes out back to back and its confirms are awaited together (shared.confirms);
        what the broker confirmed is marked sent, the rest keeps its row with the reason and is
        tried again on the next pass (a consumer that got it anyway dedupes by its event id)."""
        outbox = MESSAGING_TABLES["outbox"]
        query = (
            sa.select(outbox.c.id, outbox.c.exchange, outbox.c.event_type, outbox.c.payload, outbox.c.correlation_id)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self.batch_size)
        )
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            if not rows:
                return 0
            outcomes = self._publisher.publish(
                [
                    Outgoing(
                        exchange=row.exchange,
                        routing_key=row.event_type,
                        body=row.payload,
                        headers={"nameko.correlation_id": row.correlation_id},
                    )
                    for row in rows
                ]
            )
            sent = [row.id for row, error in zip(rows, outcomes) if error is None]
            failed, dialect = {}, self.engine.dialect.name
            for row, error in zip(rows, outcomes):
                if error is not None:
                    failed.setdefault(error, []).append(row.id)
            if sent:  # what the broker confirmed is marked sent: one statement for the pass
                conn.execute(
                    outbox.update()
                    .where(among(outbox.c.id, sent, dialect))
                    .values(published_at=utcnow(), attempts=outbox.c.attempts + 1)
                )
            for error, ids in failed.items():
                conn.execute(
                    outbox.update()
                    .where(among(outbox.c.id, ids, dialect))
                    .values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
                )
        if sent:
            metrics.outbox_published(self.service, len(sent))
        if failed:
            metrics.outbox_publish_failed(self.service, sum(len(ids) for ids in failed.values()))
            if not sent:
                raise RelayFailed(next(iter(failed)))
        return len(sent)

    def pending_count(self) -> int:
        return self.backlog()[0]

    def backlog(self) -> tuple[int, float]:
        """Unpublished rows and the age in seconds of the oldest (0 when none)."""
        outbox = MESSAGING_TABLES["outbox"]
        with self.engine.connect() as conn:
            count, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
            ).one()
        if oldest is None:
            return count, 0.0
        if oldest.tzinfo is None:  # SQLite keeps naive UTC
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        return count, (utcnow() - oldest).total_seconds()

    def observe_backlog(self):
        """Sets the backlog gauges (called when Prometheus scrapes)."""
        metrics.observe_outbox(self.service, *self.backlog())
