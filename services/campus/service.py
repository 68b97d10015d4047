"""The campus edge as a nameko service: the four campus exchanges in, our own events out.

Thin: each entrypoint checks its input, calls one use case in one unit of work (which commits
the inbound log entry, the dedupe key and the translation in the outbox together), and answers.
Off the campus exchanges the events come in batches (shared.campus.amqp): one unit of work each.
"""

import logging

from shared.rpc_entrypoint import rpc
from nameko.timer import timer

from services.campus import handlers, personal_data
from services.campus.orm import Repository
from services.campus.policy import CampusPolicy
from shared.campus.amqp import campus_events
from shared.dependencies import Database
from shared.errors import EXPECTED
from shared.events import STUDENT_REGISTERED, STUDENT_UPDATED, STUDENT_WITHDRAWN
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.personal_service import PersonalDataService
from shared.permissions import ADMIN, ensure_may_have_role
from shared.rpc import dump, load
from shared.rpc.campus import InboundEntryView, InboundQuery, IntakeView
from shared.rpc.common import load_actor

log = logging.getLogger(__name__)

EXPIRY_INTERVAL_S = 3600


class CampusService(HealthEndpoint, PersonalDataService):
    name = "campus"
    db = Database(Repository)
    policy = CampusPolicy()

    @property
    def personal_holdings(self):
        return personal_data.holdings(self.policy.issuer)

    # --- the campus exchanges -------------------------------------------------------------

    def _receive(self, event, channel):
        with self.db.unit_of_work() as uow:
            return handlers.receive(uow, event=event, channel=channel, issuer=self.policy.issuer)

    def _receive_batch(self, events):
        """A batch off one campus exchange (shared.campus.amqp): one transaction for all of it."""
        with self.db.unit_of_work() as uow:
            return handlers.receive_many(uow, events=events, channel="amqp", issuer=self.policy.issuer)

    @campus_events("lms")
    def on_lms_events(self, events):
        self._receive_batch(events)

    @campus_events("mobility")
    def on_mobility_events(self, events):
        self._receive_batch(events)

    @campus_events("events")
    def on_events_office_events(self, events):
        self._receive_batch(events)

    @campus_events("records")
    def on_records_events(self, events):
        self._receive_batch(events)

    # --- the gateway's HTTP intake and reconciliation --------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def receive(self, actor, events, channel="http"):
        """Events a campus system posted (structured JSON each): all are checked before any is
        stored; then each is applied once. A sender may send only its own system's types."""
        checked = handlers.posted_events(load_actor(actor), events)
        results = []
        for event in checked:
            status = self._receive(event, channel=channel)
            results.append({"id": event.id, "source": event.source, "status": status})
        return dump(IntakeView, {"results": results})

    @rpc(expected_exceptions=EXPECTED)
    def inbound_log(self, actor, query=None):
        actor = load_actor(actor)
        ensure_may_have_role(actor, ADMIN, doing="read the campus inbound log")
        query = load(InboundQuery, query or {})
        with self.db.unit_of_work() as uow:
            return InboundEntryView(many=True).dump(handlers.inbound_log(uow, **query))

    @rpc(expected_exceptions=EXPECTED)
    def reported(self, actor, system):
        actor = load_actor(actor)
        ensure_may_have_role(actor, ADMIN, doing="reconcile campus systems")
        with self.db.unit_of_work() as uow:
            return {
                "reported": handlers.reported(uow, system=system),
                "people": handlers.people(uow, issuer=self.policy.issuer),
            }

    # --- who is registered ----------------------------------------------------------------

    @on_event(STUDENT_REGISTERED)
    def on_student_registered(self, event):
        self.db.consume(event, lambda uow, data: handlers.record_person(uow, data, issuer=self.policy.issuer))

    @on_event(STUDENT_UPDATED)
    def on_student_updated(self, event):
        self.db.consume(event, lambda uow, data: handlers.record_person(uow, data, issuer=self.policy.issuer))

    @on_event(STUDENT_WITHDRAWN)
    def on_student_withdrawn(self, event):
        self.db.consume(event, handlers.record_withdrawal)

    # --- policy ---------------------------------------------------------------------------

    @timer(interval=EXPIRY_INTERVAL_S)
    def expire_waiting(self):
        """Events about people who never registered are kept for the policy's days, then go."""
        with self.db.unit_of_work() as uow:
            handlers.expire_waiting(uow, days=self.policy.waiting_days)
