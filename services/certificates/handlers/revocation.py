"""An admin revokes a certificate, or reviews one after an approval it counted was withdrawn.

Revocation is a state, not a delete: the certificate stays on record and verifiers see why.
"""

from __future__ import annotations

from services.certificates.domain.certificates import Certificate
from services.certificates.domain.reviews import REVOKE, review_decision, review_for_withdrawal
from services.certificates.domain.verification import verification
from services.certificates.handlers.common import certificate_by_code, review_view
from shared import keyset
from shared.db import utcnow
from shared.errors import Conflict
from shared.events import CERTIFICATE_REVOKED
from shared.permissions import ADMIN, Actor, ensure_may_have_role
from shared.rpc.certificates import ReviewDecision, Revocation
from shared.rpc.paging import FIRST_PAGE, Page


def revoke(uow, *, actor: Actor, code: str, request: Revocation) -> dict:
    """An admin revokes a certificate: it stays on record, verifiers see the reason."""
    ensure_may_have_role(actor, ADMIN, doing="change certificates")
    certificate = certificate_by_code(uow, code, lock=True)
    _revoke(uow, certificate, request.reason, actor.subject)
    return verification(certificate.code, certificate)


def _revoke(uow, certificate: Certificate, reason: str, subject: str):
    """Revoke, close the certificate's pending reviews (revoked), announce it."""
    now = utcnow()
    certificate.revoke(reason, now)
    for review in uow.repo.pending_reviews(certificate.certificate_id):
        review.decide(REVOKE, certificate.revoked_reason, subject, now)
    uow.publish(
        CERTIFICATE_REVOKED,
        {
            "certificate_id": certificate.certificate_id,
            "code": certificate.code,
            "student_id": certificate.student_id,
            "reason": certificate.revoked_reason,
            "revoked_at": now,
        },
    )


# --- admin review after an approval was withdrawn --------------------------------------------


def flag_for_review(uow, data: dict) -> dict | None:
    """activity.approval_withdrawn.v1: a certificate that may no longer be deserved waits for an admin."""
    certificate = uow.repo.valid_for(data["student_id"])
    review = review_for_withdrawal(certificate, withdrawal=data, now=utcnow())
    if review is None:
        return None
    uow.repo.add(review)
    return review_view(review, certificate)


def list_reviews(uow, *, actor: Actor, page: Page = FIRST_PAGE) -> dict:
    """One page of the pending reviews, oldest first."""
    ensure_may_have_role(actor, ADMIN, doing="review certificates")
    position = keyset.decode_cursor(page.cursor, "reviews", (keyset.aware_datetime, str)) if page.cursor else None
    rows = uow.repo.pending_reviews_page(position, page.limit)
    cut = keyset.page_of(rows, page.limit, "reviews", lambda row: (row[0].requested_at, row[0].review_id))
    items = [review_view(review, certificate) for review, certificate in cut["items"]]
    return {"items": items, "next_cursor": cut["next_cursor"]}


def decide_review(uow, *, actor: Actor, code: str, request: ReviewDecision) -> dict:
    """Keep the certificate (the reviews close) or revoke it (with the reason, announced)."""
    ensure_may_have_role(actor, ADMIN, doing="review certificates")
    decision, reason = review_decision(request.decision, request.reason)
    certificate = certificate_by_code(uow, code, lock=True)
    reviews = uow.repo.pending_reviews(certificate.certificate_id)
    if not reviews:
        raise Conflict("this certificate has no pending review")
    if decision == REVOKE:
        _revoke(uow, certificate, reason, actor.subject)
    now = utcnow()
    for review in reviews:
        if review.pending:
            review.decide(decision, reason, actor.subject, now)
    return verification(certificate.code, certificate)
