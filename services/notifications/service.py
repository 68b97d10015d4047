"""Notifications as a nameko service: events in, messages written, then delivered over SMTP.

An event handler only writes its message, in the transaction that records the event as
handled, so a duplicate event writes nothing more. Delivery follows the commit; what could not
be delivered then is retried by a timer, a bounded number of times.
"""

import logging
from functools import partial

import eventlet
from nameko.timer import timer

from services.notifications import handlers, personal_data
from services.notifications.domain.delivery import HAND_OVER_LIMIT, DeliveryFailed
from services.notifications.mail import Mailer
from services.notifications.orm import Repository
from shared.db import utcnow
from shared.dependencies import Database
from shared.errors import EXPECTED, Invalid
from shared.rpc_entrypoint import rpc
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    ACTIVITY_CHANGES_REQUESTED,
    ACTIVITY_REJECTED,
    BOOKING_CANCELLED,
    BOOKING_CHANGED,
    BOOKING_PROMOTED,
    BOOKING_WAITLISTED,
    CEREMONY_BOOKED,
    PRESENTATION_MISSED,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    REPORT_ACCEPTED,
    REPORT_RETURNED,
    STUDENT_ACTIVITY_REQUIREMENT_MET,
    STUDENT_REGISTERED,
    STUDENT_UPDATED,
    STUDENT_WITHDRAWN,
)
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.personal_service import PersonalDataService, RetentionDays
from shared.rpc.common import load_actor
from shared.rpc import load
from shared.rpc.notifications import MessageView, PreferencesRequest, PreferencesView

log = logging.getLogger(__name__)

RETRY_INTERVAL_S = 2  # how often the timer looks for messages due another try
RETENTION_INTERVAL_S = 3600  # how often expired message bodies are emptied


class NotificationsService(HealthEndpoint, PersonalDataService):
    name = "notifications"
    db = Database(Repository)
    personal_holdings = personal_data.HOLDINGS
    body_days = RetentionDays("CIM_MESSAGE_BODY_DAYS", personal_data.DEFAULT_BODY_DAYS)
    mailer = Mailer()

    # --- recipients ---------------------------------------------------------------------------

    @on_event(STUDENT_REGISTERED)
    def on_student_registered(self, event):
        self._write_and_send(event, handlers.welcome)

    @on_event(STUDENT_UPDATED)
    def on_student_updated(self, event):
        self.db.consume(event, handlers.record_recipient)

    # --- events that tell a student something ---------------------------------------------------

    @on_event(ACTIVITY_APPROVED)
    def on_activity_approved(self, event):
        self._write_and_send(event)

    @on_event(ACTIVITY_REJECTED)
    def on_activity_rejected(self, event):
        self._write_and_send(event)

    @on_event(ACTIVITY_CHANGES_REQUESTED)
    def on_activity_changes_requested(self, event):
        self._write_and_send(event)

    @on_event(ACTIVITY_APPROVAL_WITHDRAWN)
    def on_approval_withdrawn(self, event):
        self._write_and_send(event)

    @on_event(STUDENT_ACTIVITY_REQUIREMENT_MET)
    def on_activity_requirement_met(self, event):
        self._write_and_send(event)

    @on_event(REPORT_ACCEPTED)
    def on_report_accepted(self, event):
        self._write_and_send(event)

    @on_event(REPORT_RETURNED)
    def on_report_returned(self, event):
        self._write_and_send(event)

    @on_event(CEREMONY_BOOKED)
    def on_ceremony_booked(self, event):
        self._write_and_send(event)

    @on_event(BOOKING_WAITLISTED)
    def on_booking_waitlisted(self, event):
        self._write_and_send(event)

    @on_event(BOOKING_PROMOTED)
    def on_booking_promoted(self, event):
        self._write_and_send(event)

    @on_event(BOOKING_CHANGED)
    def on_booking_changed(self, event):
        self._write_and_send(event)

    @on_event(BOOKING_CANCELLED)
    def on_booking_cancelled(self, event):
        self._write_and_send(event)

    @on_event(PRESENTATION_MISSED)
    def on_presentation_missed(self, event):
        self._write_and_send(event)

    @on_event(CERTIFICATE_ISSUED)
    def on_certificate_issued(self, event):
        self._write_and_send(event)

    @on_event(CERTIFICATE_REVOKED)
    def on_certificate_revoked(self, event):
        self._write_and_send(event)

    # --- delivery -------------------------------------------------------------------------------

    @timer(interval=RETRY_INTERVAL_S)
    def deliver_due(self):
        handlers.deliver_due(self.db.unit_of_work, self._send)

    def _send(self, message):
        """The mailer's hand-over, cut off after HAND_OVER_LIMIT, so that a claim older than
        INTERRUPTED_AFTER belongs to no attempt still running (domain/delivery.py)."""
        limit = HAND_OVER_LIMIT.total_seconds()
        cut_off = DeliveryFailed(f"the hand-over took longer than {limit:.0f}s", unreachable=True)
        with eventlet.Timeout(limit, cut_off):
            self.mailer.send(message)

    def _write_and_send(self, event, write=handlers.write_message):
        kind = handlers.MESSAGE_KINDS[event.event_type]
        message_id = self.db.consume(event, partial(write, event_id=event.event_id, kind=kind))
        if message_id is None:  # a duplicate: its message exists already
            return
        try:
            handlers.deliver_due(self.db.unit_of_work, self._send, only=message_id)
        except Exception:  # the event is handled and the message safe; the timer will send it
            log.exception("could not deliver message %s now; it stays pending", message_id)

    # --- operators ------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_preferences(self, actor):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return PreferencesView().dump(handlers.get_preferences(uow, actor=actor))

    @rpc(expected_exceptions=EXPECTED)
    def set_preferences(self, actor, request):
        actor, request = load_actor(actor), load(PreferencesRequest, request)
        with self.db.unit_of_work() as uow:
            return PreferencesView().dump(
                handlers.set_preferences(uow, actor=actor, language=request.language, digest_time=request.digest_time)
            )

    @rpc(expected_exceptions=EXPECTED)
    def list_messages(self, actor, student_id):
        actor = load_actor(actor)
        if not isinstance(student_id, str) or not student_id:
            raise Invalid({"student_id": ["a student id is required"]})
        with self.db.unit_of_work() as uow:
            return MessageView(many=True).dump(handlers.list_messages(uow, actor=actor, student_id=student_id))

    # --- personal data ---------------------------------------------------------------------------

    @on_event(STUDENT_WITHDRAWN)
    def on_student_withdrawn(self, event):
        """The student left the CIM: a confirmation of what stays and what does not."""
        self._write_and_send(event)

    @timer(interval=RETENTION_INTERVAL_S)
    def expire_message_bodies(self):
        with self.db.unit_of_work() as uow:
            personal_data.expire_bodies(uow, days=self.body_days, now=utcnow())
