"""Hand-written fakes for handler tests: a unit of work with no database and no broker.

Handler tests give it a service's fake repository (`tests/unit/fakes/`), call the use case, and
look at what it published and whether it committed, in milliseconds.
"""

from __future__ import annotations

from shared.db import AlreadyHandled
from shared.events import PRODUCERS, make_event


class FakeUnitOfWork:
    """Behaves as shared.db.UnitOfWork: commits when its block ends cleanly, else rolls back."""

    def __init__(self, repo, producer: str):
        self.repo = repo
        self.producer = producer
        self.correlation_id = "test-correlation"
        self.published: list[dict] = []  # envelopes, as the outbox would hold them
        self.committed = False
        self.rolled_back = False
        self._claimed: set[tuple[str, str]] = set()
        self._pending: list[dict] = []

    def __enter__(self):
        self.committed = self.rolled_back = False
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.rolled_back = True
            self._pending.clear()

    def commit(self):
        self.published.extend(self._pending)
        self._pending.clear()
        self.committed = True

    def flush(self):
        pass

    def publish(self, event_type: str, data: dict, correlation_id: str | None = None) -> dict:
        if PRODUCERS.get(event_type) != self.producer:
            raise ValueError(f"{self.producer} may not publish {event_type}")
        envelope = make_event(
            event_type, data, producer=self.producer, correlation_id=correlation_id or self.correlation_id
        )  # validates like the real one
        self._pending.append(envelope)
        return envelope

    def publish_all(self, events) -> list[dict]:
        return [self.publish(event_type, data, correlation_id) for event_type, data, correlation_id in events]

    def claim(self, consumer: str, event_id: str, event_type: str):
        if (consumer, event_id) in self._claimed:
            raise AlreadyHandled(f"{consumer} already handled {event_id}")
        self._claimed.add((consumer, event_id))

    def types_published(self) -> list[str]:
        return [e["event_type"] for e in self.published]
