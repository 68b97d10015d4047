"""Activities as a nameko service: validate, call one use case, return a dump."""
from nameko.rpc import rpc

from services.activities import domain, handlers
from shared.dependencies import Database
from shared.errors import EXPECTED
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.rpc import load
from shared.rpc.activities import (ActivityRequest, ActivityTypeRequest, ActivityTypeView,
                                   ActivityVersionView, ActivityView, SessionRequest)
from shared.rpc.common import ActorSchema
from shared.events import ACTIVITY_APPROVAL_WITHDRAWN, ACTIVITY_APPROVED, ACTIVITY_CHANGES_REQUESTED, ACTIVITY_REJECTED


def _student_id(actor) -> str:
    actor = load(ActorSchema, actor)
    return domain.acting_student(actor["role"], actor["student_id"])


class ActivitiesService(HealthEndpoint):
    name = "activities"
    db = Database()

    @rpc(expected_exceptions=EXPECTED)
    def log_activity(self, actor, request):
        student_id = _student_id(actor)
        request = load(ActivityRequest, request)
        with self.db.unit_of_work() as uow:
            activity = handlers.log_activity(uow, student_id=student_id, request=request)
        return ActivityView().dump(activity)

    @rpc(expected_exceptions=EXPECTED)
    def add_session(self, actor, activity_id, request):
        student_id = _student_id(actor)
        request = load(SessionRequest, request)
        with self.db.unit_of_work() as uow:
            activity = handlers.add_session(uow, student_id=student_id, activity_id=activity_id,
                                            request=request)
        return ActivityView().dump(activity)

    @rpc(expected_exceptions=EXPECTED)
    def resubmit(self, actor, activity_id, request):
        student_id = _student_id(actor)
        request = load(ActivityRequest, request)
        with self.db.unit_of_work() as uow:
            activity = handlers.resubmit(uow, student_id=student_id, activity_id=activity_id,
                                         request=request)
        return ActivityView().dump(activity)

    @rpc(expected_exceptions=EXPECTED)
    def withdraw(self, actor, activity_id):
        student_id = _student_id(actor)
        with self.db.unit_of_work() as uow:
            activity = handlers.withdraw(uow, student_id=student_id, activity_id=activity_id)
        return ActivityView().dump(activity)

    @rpc(expected_exceptions=EXPECTED)
    def list_activities(self, actor):
        student_id = _student_id(actor)
        with self.db.unit_of_work() as uow:
            activities = handlers.list_activities(uow, student_id=student_id)
        return ActivityView(many=True).dump(activities)

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, actor, activity_id):
        student_id = _student_id(actor)
        with self.db.unit_of_work() as uow:
            return ActivityView().dump(handlers.get_activity(uow, student_id=student_id,
                                                             activity_id=activity_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_versions(self, actor, activity_id):
        student_id = _student_id(actor)
        with self.db.unit_of_work() as uow:
            return ActivityVersionView(many=True).dump(
                handlers.list_versions(uow, student_id=student_id, activity_id=activity_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_activity_types(self):
        with self.db.unit_of_work() as uow:
            return ActivityTypeView(many=True).dump(handlers.list_activity_types(uow))

    @rpc(expected_exceptions=EXPECTED)
    def put_activity_type(self, actor, code, request):
        """Returns {"created": bool, "activity_type": {...}}."""
        actor = load(ActorSchema, actor)
        request = load(ActivityTypeRequest, request)
        with self.db.unit_of_work() as uow:
            created, activity_type = handlers.put_activity_type(uow, actor=actor, code=code,
                                                                request=request)
        return {"created": created, "activity_type": ActivityTypeView().dump(activity_type)}

    @on_event(ACTIVITY_APPROVED)
    def on_activity_approved(self, event):
        self.db.consume(event, handlers.record_approval)

    @on_event(ACTIVITY_REJECTED)
    def on_activity_rejected(self, event):
        self.db.consume(event, handlers.record_rejection)

    @on_event(ACTIVITY_CHANGES_REQUESTED)
    def on_activity_changes_requested(self, event):
        self.db.consume(event, handlers.record_change_request)

    @on_event(ACTIVITY_APPROVAL_WITHDRAWN)
    def on_activity_approval_withdrawn(self, event):
        self.db.consume(event, handlers.record_approval_withdrawal)
