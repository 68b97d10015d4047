"""Retention of events in every service, on a real database: published events and dedupe keys
past their days are deleted by each service's timer; unpublished events, the erasure requests
and the erasure consumer's keys stay; the log says how many, and nothing else."""

import json
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from services.activities.service import ActivitiesService
from services.approvals.service import ApprovalsService
from services.campus.service import CampusService
from services.ceremony.service import CeremonyService
from services.certificates.service import CertificatesService
from services.notifications.service import NotificationsService
from services.registration.service import RegistrationService
from shared.db import MESSAGING_TABLES, make_session_factory, utcnow
from shared.event_retention import EventRetention, purge_events
from shared.events import ACTIVITY_SUBMITTED, STUDENT_ERASURE_REQUESTED, STUDENT_REGISTERED
from tests.helpers import migrate, rows
from tests.service.conftest import call

SERVICES = [
    RegistrationService,
    ActivitiesService,
    ApprovalsService,
    CeremonyService,
    CertificatesService,
    NotificationsService,
    CampusService,
]
SECRET = "Pat Person <pat@example.org>"  # what an event carries; never in the log


def _event(conn, name: str, *, created: datetime, published: datetime | None, event_type=STUDENT_REGISTERED):
    conn.execute(
        MESSAGING_TABLES["outbox"]
        .insert()
        .values(
            event_id=name,
            event_type=event_type,
            exchange="registration.events",
            payload=json.dumps({"event_id": name, "data": {"name": SECRET}}),
            correlation_id=str(uuid.uuid4()),
            created_at=created,
            published_at=published,
            attempts=1 if published else 0,
        )
    )


def _key(conn, consumer: str, event_id: str, handled: datetime):
    conn.execute(
        MESSAGING_TABLES["processed_events"]
        .insert()
        .values(consumer=consumer, event_id=event_id, event_type=ACTIVITY_SUBMITTED, handled_at=handled)
    )


def _fill(database_url: str, service: str, now: datetime, outbox_days: int, processed_days: int):
    """Rows either side of each boundary (an hour), and the rows that stay whatever their age."""
    hour = timedelta(hours=1)
    old_out, new_out = now - timedelta(days=outbox_days) - hour, now - timedelta(days=outbox_days) + hour
    old_key, new_key = now - timedelta(days=processed_days) - hour, now - timedelta(days=processed_days) + hour
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        # Only this test's rows: a migration may have put events in the outbox (approvals announces
        # its directory), unpublished here, as no relay runs.
        conn.execute(sa.text("DELETE FROM outbox"))
        _event(conn, "old-published", created=old_out, published=old_out)
        _event(conn, "new-published", created=old_out, published=new_out)  # its age counts from sending
        _event(conn, "old-unpublished", created=old_out, published=None)  # the relay still needs it
        _event(conn, "old-erasure", created=old_out, published=old_out, event_type=STUDENT_ERASURE_REQUESTED)
        _key(conn, f"{service}.on_something", "old-key", old_key)
        _key(conn, f"{service}.on_something", "new-key", new_key)
        _key(conn, f"{service}.on_erasure_requested", "old-erasure-key", old_key)  # the erasure report's
    engine.dispose()


def _left(database_url):
    return (
        {e for (e,) in rows(database_url, "SELECT event_id FROM outbox")},
        {e for (e,) in rows(database_url, "SELECT event_id FROM processed_events")},
    )


KEPT = (
    {"new-published", "old-unpublished", "old-erasure"},
    {"new-key", "old-erasure-key"},
)


@pytest.mark.parametrize("service_cls", SERVICES, ids=[s.name for s in SERVICES])
def test_each_services_timer_purges_expired_events_and_keys_and_logs_counts(
    service_cls, start_service, database_url, caplog
):
    container = start_service(service_cls, CIM_OUTBOX_DAYS="3", CIM_PROCESSED_EVENT_DAYS="8", CIM_RENDER_POOL_SIZE="1")
    _fill(database_url, service_cls.name, utcnow(), outbox_days=3, processed_days=8)
    with caplog.at_level(logging.INFO):
        assert call(container, "purge_expired_events") == {"outbox": 1, "processed_events": 1}
    assert _left(database_url) == KEPT
    assert (
        f"retention: {service_cls.name} deleted 1 published event(s) older than 3 days"
        " and 1 dedupe key(s) older than 8 days" in caplog.text
    )
    assert SECRET not in caplog.text and "old-published" not in caplog.text
    assert call(container, "purge_expired_events") == {"outbox": 0, "processed_events": 0}  # nothing more


def test_the_purge_on_a_fixed_clock_deletes_exactly_what_is_past_its_days(database_url):
    migrate("registration", database_url)
    now = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
    _fill(database_url, "registration", now, outbox_days=30, processed_days=30)
    engine = sa.create_engine(database_url)
    session = make_session_factory(engine)()
    try:
        retention = EventRetention(outbox_days=30, processed_days=30)
        keep = ("registration.on_erasure_requested",)
        # an hour before the boundary reaches the old rows, nothing expires yet
        assert purge_events(session, retention, now=now - timedelta(hours=2), keep_consumers=keep) == {
            "outbox": 0,
            "processed_events": 0,
        }
        assert purge_events(session, retention, now=now, keep_consumers=keep) == {"outbox": 1, "processed_events": 1}
        session.commit()
        assert _left(database_url) == KEPT
        # two hours on, the newer rows have expired too; the kept kinds still stay
        later = now + timedelta(hours=2)
        assert purge_events(session, retention, now=later, keep_consumers=keep) == {"outbox": 1, "processed_events": 1}
        session.commit()
        assert _left(database_url) == ({"old-unpublished", "old-erasure"}, {"old-erasure-key"})
    finally:
        session.close()
        engine.dispose()
