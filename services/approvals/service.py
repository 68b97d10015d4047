"""Approvals as a nameko service: validate, call one use case, return a dump."""
from nameko.rpc import rpc

from services.approvals import handlers
from shared.dependencies import Database
from shared.errors import EXPECTED
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.rpc import load
from shared.rpc.approvals import (
    ActivityDecisionRequest, ActivityDecisionView, CoordinatorRequest, CoordinatorView,
    InboxItemView, ProgressView, ReportDecisionRequest, ReportDecisionView)
from shared.rpc.common import ActorSchema


class ApprovalsService(HealthEndpoint):
    name = "approvals"
    db = Database()

    # --- asked by the gateway -------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def coordinator_programmes(self, subject):
        with self.db.unit_of_work() as uow:
            return handlers.coordinator_programmes(uow, subject=subject)

    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, actor):
        actor = load(ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            return InboxItemView(many=True).dump(handlers.inbox(uow, actor=actor))

    @rpc(expected_exceptions=EXPECTED)
    def decide_activity(self, actor, activity_id, request):
        actor = load(ActorSchema, actor)
        request = load(ActivityDecisionRequest, request)
        with self.db.unit_of_work() as uow:
            decision = handlers.decide_activity(uow, actor=actor, activity_id=activity_id,
                                                request=request)
        return ActivityDecisionView().dump(decision)

    @rpc(expected_exceptions=EXPECTED)
    def decide_report(self, actor, student_id, request):
        actor = load(ActorSchema, actor)
        request = load(ReportDecisionRequest, request)
        with self.db.unit_of_work() as uow:
            decision = handlers.decide_report(uow, actor=actor, student_id=student_id,
                                              request=request)
        return ReportDecisionView().dump(decision)

    @rpc(expected_exceptions=EXPECTED)
    def progress(self, actor):
        actor = load(ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            return ProgressView().dump(handlers.progress(uow, actor=actor))

    @rpc(expected_exceptions=EXPECTED)
    def put_coordinator(self, actor, subject, request):
        actor = load(ActorSchema, actor)
        request = load(CoordinatorRequest, request)
        with self.db.unit_of_work() as uow:
            coordinator = handlers.put_coordinator(uow, actor=actor, subject=subject, request=request)
        return CoordinatorView().dump(coordinator)

    # --- keeping the copies ---------------------------------------------------------------

    @on_event("registration", "student.registered.v1")
    def on_student_registered(self, event):
        self.db.consume(event, handlers.record_student)

    @on_event("registration", "student.updated.v1")
    def on_student_updated(self, event):
        self.db.consume(event, handlers.record_student)

    @on_event("registration", "student.withdrawn.v1")
    def on_student_withdrawn(self, event):
        self.db.consume(event, handlers.withdraw_student)

    @on_event("activities", "activity.submitted.v1")
    def on_activity_submitted(self, event):
        self.db.consume(event, handlers.record_activity)

    @on_event("activities", "activity.resubmitted.v1")
    def on_activity_resubmitted(self, event):
        self.db.consume(event, handlers.record_activity)

    @on_event("activities", "activity.withdrawn.v1")
    def on_activity_withdrawn(self, event):
        self.db.consume(event, handlers.withdraw_activity)

    @on_event("ceremony", "report.submitted.v1")
    def on_report_submitted(self, event):
        self.db.consume(event, handlers.record_report)

    @on_event("ceremony", "presentation.recorded.v1")
    def on_presentation_recorded(self, event):
        self.db.consume(event, handlers.record_presentation)
