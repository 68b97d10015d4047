"""Activities as a nameko service: validate, call one use case, return a dump."""

from shared.rpc_entrypoint import rpc

from services.activities import handlers, personal_data
from services.activities.orm import Repository
from shared.dependencies import Database
from shared.errors import EXPECTED
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    ACTIVITY_CHANGES_REQUESTED,
    ACTIVITY_REJECTED,
    ATTENDANCE_REPORTED,
    EXCHANGE_REPORTED,
    STUDENT_WITHDRAWN,
)
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.personal_service import PersonalDataService
from shared.rpc import dump, load
from shared.rpc.activities import (
    ActivityRequest,
    ActivityTypeRequest,
    ActivityTypeView,
    ActivityVersionView,
    ActivityView,
    SessionRequest,
)
from shared.rpc.common import load_actor
from shared.rpc.paging import dump_page, load_page


class ActivitiesService(HealthEndpoint, PersonalDataService):
    name = "activities"
    db = Database(Repository)
    personal_holdings = personal_data.HOLDINGS

    @rpc(expected_exceptions=EXPECTED)
    def log_activity(self, actor, request):
        actor, request = load_actor(actor), load(ActivityRequest, request)
        with self.db.unit_of_work() as uow:
            activity = handlers.log_activity(uow, actor=actor, request=request)
            return dump(ActivityView, activity)

    @rpc(expected_exceptions=EXPECTED)
    def add_session(self, actor, activity_id, request):
        actor, request = load_actor(actor), load(SessionRequest, request)
        with self.db.unit_of_work() as uow:
            activity = handlers.add_session(uow, actor=actor, activity_id=activity_id, request=request)
            return dump(ActivityView, activity)

    @rpc(expected_exceptions=EXPECTED)
    def resubmit(self, actor, activity_id, request):
        actor, request = load_actor(actor), load(ActivityRequest, request)
        with self.db.unit_of_work() as uow:
            activity = handlers.resubmit(uow, actor=actor, activity_id=activity_id, request=request)
            return dump(ActivityView, activity)

    @rpc(expected_exceptions=EXPECTED)
    def withdraw(self, actor, activity_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return dump(ActivityView, handlers.withdraw(uow, actor=actor, activity_id=activity_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_activities(self, actor, query=None):
        """One page of the student's activities: {items, next_cursor} (`query`: cursor, limit)."""
        actor, page = load_actor(actor), load_page(query)
        with self.db.unit_of_work() as uow:
            return dump_page(ActivityView, handlers.list_activities(uow, actor=actor, page=page))

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, actor, activity_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return dump(ActivityView, handlers.get_activity(uow, actor=actor, activity_id=activity_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_versions(self, actor, activity_id, query=None):
        actor, page = load_actor(actor), load_page(query)
        with self.db.unit_of_work() as uow:
            return dump_page(
                ActivityVersionView, handlers.list_versions(uow, actor=actor, activity_id=activity_id, page=page)
            )

    @rpc(expected_exceptions=EXPECTED)
    def list_activity_types(self, query=None):
        page = load_page(query)
        with self.db.unit_of_work() as uow:
            return dump_page(ActivityTypeView, handlers.list_activity_types(uow, page))

    @rpc(expected_exceptions=EXPECTED)
    def put_activity_type(self, actor, code, request):
        """Returns {"created": bool, "activity_type": {...}}."""
        actor, request = load_actor(actor), load(ActivityTypeRequest, request)
        with self.db.unit_of_work() as uow:
            created, activity_type = handlers.put_activity_type(uow, actor=actor, code=code, request=request)
            return {"created": created, "activity_type": dump(ActivityTypeView, activity_type)}

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

    # --- what campus systems reported -------------------------------------------------------

    @on_event(EXCHANGE_REPORTED)
    def on_exchange_reported(self, event):
        self.db.consume(event, handlers.record_reported_exchange)

    @on_event(ATTENDANCE_REPORTED)
    def on_attendance_reported(self, event):
        self.db.consume(event, handlers.record_reported_attendance)

    # --- personal data ---------------------------------------------------------------------------

    @on_event(STUDENT_WITHDRAWN)
    def on_student_withdrawn(self, event):
        self.db.consume(event, personal_data.withdraw_student)
