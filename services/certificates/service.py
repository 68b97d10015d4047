"""Certificates as a nameko service: validate, call one use case, return a dump.

Issuing renders a PDF between two units of work (a draft, then the store), so the render never
holds a transaction open.
"""

from functools import partial

from shared.rpc_entrypoint import rpc

from services.certificates import badge, personal_data
from services.certificates.handlers import issuing, queries, revocation
from services.certificates.keys import Keys
from services.certificates.orm import Repository
from services.certificates.pdf import Renderer
from shared.dependencies import Database
from shared.errors import EXPECTED, Invalid
from shared.events import ACTIVITY_APPROVAL_WITHDRAWN, DEGREE_REPORTED, STUDENT_ELIGIBLE, STUDENT_UPDATED
from shared.health import HealthEndpoint
from shared.messaging import on_event
from shared.personal_service import PersonalDataService
from shared.rpc import dump, load
from shared.rpc.certificates import (
    ArchiveView,
    BadgeView,
    CertificateFileView,
    CertificateView,
    DiplomaSupplementView,
    ReissueRequest,
    RevocationRequest,
    ReviewDecisionRequest,
    ReviewView,
    StatusListView,
    VerificationView,
)
from shared.rpc.common import load_actor
from shared.rpc.paging import dump_page, load_page


class CertificatesService(HealthEndpoint, PersonalDataService):
    name = "certificates"
    db = Database(Repository)
    personal_holdings = personal_data.HOLDINGS
    keys = Keys()
    renderer = Renderer()  # the warm, bounded render pool (pdf.py)

    @property
    def _base_url(self) -> str:
        return self.db.settings.public_base_url

    def _render(self, content):
        """Render and seal in the pool (off the hub), within the configured time; while every
        worker is busy this delivery waits for one, so a backlog starts no more renders."""
        return self.renderer.render(content, self.keys)

    # --- events -------------------------------------------------------------------------------

    @on_event(STUDENT_ELIGIBLE)
    def on_student_eligible(self, event):
        with self.db.unit_of_work() as uow:
            certificate, content = issuing.draft_certificate(
                uow, eligibility=event.data, public_base_url=self._base_url
            )
        pdf = self._render(content) if certificate else None
        self.db.consume(
            event, partial(issuing.issue_certificate, certificate=certificate, pdf=pdf, public_base_url=self._base_url)
        )

    @on_event(STUDENT_UPDATED)
    def on_student_updated(self, event):
        """A corrected legal name re-issues the valid certificate under that name."""
        with self.db.unit_of_work() as uow:
            certificate, content = issuing.draft_name_correction(
                uow, student_id=event.data["student_id"], name=event.data["name"], public_base_url=self._base_url
            )
        pdf = self._render(content) if certificate else None
        self.db.consume(
            event, partial(issuing.store_reissue, certificate=certificate, pdf=pdf, public_base_url=self._base_url)
        )

    @on_event(ACTIVITY_APPROVAL_WITHDRAWN)
    def on_approval_withdrawn(self, event):
        self.db.consume(event, revocation.flag_for_review)

    # --- the student ----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_certificate(self, actor):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            certificate = queries.get_certificate(uow, actor=actor, public_base_url=self._base_url)
        return dump(CertificateView, certificate)

    @rpc(expected_exceptions=EXPECTED)
    def download(self, actor):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            document = queries.download(uow, actor=actor)
        return dump(CertificateFileView, document)

    @rpc(expected_exceptions=EXPECTED)
    def badge(self, actor):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            credential = queries.badge_credential(uow, actor=actor, public_base_url=self._base_url)
        code = credential["evidence"][0]["id"].rsplit("/", 1)[-1]
        return dump(
            BadgeView,
            {
                "filename": f"cim-badge-{code}.jwt",
                "media_type": badge.MEDIA_TYPE,
                "credential": badge.sign_credential(credential, self.keys),
            },
        )

    # --- the public -----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def verify(self, code):
        with self.db.unit_of_work() as uow:
            return dump(VerificationView, queries.verify(uow, code=str(code or ""), public_base_url=self._base_url))

    @rpc(expected_exceptions=EXPECTED)
    def jwks(self):
        return badge.key_set(self.keys)

    @rpc(expected_exceptions=EXPECTED)
    def status_list(self, list_number):
        """The revocation status list, signed like the badges (a BitstringStatusListCredential)."""
        with self.db.unit_of_work() as uow:
            credential = queries.revocation_list(
                uow, list_number=str(list_number or ""), public_base_url=self._base_url
            )
        return dump(
            StatusListView,
            {
                "media_type": badge.MEDIA_TYPE,
                "credential": badge.sign_credential(credential, self.keys),
                "ttl_seconds": credential["credentialSubject"]["ttl"] // 1000,
            },
        )

    # --- registrar and admin --------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def diploma_supplement(self, actor, student_id):
        actor = load_actor(actor)
        with self.db.unit_of_work() as uow:
            entry = queries.diploma_supplement(uow, actor=actor, student_id=student_id)
        return dump(DiplomaSupplementView, entry)

    @rpc(expected_exceptions=EXPECTED)
    def revoke(self, actor, code, request):
        actor, request = load_actor(actor), load(RevocationRequest, request)
        with self.db.unit_of_work() as uow:
            view = revocation.revoke(uow, actor=actor, code=str(code or ""), request=request)
        return dump(VerificationView, view)

    @rpc(expected_exceptions=EXPECTED)
    def reissue(self, actor, code, request):
        """An admin's correction: a new version (rendered and sealed now) supersedes `code`."""
        actor, request = load_actor(actor), load(ReissueRequest, request)
        with self.db.unit_of_work() as uow:
            certificate, content = issuing.draft_admin_reissue(
                uow, actor=actor, code=str(code or ""), request=request, public_base_url=self._base_url
            )
        pdf = self._render(content)
        with self.db.unit_of_work() as uow:
            view = issuing.store_admin_reissue(uow, certificate=certificate, pdf=pdf, public_base_url=self._base_url)
        return dump(CertificateView, view)

    @rpc(expected_exceptions=EXPECTED)
    def reviews(self, actor, query=None):
        """One page of the pending reviews: {items, next_cursor} (`query`: cursor, limit)."""
        actor, page = load_actor(actor), load_page(query)
        with self.db.unit_of_work() as uow:
            return dump_page(ReviewView, revocation.list_reviews(uow, actor=actor, page=page))

    @rpc(expected_exceptions=EXPECTED)
    def decide_review(self, actor, code, request):
        actor, request = load_actor(actor), load(ReviewDecisionRequest, request)
        with self.db.unit_of_work() as uow:
            view = revocation.decide_review(uow, actor=actor, code=str(code or ""), request=request)
        return dump(VerificationView, view)

    @rpc(expected_exceptions=EXPECTED)
    def ceremony_archive(self, actor, ceremony_id):
        actor = load_actor(actor)
        if not isinstance(ceremony_id, str) or not ceremony_id:
            raise Invalid({"ceremony_id": ["a ceremony id is required"]})
        with self.db.unit_of_work() as uow:
            return dump(ArchiveView, queries.ceremony_archive(uow, actor=actor, ceremony_id=ceremony_id))

    @on_event(DEGREE_REPORTED)
    def on_degree_reported(self, event):
        """Student records conferred a degree: the supplement line is sent for it."""
        self.db.consume(event, issuing.record_degree)
