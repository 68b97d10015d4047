"""Registration as a nameko service: validate, call one use case, return a dump."""

from shared.rpc_entrypoint import rpc

from services.registration import handlers, personal_data
from services.registration.orm import Repository
from shared.dependencies import Database
from shared.errors import EXPECTED
from shared.events import ENROLMENT_REPORTED, LEGAL_NAME_REPORTED, UNENROLMENT_REPORTED
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.personal_service import PersonalDataService
from shared.rpc import dump, load
from shared.rpc.common import load_actor
from shared.rpc.paging import dump_page, load_page
from shared.rpc.personal_data import ErasureRequest, WithdrawalRequest
from shared.rpc.registration import (
    ProgrammeChangeRequest,
    ProgrammeView,
    RegistrationRequest,
    StudentNamesRequest,
    StudentView,
)


class RegistrationService(HealthEndpoint, PersonalDataService):
    name = "registration"
    db = Database(Repository)
    personal_holdings = personal_data.HOLDINGS

    @rpc(expected_exceptions=EXPECTED)
    def register(self, actor, request):
        actor, request = load_actor(actor), load(RegistrationRequest, request)
        with self.db.unit_of_work() as uow:
            student = handlers.register(uow, actor=actor, request=request)
        return dump(StudentView, student)

    @rpc(expected_exceptions=EXPECTED)
    def find_student(self, issuer, subject):
        with self.db.unit_of_work() as uow:
            return dump(StudentView, handlers.find_student(uow, issuer=issuer, subject=subject))

    @rpc(expected_exceptions=EXPECTED)
    def get_student(self, student_id):
        with self.db.unit_of_work() as uow:
            return dump(StudentView, handlers.get_student(uow, student_id=student_id))

    @rpc(expected_exceptions=EXPECTED)
    def student_names(self, request):
        """{student id: legal name} of the registered ones among `student_ids` (one statement)."""
        request = load(StudentNamesRequest, request)
        with self.db.unit_of_work() as uow:
            return handlers.student_names(uow, student_ids=request.student_ids)

    @rpc(expected_exceptions=EXPECTED)
    def withdraw(self, actor, request=None):
        actor, request = load_actor(actor), load(WithdrawalRequest, request or {})
        with self.db.unit_of_work() as uow:
            student = handlers.withdraw(uow, actor=actor, reason=request.get("reason"))
        return dump(StudentView, student)

    @rpc(expected_exceptions=EXPECTED)
    def change_programme(self, actor, student_id, request):
        actor, request = load_actor(actor), load(ProgrammeChangeRequest, request)
        with self.db.unit_of_work() as uow:
            student = handlers.change_programme(uow, actor=actor, student_id=student_id, request=request)
        return dump(StudentView, student)

    @rpc(expected_exceptions=EXPECTED)
    def list_programmes(self, query=None):
        """One page of the programmes: {items, next_cursor} (`query`: cursor, limit)."""
        page = load_page(query)
        with self.db.unit_of_work() as uow:
            return dump_page(ProgrammeView, handlers.list_programmes(uow, page))

    # --- what campus systems reported -------------------------------------------------------

    @on_event(ENROLMENT_REPORTED)
    def on_enrolment_reported(self, event):
        self.db.consume(event, handlers.enrol)

    @on_event(UNENROLMENT_REPORTED)
    def on_unenrolment_reported(self, event):
        self.db.consume(event, handlers.unenrol)

    @on_event(LEGAL_NAME_REPORTED)
    def on_legal_name_reported(self, event):
        self.db.consume(event, handlers.change_legal_name)

    # --- personal data ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def request_erasure(self, actor, student_id, request):
        actor, request = load_actor(actor), load(ErasureRequest, request)
        with self.db.unit_of_work() as uow:
            return personal_data.request_erasure(uow, actor=actor, student_id=str(student_id), reason=request["reason"])

    @rpc(expected_exceptions=EXPECTED)
    def latest_erasure(self, actor, student_id):
        with self.db.unit_of_work() as uow:
            return personal_data.latest_erasure(uow, actor=load_actor(actor), student_id=str(student_id))
