"""Retention of the messaging tables every service has: old published events and old dedupe keys.

An outbox row keeps the event it published, and events carry the state they announce (names,
emails, titles): once published and older than `CIM_OUTBOX_DAYS` it is deleted. A row still
unpublished is never touched (the relay needs it), nor the erasure requests (registration's
erasure report reads them; they hold ids and the admin's reason only).

A processed-events row is a dedupe key: while it exists, a second copy of the event does
nothing. Copies arrive for as long as the broker may redeliver: the bounded retries
(`CIM_RETRY_LIMIT` x `CIM_RETRY_DELAY_MS`), a message taken again after a consumer died between
its commit and its acknowledgement, or an event republished by a relay that could not mark it
sent. The last two wait for as long as the service (or its database) is away, so keys are kept
`CIM_PROCESSED_EVENT_DAYS` and never fewer than MINIMUM_PROCESSED_DAYS (or the retry window, if
ever longer): a service refuses to start with less. The keys of the erasure consumer stay: they
are how the erasure report says when a service erased (shared.personal_service).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from nameko.extensions import DependencyProvider

from shared.db import MESSAGING_TABLES
from shared.events import STUDENT_ERASURE_REQUESTED
from shared.settings import SettingsSource, load_settings

log = logging.getLogger(__name__)

# (policy) How long published events and dedupe keys are kept.
DEFAULT_OUTBOX_DAYS = 30
DEFAULT_PROCESSED_DAYS = 30
# A copy of a handled event can wait in the queue of a service that is down: a week covers an
# outage over a long weekend with margin. Fewer days than this are refused.
MINIMUM_PROCESSED_DAYS = 7
BATCH = 1000  # rows per statement, so a first purge of a large table holds no long lock


@dataclass(frozen=True)
class EventRetention:
    outbox_days: int
    processed_days: int


def redelivery_window_days(retry_limit: int, retry_delay_ms: int) -> int:
    """The days (rounded up) over which the bounded retries may bring a copy back."""
    return math.ceil(retry_limit * retry_delay_ms / 1000 / 86400)


def minimum_processed_days(retry_limit: int, retry_delay_ms: int) -> int:
    return max(MINIMUM_PROCESSED_DAYS, redelivery_window_days(retry_limit, retry_delay_ms))


def _days(source: SettingsSource, key: str, default: int) -> int:
    value = source.get(key, str(default))
    try:
        days = int(value)
    except ValueError:
        raise ValueError(f"setting {key} must be a whole number of days, got {value!r}") from None
    if days < 1:
        raise ValueError(f"setting {key} must be at least 1 day, got {days}")
    return days


def event_retention(service: str, config=None, env=None) -> EventRetention:
    """The service's retention of events, checked against the broker's redelivery window."""
    source = SettingsSource(service, config, env)
    settings = load_settings(service, config, env)
    outbox_days = _days(source, "CIM_OUTBOX_DAYS", DEFAULT_OUTBOX_DAYS)
    processed_days = _days(source, "CIM_PROCESSED_EVENT_DAYS", DEFAULT_PROCESSED_DAYS)
    minimum = minimum_processed_days(settings.retry_limit, settings.retry_delay_ms)
    if processed_days < minimum:
        raise ValueError(
            f"setting CIM_PROCESSED_EVENT_DAYS must be at least {minimum} days: a dedupe key must outlive "
            f"every redelivery of its event (retries: {settings.retry_limit} x {settings.retry_delay_ms} ms; "
            f"a copy waiting for a service that is down), got {processed_days}"
        )
    return EventRetention(outbox_days=outbox_days, processed_days=processed_days)


class EventRetentionPolicy(DependencyProvider):
    """The service's EventRetention, read (and checked) when it starts."""

    def setup(self):
        self.retention = event_retention(self.container.service_name, self.container.config)

    def get_dependency(self, worker_ctx):
        return self.retention


def _delete_in_batches(session, table: sa.Table, key: tuple[str, ...], where) -> int:
    columns = [table.c[k] for k in key]
    deleted = 0
    while True:
        batch = sa.select(*columns).where(where).limit(BATCH)
        target = columns[0].in_(batch) if len(columns) == 1 else sa.tuple_(*columns).in_(batch)
        count = session.execute(table.delete().where(target)).rowcount
        deleted += count
        if count < BATCH:
            return deleted


def purge_events(session, retention: EventRetention, *, now: datetime, keep_consumers: tuple[str, ...] = ()) -> dict:
    """Delete what has expired; {"outbox": n, "processed_events": n}. The caller commits."""
    outbox, processed = MESSAGING_TABLES["outbox"], MESSAGING_TABLES["processed_events"]
    published_before = now - timedelta(days=retention.outbox_days)
    handled_before = now - timedelta(days=retention.processed_days)
    return {
        "outbox": _delete_in_batches(
            session,
            outbox,
            ("id",),
            sa.and_(
                outbox.c.published_at.is_not(None),
                outbox.c.published_at < published_before,
                outbox.c.event_type != STUDENT_ERASURE_REQUESTED,
            ),
        ),
        "processed_events": _delete_in_batches(
            session,
            processed,
            ("consumer", "event_id"),
            sa.and_(processed.c.handled_at < handled_before, processed.c.consumer.not_in(keep_consumers)),
        ),
    }


def log_purge(service: str, retention: EventRetention, counts: dict):
    """Counts only: what was deleted is no business of the log."""
    if any(counts.values()):
        log.info(
            "retention: %s deleted %d published event(s) older than %d days and %d dedupe key(s) older than %d days",
            service,
            counts["outbox"],
            retention.outbox_days,
            counts["processed_events"],
            retention.processed_days,
        )
