"""Certificates as a nameko service: validate, call one use case, return a dump."""
from functools import partial

from nameko.rpc import rpc

from services.certificates import handlers
from services.certificates.pdf import render_in_child
from shared.dependencies import Database
from shared.errors import EXPECTED
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.rpc import load
from shared.rpc.certificates import (
    CertificateFileView, CertificateView, DiplomaSupplementView, RevocationRequest,
    VerificationView)
from shared.rpc.common import ActorSchema


class CertificatesService(HealthEndpoint):
    name = "certificates"
    db = Database()

    @on_event("approvals", "student.eligible.v1")
    def on_student_eligible(self, event):
        settings = self.db.settings
        with self.db.unit_of_work() as uow:
            certificate, content = handlers.draft_certificate(
                uow, eligibility=event.data, public_base_url=settings.public_base_url)
        # Rendered before the issuing transaction opens, in a child process (off the hub).
        pdf = render_in_child(content, settings.render_timeout_s) if certificate else None
        self.db.consume(event, partial(handlers.issue_certificate, certificate=certificate,
                                       pdf=pdf, public_base_url=settings.public_base_url))

    @rpc(expected_exceptions=EXPECTED)
    def get_certificate(self, actor):
        actor = load(ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            certificate = handlers.get_certificate(
                uow, role=actor["role"], student_id=actor["student_id"],
                public_base_url=self.db.settings.public_base_url)
        return CertificateView().dump(certificate)

    @rpc(expected_exceptions=EXPECTED)
    def download(self, actor):
        actor = load(ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            document = handlers.download(uow, role=actor["role"], student_id=actor["student_id"])
        return CertificateFileView().dump(document)

    @rpc(expected_exceptions=EXPECTED)
    def verify(self, code):
        with self.db.unit_of_work() as uow:
            return VerificationView().dump(handlers.verify(uow, code=str(code or "")))

    @rpc(expected_exceptions=EXPECTED)
    def diploma_supplement(self, actor, student_id):
        actor = load(ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            entry = handlers.diploma_supplement(uow, role=actor["role"], student_id=student_id)
        return DiplomaSupplementView().dump(entry)

    @rpc(expected_exceptions=EXPECTED)
    def revoke(self, actor, code, request):
        actor = load(ActorSchema, actor)
        request = load(RevocationRequest, request)
        with self.db.unit_of_work() as uow:
            view = handlers.revoke(uow, role=actor["role"], code=code, reason=request["reason"])
        return VerificationView().dump(view)
