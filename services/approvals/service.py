"""Approvals as a nameko service: validate, call one use case, return a dump."""

from shared.rpc_entrypoint import rpc

from services.approvals import personal_data
from services.approvals.handlers import consumers, coordinators, decisions, queries
from services.approvals.orm import Repository
from shared.dependencies import Database
from shared.errors import EXPECTED, CimError
from shared.events import (
    ACTIVITY_RESUBMITTED,
    ACTIVITY_SUBMITTED,
    ACTIVITY_WITHDRAWN,
    CERTIFICATE_ISSUED,
    PRESENTATION_RECORDED,
    REPORT_SUBMITTED,
    STUDENT_REGISTERED,
    STUDENT_UPDATED,
    STUDENT_WITHDRAWN,
)
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.personal_service import PersonalDataService
from shared.rpc import dump, load
from shared.rpc.approvals import (
    ActivityDecisionRequest,
    ActivityDecisionView,
    ActivityDetailView,
    AlertView,
    ApprovalWithdrawalRequest,
    ApprovalWithdrawalView,
    AuditPageQuery,
    AuditPageView,
    BulkDecisionRequest,
    BulkDecisionView,
    CoordinatorRequest,
    CoordinatorView,
    FunnelQuery,
    FunnelRowView,
    InboxPageView,
    InboxQuery,
    ProgressView,
    ReportDecisionRequest,
    ReportDecisionView,
)
from shared.rpc.common import load_actor
from shared.rpc.paging import dump_page, load_page


class ApprovalsService(HealthEndpoint, PersonalDataService):
    name = "approvals"
    db = Database(Repository)
    personal_holdings = personal_data.HOLDINGS
    personal_after_erasure = staticmethod(personal_data.record_erasure)

    # --- asked by the gateway -------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def coordinator_programmes(self, subject):
        with self.db.unit_of_work() as uow:
            return coordinators.coordinator_programmes(uow, subject=subject)

    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, actor, query=None):
        actor, query = load_actor(actor), load(InboxQuery, query or {})
        with self.db.unit_of_work() as uow:
            return dump(InboxPageView, queries.inbox(uow, actor=actor, query=query))

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, actor, activity_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return dump(ActivityDetailView, queries.get_activity(uow, actor=actor, activity_id=str(activity_id)))

    @rpc(expected_exceptions=EXPECTED)
    def decide_activity(self, actor, activity_id, request):
        actor, request = load_actor(actor), load(ActivityDecisionRequest, request)
        with self.db.unit_of_work() as uow:
            decision = decisions.decide_activity(uow, actor=actor, activity_id=activity_id, request=request)
        return dump(ActivityDecisionView, decision)

    @rpc(expected_exceptions=EXPECTED)
    def bulk_decide(self, actor, request):
        """Each item is decided on its own (its own transaction); one result per item, in order."""
        actor, request = load_actor(actor), load(BulkDecisionRequest, request)
        results = []
        for item in request.items:
            try:
                with self.db.unit_of_work() as uow:
                    decision = decisions.decide_activity(
                        uow, actor=actor, activity_id=item.activity_id, request=request.for_item(item)
                    )
                results.append(decisions.bulk_item_result(item, decision))
            except CimError as refusal:
                results.append(decisions.bulk_item_result(item, refusal=refusal))
        return dump(BulkDecisionView, {"results": results})

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_approval(self, actor, activity_id, request):
        actor, request = load_actor(actor), load(ApprovalWithdrawalRequest, request)
        with self.db.unit_of_work() as uow:
            result = decisions.withdraw_approval(uow, actor=actor, activity_id=activity_id, request=request)
        return dump(ApprovalWithdrawalView, result)

    @rpc(expected_exceptions=EXPECTED)
    def decide_report(self, actor, student_id, request):
        actor, request = load_actor(actor), load(ReportDecisionRequest, request)
        with self.db.unit_of_work() as uow:
            decision = decisions.decide_report(uow, actor=actor, student_id=student_id, request=request)
        return dump(ReportDecisionView, decision)

    @rpc(expected_exceptions=EXPECTED)
    def audit_trail(self, actor, student_id, query=None):
        """One page of the trail: {items, next_cursor} (every entry when the query has no limit)."""
        actor, query = load_actor(actor), load(AuditPageQuery, query or {})
        with self.db.unit_of_work() as uow:
            return dump(
                AuditPageView,
                queries.audit_trail(
                    uow, actor=actor, student_id=student_id, cursor=query["cursor"], limit=query["limit"]
                ),
            )

    @rpc(expected_exceptions=EXPECTED)
    def funnel(self, actor, query=None):
        actor, query = load_actor(actor), load(FunnelQuery, query or {})
        with self.db.unit_of_work() as uow:
            return FunnelRowView(many=True).dump(queries.funnel(uow, actor=actor, programme=query["programme"]))

    @rpc(expected_exceptions=EXPECTED)
    def alerts(self, actor):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return AlertView(many=True).dump(queries.alerts(uow, actor=actor))

    @rpc(expected_exceptions=EXPECTED)
    def progress(self, actor):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return dump(ProgressView, queries.progress(uow, actor=actor))

    @rpc(expected_exceptions=EXPECTED)
    def list_coordinators(self, actor, query=None):
        """One page of the directory: {items, next_cursor} (`query`: cursor, limit)."""
        actor, page = load_actor(actor), load_page(query)
        with self.db.unit_of_work() as uow:
            return dump_page(CoordinatorView, coordinators.list_coordinators(uow, actor=actor, page=page))

    @rpc(expected_exceptions=EXPECTED)
    def put_coordinator(self, actor, subject, request):
        actor, request = load_actor(actor), load(CoordinatorRequest, request)
        with self.db.unit_of_work() as uow:
            coordinator = coordinators.put_coordinator(uow, actor=actor, subject=subject, request=request)
        return dump(CoordinatorView, coordinator)

    # --- keeping the copies ---------------------------------------------------------------

    @on_event(STUDENT_REGISTERED)
    def on_student_registered(self, event):
        self.db.consume(event, consumers.record_student)

    @on_event(STUDENT_UPDATED)
    def on_student_updated(self, event):
        self.db.consume(event, consumers.record_student)

    @on_event(STUDENT_WITHDRAWN)
    def on_student_withdrawn(self, event):
        self.db.consume(event, consumers.withdraw_student)

    @on_event(ACTIVITY_SUBMITTED)
    def on_activity_submitted(self, event):
        self.db.consume(event, consumers.record_activity)

    @on_event(ACTIVITY_RESUBMITTED)
    def on_activity_resubmitted(self, event):
        self.db.consume(event, consumers.record_activity)

    @on_event(ACTIVITY_WITHDRAWN)
    def on_activity_withdrawn(self, event):
        self.db.consume(event, consumers.withdraw_activity)

    @on_event(REPORT_SUBMITTED)
    def on_report_submitted(self, event):
        self.db.consume(event, consumers.record_report)

    @on_event(PRESENTATION_RECORDED)
    def on_presentation_recorded(self, event):
        self.db.consume(event, consumers.record_presentation)

    @on_event(CERTIFICATE_ISSUED)
    def on_certificate_issued(self, event):
        self.db.consume(event, consumers.record_certificate_issued)
