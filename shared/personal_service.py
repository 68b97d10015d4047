"""The part of every data-owning service that answers for personal data (a mixin of its class).

A service sets `personal_holdings` (its `personal_data.HOLDINGS`) and inherits: the RPC the
gateway gathers the export with, the consumer of student.erasure_requested.v1 that erases (once,
idempotently: a service that was down erases when it returns, the queue holds the event), and
the RPC of the erasure report. The list itself is the service's, so each service decides what
it holds and what erasure does to it; `personal_after_erasure(uow, data)` adds what else a
service does (approvals records the erasure in the audit trail). And a timer that purges the
published events and dedupe keys past their retention (shared.event_retention).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from shared.rpc_entrypoint import rpc
from nameko.timer import timer

from shared import event_retention, personal_records
from shared.db import MESSAGING_TABLES, utcnow
from shared.errors import EXPECTED, NotFound
from shared.events import STUDENT_ERASURE_REQUESTED
from shared.messaging import on_event
from shared.permissions import ADMIN, STUDENT, ensure_may_have_role
from shared.rpc.common import load_actor
from shared.settings import SettingsSource

log = logging.getLogger(__name__)
ERASURE_CONSUMER = "on_erasure_requested"
EVENT_RETENTION_INTERVAL_S = 3600  # how often expired events and dedupe keys are purged


class PersonalDataService:
    personal_holdings: list = []
    personal_after_erasure = None  # a staticmethod(uow, data), when a service does more
    events_kept = event_retention.EventRetentionPolicy()

    @rpc(expected_exceptions=EXPECTED)
    def export_personal_data(self, actor):
        """{table: [rows]} this service holds about the calling student, and no one else's."""
        actor = load_actor(actor)
        if actor.role != STUDENT or not actor.student_id:
            raise NotFound("you are not registered for the CIM")  # only one's own data
        with self.db.unit_of_work() as uow:
            return personal_records.export(uow.session, self.personal_holdings, actor.student_id)

    @on_event(STUDENT_ERASURE_REQUESTED)
    def on_erasure_requested(self, event):
        counts = self.db.consume(event, self._erase)
        if counts is not None:  # ids and counts only: the log holds no erased data
            log.info(
                "erased the personal data of student %s (erasure %s): %s",
                event.data["student_id"],
                event.event_id,
                counts,
            )

    def _erase(self, uow, data) -> dict:
        counts = personal_records.erase(uow.session, self.personal_holdings, data["student_id"])
        if self.personal_after_erasure is not None:
            self.personal_after_erasure(uow, data)
        return counts

    @rpc(expected_exceptions=EXPECTED)
    def erasure_report(self, actor, student_id, erasure_id):
        """For an admin: whether this service has handled the erasure, and what it still holds."""
        ensure_may_have_role(load_actor(actor), ADMIN, doing="read an erasure report")
        handled = MESSAGING_TABLES["processed_events"]
        with self.db.unit_of_work() as uow:
            handled_at = uow.session.scalar(
                sa.select(handled.c.handled_at).where(
                    handled.c.consumer == f"{self.name}.{ERASURE_CONSUMER}", handled.c.event_id == erasure_id
                )
            )
            return {
                "erased_at": handled_at.isoformat() if handled_at else None,
                "tables": personal_records.remaining(uow.session, self.personal_holdings, student_id),
            }

    @timer(interval=EVENT_RETENTION_INTERVAL_S)
    def purge_expired_events(self):
        """Retention (shared.event_retention): published events and dedupe keys past their days."""
        with self.db.unit_of_work() as uow:
            counts = event_retention.purge_events(
                uow.session,
                self.events_kept,
                now=utcnow(),
                keep_consumers=(f"{self.name}.{ERASURE_CONSUMER}",),
            )
        event_retention.log_purge(self.name, self.events_kept, counts)
        return counts


class RetentionDays(DependencyProvider):
    """A retention period in days, from the setting `key` (read when the service starts)."""

    def __init__(self, key: str, default: int):
        self.key, self.default = key, default

    def setup(self):
        value = SettingsSource(self.container.service_name, self.container.config).get(self.key, str(self.default))
        try:
            self.days = int(value)
        except ValueError:
            raise ValueError(f"setting {self.key} must be a whole number of days, got {value!r}") from None

    def get_dependency(self, worker_ctx):
        return self.days
