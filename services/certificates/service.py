"""Certificates as a nameko service: validate, call one use case, return a dump."""
from functools import partial

from nameko.rpc import rpc

from services.certificates import badge, handlers
from services.certificates.domain import require_admin
from services.certificates.keys import Keys
from services.certificates.pdf import render_in_child
from shared.dependencies import Database
from shared.errors import EXPECTED, Conflict, Invalid
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.rpc import load
from shared.rpc.certificates import (
    ArchiveView, BadgeView, CertificateFileView, CertificateView, DiplomaSupplementView,
    ReissueRequest, RevocationRequest, ReviewDecisionRequest, ReviewView, VerificationView)
from shared.rpc.common import ActorSchema
from shared.events import ACTIVITY_APPROVAL_WITHDRAWN, STUDENT_ELIGIBLE, STUDENT_UPDATED


class CertificatesService(HealthEndpoint):
    name = "certificates"
    db = Database()
    keys = Keys()

    def _render(self, content):
        """Render and seal in a child process (off the hub), within the configured time."""
        return render_in_child(content, self.db.settings.render_timeout_s, self.keys)

    # --- events -------------------------------------------------------------------------------

    @on_event(STUDENT_ELIGIBLE)
    def on_student_eligible(self, event):
        settings = self.db.settings
        with self.db.unit_of_work() as uow:
            certificate, content = handlers.draft_certificate(
                uow, eligibility=event.data, public_base_url=settings.public_base_url)
        # Rendered before the issuing transaction opens, in a child process (off the hub).
        pdf = self._render(content) if certificate else None
        self.db.consume(event, partial(handlers.issue_certificate, certificate=certificate,
                                       pdf=pdf, public_base_url=settings.public_base_url))

    @on_event(STUDENT_UPDATED)
    def on_student_updated(self, event):
        """A corrected legal name re-issues the valid certificate under that name."""
        base_url = self.db.settings.public_base_url
        with self.db.unit_of_work() as uow:
            certificate, content = handlers.draft_reissue(
                uow, public_base_url=base_url, reason=handlers.NAME_CORRECTED,
                student_id=event.data["student_id"], name=event.data["name"])
        pdf = self._render(content) if certificate else None
        self.db.consume(event, partial(handlers.store_reissue, certificate=certificate, pdf=pdf,
                                       public_base_url=base_url))

    @on_event(ACTIVITY_APPROVAL_WITHDRAWN)
    def on_approval_withdrawn(self, event):
        self.db.consume(event, handlers.flag_for_review)

    # --- the student ----------------------------------------------------------------------------

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
    def badge(self, actor):
        actor = load(ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            credential = handlers.badge_credential(
                uow, role=actor["role"], student_id=actor["student_id"],
                public_base_url=self.db.settings.public_base_url)
        code = credential["evidence"][0]["id"].rsplit("/", 1)[-1]
        return BadgeView().dump({"filename": f"cim-badge-{code}.jwt",
                                 "media_type": badge.MEDIA_TYPE,
                                 "credential": badge.sign_credential(credential, self.keys)})

    # --- the public -----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def verify(self, code):
        with self.db.unit_of_work() as uow:
            return VerificationView().dump(handlers.verify(
                uow, code=str(code or ""), public_base_url=self.db.settings.public_base_url))

    @rpc(expected_exceptions=EXPECTED)
    def jwks(self):
        return badge.key_set(self.keys)

    # --- registrar and admin --------------------------------------------------------------------

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
            view = handlers.revoke(uow, role=actor["role"], code=code, reason=request["reason"],
                                   subject=actor["subject"])
        return VerificationView().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def reissue(self, actor, code, request):
        """An admin's correction: a new version (rendered and sealed now) supersedes `code`."""
        actor = load(ActorSchema, actor)
        request = load(ReissueRequest, request)
        require_admin(actor["role"])
        base_url = self.db.settings.public_base_url
        with self.db.unit_of_work() as uow:
            certificate, content = handlers.draft_reissue(
                uow, public_base_url=base_url, reason=request["reason"], code=str(code or ""))
        if certificate is None:
            raise Invalid({"reason": ["nothing to re-issue"]})
        pdf = self._render(content)
        with self.db.unit_of_work() as uow:
            try:
                view = handlers.store_reissue(uow, certificate=certificate, pdf=pdf,
                                              public_base_url=base_url)
            except handlers.StaleDraft:
                raise Conflict("the certificate changed while the new version was rendered; "
                               "try again") from None
            uow.commit()
        return CertificateView().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def reviews(self, actor):
        actor = load(ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            return ReviewView(many=True).dump(handlers.list_reviews(uow, role=actor["role"]))

    @rpc(expected_exceptions=EXPECTED)
    def decide_review(self, actor, code, request):
        actor = load(ActorSchema, actor)
        request = load(ReviewDecisionRequest, request)
        with self.db.unit_of_work() as uow:
            view = handlers.decide_review(uow, role=actor["role"], subject=actor["subject"],
                                          code=str(code or ""), decision=request["decision"],
                                          reason=request["reason"])
        return VerificationView().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def ceremony_archive(self, actor, ceremony_id):
        actor = load(ActorSchema, actor)
        if not isinstance(ceremony_id, str) or not ceremony_id:
            raise Invalid({"ceremony_id": ["a ceremony id is required"]})
        with self.db.unit_of_work() as uow:
            return ArchiveView().dump(handlers.ceremony_archive(
                uow, role=actor["role"], ceremony_id=ceremony_id))
