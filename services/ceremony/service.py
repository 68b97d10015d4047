"""The ceremony as a nameko service: validate, call one use case, return a dump."""

import base64
from datetime import timedelta

from shared.rpc_entrypoint import rpc

from services.ceremony import handlers, personal_data
from services.ceremony.roster_pdf import render_in_child
from services.ceremony.orm import Repository
from shared.dependencies import Database
from shared.errors import EXPECTED
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    REPORT_ACCEPTED,
    REPORT_RETURNED,
    STUDENT_ACTIVITY_REQUIREMENT_MET,
    STUDENT_WITHDRAWN,
)
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.personal_service import PersonalDataService
from shared.rpc import dump, load
from shared.rpc.ceremony import (
    BookingView,
    CancelRequest,
    CeremonyView,
    ChangeRequest,
    PresentationRequest,
    PresentationView,
    ReportDetailView,
    ReportFileView,
    ReportRequest,
    ReportView,
    RosterView,
    ScheduleRequest,
)
from shared.rpc.common import load_actor
from shared.rpc.paging import dump_page, load_page


class CeremonyService(HealthEndpoint, PersonalDataService):
    name = "ceremony"
    db = Database(Repository)
    personal_holdings = personal_data.HOLDINGS

    @rpc(expected_exceptions=EXPECTED)
    def schedule(self, actor, request):
        actor, request = load_actor(actor), load(ScheduleRequest, request)
        with self.db.unit_of_work() as uow:
            ceremony = handlers.schedule(uow, actor=actor, request=request)
        return dump(CeremonyView, ceremony)

    @rpc(expected_exceptions=EXPECTED)
    def list_ceremonies(self, query=None):
        """One page of the ceremonies to come: {items, next_cursor} (`query`: cursor, limit)."""
        page = load_page(query)
        with self.db.unit_of_work() as uow:
            return dump_page(CeremonyView, handlers.list_ceremonies(uow, page))

    @rpc(expected_exceptions=EXPECTED)
    def cancel(self, actor, ceremony_id, request):
        actor, request = load_actor(actor), load(CancelRequest, request)
        with self.db.unit_of_work() as uow:
            ceremony = handlers.cancel(uow, actor=actor, ceremony_id=str(ceremony_id), reason=request.reason)
        return dump(CeremonyView, ceremony)

    @rpc(expected_exceptions=EXPECTED)
    def change(self, actor, ceremony_id, request):
        actor, request = load_actor(actor), load(ChangeRequest, request)
        with self.db.unit_of_work() as uow:
            ceremony = handlers.change(uow, actor=actor, ceremony_id=str(ceremony_id), request=request)
        return dump(CeremonyView, ceremony)

    @rpc(expected_exceptions=EXPECTED)
    def roster(self, actor, ceremony_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return dump(RosterView, handlers.roster(uow, actor=actor, ceremony_id=str(ceremony_id)))

    @rpc(expected_exceptions=EXPECTED)
    def roster_pdf(self, actor, ceremony_id, names=None):
        """The printable roster; `names` (student id to name) are the registration's, looked
        up by the gateway: this service keeps no names."""
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            roster = dump(RosterView, handlers.roster(uow, actor=actor, ceremony_id=str(ceremony_id)))
        names = names if isinstance(names, dict) else {}
        for entry in roster["presenting"] + roster["waiting"]:
            entry["name"] = names.get(entry["student_id"])
        pdf = render_in_child(roster, self.db.settings.render_timeout_s)
        return {
            "filename": f"roster-{roster['ceremony']['id']}.pdf",
            "content_b64": base64.b64encode(pdf).decode("ascii"),
        }

    @rpc(expected_exceptions=EXPECTED)
    def book(self, actor, ceremony_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            booking = handlers.book(uow, actor=actor, ceremony_id=str(ceremony_id))
        return dump(BookingView, booking)

    @rpc(expected_exceptions=EXPECTED)
    def my_booking(self, actor):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            return dump(BookingView, handlers.my_booking(uow, actor=actor))

    @rpc(expected_exceptions=EXPECTED)
    def cancel_my_booking(self, actor):
        actor = load_actor(actor)
        deadline = timedelta(days=self.db.settings.ceremony_cancellation_days)
        with self.db.unit_of_work() as uow:
            booking = handlers.cancel_my_booking(uow, actor=actor, deadline=deadline)
        return dump(BookingView, booking)

    @rpc(expected_exceptions=EXPECTED)
    def submit_report(self, actor, request):
        actor, request = load_actor(actor), load(ReportRequest, request)
        with self.db.unit_of_work() as uow:
            report = handlers.submit_report(
                uow,
                actor=actor,
                filename=request.filename,
                content=request.content_b64,
                max_bytes=self.db.settings.max_upload_bytes,
            )
        return dump(ReportView, report)

    @rpc(expected_exceptions=EXPECTED)
    def get_report(self, actor, student_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            report = handlers.get_report(uow, actor=actor, student_id=str(student_id))
        return dump(ReportDetailView, report)

    @rpc(expected_exceptions=EXPECTED)
    def download_report(self, actor, student_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            report = handlers.get_report(uow, actor=actor, student_id=str(student_id))
            return dump(ReportFileView, report)  # in the block: the file is loaded on demand

    @rpc(expected_exceptions=EXPECTED)
    def record_presentation(self, actor, ceremony_id, request):
        actor, request = load_actor(actor), load(PresentationRequest, request)
        with self.db.unit_of_work() as uow:
            presentation = handlers.record_presentation(
                uow, actor=actor, ceremony_id=str(ceremony_id), student_id=request.student_id, outcome=request.outcome
            )
        return dump(PresentationView, presentation)

    @on_event(STUDENT_ACTIVITY_REQUIREMENT_MET)
    def on_activity_requirement_met(self, event):
        self.db.consume(event, handlers.record_requirement_met)

    @on_event(ACTIVITY_APPROVAL_WITHDRAWN)
    def on_approval_withdrawn(self, event):
        self.db.consume(event, handlers.record_approval_withdrawn)

    @on_event(REPORT_ACCEPTED)
    def on_report_accepted(self, event):
        self.db.consume(event, handlers.record_report_accepted)

    @on_event(REPORT_RETURNED)
    def on_report_returned(self, event):
        self.db.consume(event, handlers.record_report_returned)

    # --- personal data ---------------------------------------------------------------------------

    @on_event(STUDENT_WITHDRAWN)
    def on_student_withdrawn(self, event):
        self.db.consume(event, personal_data.withdraw_student)
