"""Notifications as a nameko service: events in, messages written, then delivered over SMTP.

An event handler only writes its message, in the transaction that records the event as
handled, so a duplicate event writes nothing more. Delivery follows the commit; what could not
be delivered then is retried by a timer, a bounded number of times.
"""

import logging
from datetime import datetime
from functools import partial

import eventlet
from nameko.extensions import DependencyProvider
from nameko.timer import Timer, timer

from services.notifications import copies, handlers, personal_data, scheduled
from services.notifications.domain.delivery import HAND_OVER_LIMIT, DeliveryFailed
from services.notifications.domain.schedule import parse_targets
from services.notifications.mail import Mailer
from services.notifications.orm import Repository
from services.notifications.templating import MessageComposer
from shared.db import utcnow
from shared.dependencies import Database
from shared.errors import EXPECTED, Invalid
from shared.rpc_entrypoint import rpc
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    ACTIVITY_CHANGES_REQUESTED,
    ACTIVITY_REJECTED,
    ACTIVITY_RESUBMITTED,
    ACTIVITY_SUBMITTED,
    ACTIVITY_WITHDRAWN,
    COORDINATOR_UPDATED,
    REPORT_SUBMITTED,
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
from shared.rpc import dump, load
from shared.rpc.paging import dump_page, load_page
from shared.rpc.notifications import MessageView, PreferencesRequest, PreferencesView
from shared.settings import SettingsSource, load_settings

log = logging.getLogger(__name__)

RETRY_INTERVAL_S = 2  # how often the timer looks for messages due another try
RETENTION_INTERVAL_S = 3600  # how often expired message bodies are emptied
SCHEDULE_INTERVAL_S = 60  # how often the timer looks for digests and reminders due


class ScheduleTimer(Timer):
    """The scheduling timer; its interval is the setting CIM_SCHEDULE_INTERVAL_S when given."""

    def setup(self):
        source = SettingsSource(self.container.service_name, self.container.config)
        self.interval = float(source.get("CIM_SCHEDULE_INTERVAL_S", self.interval))


class Schedule(DependencyProvider):
    """The review targets (policy): CIM_REVIEW_TARGET_DAYS for every programme, and
    CIM_REVIEW_TARGETS (`CODE=DAYS,...`) for the programmes with their own."""

    def setup(self):
        default = load_settings(self.container.service_name, self.container.config).review_target_days
        overrides = SettingsSource(self.container.service_name, self.container.config).get("CIM_REVIEW_TARGETS")
        self.targets = parse_targets(default, overrides)

    def get_dependency(self, worker_ctx):
        return self.targets


class NotificationsService(HealthEndpoint, PersonalDataService):
    name = "notifications"
    db = Database(Repository)
    personal_holdings = personal_data.HOLDINGS
    personal_after_erasure = staticmethod(personal_data.blank_coordinator_messages)
    body_days = RetentionDays("CIM_MESSAGE_BODY_DAYS", personal_data.DEFAULT_BODY_DAYS)
    mailer = Mailer()
    composer = MessageComposer()
    review_targets = Schedule()

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
        self._write_and_send(event, copies.activity_decided)

    @on_event(ACTIVITY_REJECTED)
    def on_activity_rejected(self, event):
        self._write_and_send(event, copies.activity_decided)

    @on_event(ACTIVITY_CHANGES_REQUESTED)
    def on_activity_changes_requested(self, event):
        self._write_and_send(event, copies.activity_decided)

    @on_event(ACTIVITY_APPROVAL_WITHDRAWN)
    def on_approval_withdrawn(self, event):
        self._write_and_send(event, copies.approval_withdrawn)

    @on_event(STUDENT_ACTIVITY_REQUIREMENT_MET)
    def on_activity_requirement_met(self, event):
        self._write_and_send(event, copies.requirement_met)

    @on_event(REPORT_ACCEPTED)
    def on_report_accepted(self, event):
        self._write_and_send(event, copies.report_decided)

    @on_event(REPORT_RETURNED)
    def on_report_returned(self, event):
        self._write_and_send(event, copies.report_decided)

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

    # --- what waits for coordinators, and who they are (for the scheduled messages) -------------

    @on_event(ACTIVITY_SUBMITTED)
    def on_activity_submitted(self, event):
        self.db.consume(event, copies.activity_submitted)

    @on_event(ACTIVITY_RESUBMITTED)
    def on_activity_resubmitted(self, event):
        self.db.consume(event, copies.activity_submitted)

    @on_event(ACTIVITY_WITHDRAWN)
    def on_activity_withdrawn(self, event):
        self.db.consume(event, copies.activity_withdrawn)

    @on_event(REPORT_SUBMITTED)
    def on_report_submitted(self, event):
        self.db.consume(event, copies.report_submitted)

    @on_event(COORDINATOR_UPDATED)
    def on_coordinator_updated(self, event):
        self.db.consume(event, copies.record_coordinator)

    # --- scheduled messages -----------------------------------------------------------------------

    @ScheduleTimer.decorator(interval=SCHEDULE_INTERVAL_S)
    def send_scheduled(self, now: str | None = None):
        """Digests and reminders due at `now` (the clock; an ISO time only where a test sets it),
        written once however many replicas run this, then handed to the mail server."""
        moment = datetime.fromisoformat(now) if now else utcnow()
        written = scheduled.run_schedule(
            self.db.unit_of_work, now=moment, targets=self.review_targets, composer=self.composer
        )
        if any(written.values()):
            log.info("scheduled messages written: %s", written)
            handlers.deliver_due(self.db.unit_of_work, self.mailer.send)
        return written

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
        message_id = self.db.consume(event, partial(write, event_id=event.event_id, kind=kind, composer=self.composer))
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
            return dump(PreferencesView, handlers.get_preferences(uow, actor=actor))

    @rpc(expected_exceptions=EXPECTED)
    def set_preferences(self, actor, request):
        actor, request = load_actor(actor), load(PreferencesRequest, request)
        with self.db.unit_of_work() as uow:
            return dump(
                PreferencesView,
                handlers.set_preferences(uow, actor=actor, language=request.language, digest_time=request.digest_time),
            )

    @rpc(expected_exceptions=EXPECTED)
    def list_messages(self, actor, student_id, query=None):
        """One page of a student's delivery log: {items, next_cursor} (`query`: cursor, limit)."""
        actor, page = load_actor(actor), load_page(query)
        if not isinstance(student_id, str) or not student_id:
            raise Invalid({"student_id": ["a student id is required"]})
        with self.db.unit_of_work() as uow:
            return dump_page(MessageView, handlers.list_messages(uow, actor=actor, student_id=student_id, page=page))

    # --- personal data ---------------------------------------------------------------------------

    @on_event(STUDENT_WITHDRAWN)
    def on_student_withdrawn(self, event):
        """The student left the CIM: a confirmation of what stays and what does not."""
        self._write_and_send(event, copies.student_withdrawn)

    @timer(interval=RETENTION_INTERVAL_S)
    def expire_message_bodies(self):
        with self.db.unit_of_work() as uow:
            personal_data.expire_bodies(uow, days=self.body_days, now=utcnow())
