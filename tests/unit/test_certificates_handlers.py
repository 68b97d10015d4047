"""Certificates' use cases on a fake unit of work: what they store, publish and refuse.

The PDF is rendered by the service between a draft and its store; here a few fixed bytes
stand in for it.
"""

import base64
import io
import zipfile

import pytest

from services.certificates.domain.certificates import REVOKED, SUPERSEDED, VALID
from services.certificates.handlers import issuing, queries, revocation
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import CERTIFICATE_ISSUED, CERTIFICATE_REVOKED, DIPLOMA_SUPPLEMENT_RECORDED
from shared.rpc.certificates import Reissue, ReviewDecision, Revocation
from tests.builders import a_coordinator, a_registrar, a_student_actor, an_admin
from tests.builders.certificates import a_name_update, a_withdrawal, an_eligibility
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.certificates import FakeCertificatesRepository

BASE_URL = "https://cim.example.org"
PDF = b"%PDF-1.7 rendered elsewhere"
NOT_ADMINS = [a_student_actor(), a_coordinator(), a_registrar()]


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeCertificatesRepository(), producer="certificates")


def issue(uow, student_id="stu-1", **overrides):
    """As the service does it: a draft in one unit of work, the store in the next."""
    eligibility = an_eligibility(student_id, **overrides)
    with uow:
        certificate, content = issuing.draft_certificate(uow, eligibility=eligibility, public_base_url=BASE_URL)
    with uow:
        return issuing.issue_certificate(
            uow, eligibility, certificate=certificate, pdf=PDF if certificate else None, public_base_url=BASE_URL
        )


def code_of(uow, student_id="stu-1"):
    return uow.repo.valid_for(student_id).code


# --- issuing ---------------------------------------------------------------------------------


def test_an_eligible_student_gets_a_certificate_its_pdf_and_supplement_line_announced_once(uow):
    view = issue(uow)
    certificate = uow.repo.valid_for("stu-1")
    assert (view["code"], view["status"], view["version"]) == (certificate.code, VALID, 1)
    assert view["verify_url"] == f"{BASE_URL}/verify/{certificate.code}"
    assert uow.repo.document(certificate.certificate_id).content == PDF
    assert uow.repo.supplement_for("stu-1").certificate_code == certificate.code
    assert uow.committed
    assert uow.types_published() == [CERTIFICATE_ISSUED, DIPLOMA_SUPPLEMENT_RECORDED]
    assert uow.published[0]["data"]["code"] == certificate.code


def test_the_draft_is_what_the_pdf_prints_and_writes_nothing(uow):
    with uow:
        certificate, content = issuing.draft_certificate(uow, eligibility=an_eligibility(), public_base_url=BASE_URL)
    assert content["holder_name"] == "Astrid Lindgren" and content["code"] == certificate.code
    assert content["verify_url"] == f"{BASE_URL}/verify/{certificate.code}"
    assert uow.repo.certificates == {} and uow.published == []


def test_a_second_eligibility_for_a_student_with_a_valid_certificate_does_nothing_more(uow):
    issue(uow)
    before = code_of(uow)
    assert issue(uow, name="Someone Else") is None
    assert code_of(uow) == before and len(uow.repo.certificates) == 1
    assert uow.types_published() == [CERTIFICATE_ISSUED, DIPLOMA_SUPPLEMENT_RECORDED]


def test_a_draft_overtaken_while_rendering_is_stale_and_stores_nothing(uow):
    eligibility = an_eligibility()
    with uow:
        certificate, _ = issuing.draft_certificate(uow, eligibility=eligibility, public_base_url=BASE_URL)
    issue(uow)  # another delivery issued, and an admin revoked, while this one rendered
    with uow:
        revocation.revoke(uow, actor=an_admin(), code=code_of(uow), request=Revocation("error"))
    with pytest.raises(issuing.StaleDraft):
        with uow:
            issuing.issue_certificate(uow, eligibility, certificate=certificate, pdf=PDF, public_base_url=BASE_URL)
    assert uow.rolled_back and len(uow.repo.certificates) == 1


def test_after_a_revocation_a_new_eligibility_issues_the_next_version(uow):
    issue(uow)
    first = code_of(uow)
    with uow:
        revocation.revoke(uow, actor=an_admin(), code=first, request=Revocation("error"))
    view = issue(uow)
    assert view["version"] == 2 and view["code"] != first


# --- re-issuing --------------------------------------------------------------------------------


def correct_name(uow, name):
    update = a_name_update("stu-1", name)
    with uow:
        certificate, _ = issuing.draft_name_correction(
            uow, student_id=update["student_id"], name=update["name"], public_base_url=BASE_URL
        )
    with uow:
        return issuing.store_reissue(
            uow, update, certificate=certificate, pdf=PDF if certificate else None, public_base_url=BASE_URL
        )


def test_a_corrected_name_supersedes_the_certificate_and_a_pending_review_follows_it(uow):
    issue(uow)
    old = uow.repo.valid_for("stu-1")
    with uow:
        revocation.flag_for_review(uow, a_withdrawal("stu-1"))
    view = correct_name(uow, "Astrid  Ericsson")
    new = uow.repo.valid_for("stu-1")
    assert old.state == SUPERSEDED and (new.version, new.holder_name) == (2, "Astrid Ericsson")
    assert view["code"] == new.code
    issued = uow.published[-2]["data"]
    assert (issued["supersedes"], issued["reissue_reason"]) == (old.code, issuing.NAME_CORRECTED)
    [review] = uow.repo.pending_reviews()
    assert review.certificate_code == new.code
    assert correct_name(uow, "Astrid Ericsson") is None  # the same printed name: nothing new


def test_a_name_update_without_a_certificate_changes_nothing(uow):
    assert correct_name(uow, "Someone") is None
    assert uow.repo.certificates == {} and uow.published == []


def admin_reissue(uow, actor, code, reason="typo in an activity title"):
    with uow:
        certificate, _ = issuing.draft_admin_reissue(
            uow, actor=actor, code=code, request=Reissue(reason), public_base_url=BASE_URL
        )
    with uow:
        return issuing.store_admin_reissue(uow, certificate=certificate, pdf=PDF, public_base_url=BASE_URL)


def test_an_admin_reissues_only_the_valid_version_of_a_known_code(uow):
    issue(uow)
    old = code_of(uow)
    with pytest.raises(Forbidden):
        admin_reissue(uow, a_registrar(), old)
    with pytest.raises(NotFound):
        admin_reissue(uow, an_admin(), "B" * 26)
    with pytest.raises(Invalid):
        admin_reissue(uow, an_admin(), old, reason="   ")
    view = admin_reissue(uow, an_admin(), old.lower())
    assert view["version"] == 2 and view["code"] != old
    with pytest.raises(Conflict):
        admin_reissue(uow, an_admin(), old)


def test_an_admin_reissue_overtaken_while_rendering_is_a_conflict(uow):
    issue(uow)
    with uow:
        certificate, _ = issuing.draft_admin_reissue(
            uow, actor=an_admin(), code=code_of(uow), request=Reissue("fix"), public_base_url=BASE_URL
        )
    admin_reissue(uow, an_admin(), code_of(uow))  # another admin was quicker
    with pytest.raises(Conflict):
        with uow:
            issuing.store_admin_reissue(uow, certificate=certificate, pdf=PDF, public_base_url=BASE_URL)


# --- revoking and reviews ----------------------------------------------------------------------


@pytest.mark.parametrize("actor", NOT_ADMINS)
def test_only_an_admin_may_revoke(uow, actor):
    issue(uow)
    with pytest.raises(Forbidden):
        with uow:
            revocation.revoke(uow, actor=actor, code=code_of(uow), request=Revocation("activity found invalid"))
    assert uow.types_published() == [CERTIFICATE_ISSUED, DIPLOMA_SUPPLEMENT_RECORDED]


def test_a_revocation_keeps_the_certificate_and_announces_the_reason(uow):
    issue(uow)
    code = code_of(uow)
    with pytest.raises(NotFound):
        with uow:
            revocation.revoke(uow, actor=an_admin(), code="B" * 26, request=Revocation("x"))
    with uow:
        view = revocation.revoke(uow, actor=an_admin(), code=code, request=Revocation("activity found invalid"))
    assert (view["status"], view["revoked_reason"]) == (REVOKED, "activity found invalid")
    assert uow.types_published()[-1] == CERTIFICATE_REVOKED
    assert uow.published[-1]["data"]["reason"] == "activity found invalid"
    with uow:
        assert queries.verify(uow, code=code)["status"] == REVOKED


def test_a_withdrawn_approval_flags_only_an_eligible_students_valid_certificate(uow):
    issue(uow)
    with uow:
        assert revocation.flag_for_review(uow, a_withdrawal("stu-2", was_eligible=False)) is None
        flagged = revocation.flag_for_review(uow, a_withdrawal("stu-1"))
    assert flagged["holder"] == "Astrid Lindgren" and flagged["decision"] is None
    with pytest.raises(Forbidden):
        with uow:
            revocation.list_reviews(uow, actor=a_registrar())
    with uow:
        [review] = revocation.list_reviews(uow, actor=an_admin())["items"]
    assert review["certificate_code"] == code_of(uow)


def test_an_admin_keeps_or_revokes_a_flagged_certificate_once(uow):
    issue(uow)
    code = code_of(uow)
    with uow:
        revocation.flag_for_review(uow, a_withdrawal("stu-1"))
    with pytest.raises(Forbidden):
        with uow:
            revocation.decide_review(uow, actor=a_registrar(), code=code, request=ReviewDecision("keep", "fine"))
    with uow:
        kept = revocation.decide_review(
            uow, actor=an_admin(), code=code, request=ReviewDecision("keep", "Enough remain.")
        )
    assert kept["status"] == VALID and uow.repo.pending_reviews() == []
    with pytest.raises(Conflict):
        with uow:
            revocation.decide_review(uow, actor=an_admin(), code=code, request=ReviewDecision("revoke", "x"))
    with uow:
        revocation.flag_for_review(uow, a_withdrawal("stu-1", activity_id="a-2"))
        revoked = revocation.decide_review(
            uow, actor=an_admin(), code=code, request=ReviewDecision("revoke", "Too few remain.")
        )
    assert revoked["status"] == REVOKED and uow.types_published()[-1] == CERTIFICATE_REVOKED
    assert [r.decided_by for r in uow.repo.reviews] == ["a-1", "a-1"]


# --- reading: the student's own certificate, records for the records' keepers -----------------


def test_a_student_reaches_their_own_certificate_and_nobody_elses(uow):
    issue(uow)
    with uow:
        mine = queries.get_certificate(uow, actor=a_student_actor("stu-1"), public_base_url=BASE_URL)
        document = queries.download(uow, actor=a_student_actor("stu-1"))
        badge = queries.badge_credential(uow, actor=a_student_actor("stu-1"), public_base_url=BASE_URL)
    assert mine["code"] == code_of(uow) and mine["programme"]["code"] == "MBIOM"
    assert base64.b64decode(document["content_b64"]) == PDF
    assert badge["evidence"][0]["id"] == mine["verify_url"]
    with uow:
        for reach in (
            lambda a: queries.get_certificate(uow, actor=a, public_base_url=BASE_URL),
            lambda a: queries.download(uow, actor=a),
            lambda a: queries.badge_credential(uow, actor=a, public_base_url=BASE_URL),
        ):
            with pytest.raises(NotFound):  # another student's, or not registered
                reach(a_student_actor("stu-2"))
            with pytest.raises(NotFound):
                reach(a_student_actor(None))
            for staff in (a_coordinator(), an_admin(), a_registrar()):
                with pytest.raises(Forbidden):
                    reach(staff)


def test_a_revoked_certificate_is_still_shown_to_its_holder_but_not_downloadable(uow):
    issue(uow)
    with uow:
        revocation.revoke(uow, actor=an_admin(), code=code_of(uow), request=Revocation("error"))
        assert (
            queries.get_certificate(uow, actor=a_student_actor("stu-1"), public_base_url=BASE_URL)["status"] == REVOKED
        )
        with pytest.raises(NotFound):
            queries.download(uow, actor=a_student_actor("stu-1"))


def test_supplement_records_are_for_registrars_and_admins(uow):
    issue(uow)
    with uow:
        for reader in (a_registrar(), an_admin()):
            entry = queries.diploma_supplement(uow, actor=reader, student_id="stu-1")
            assert entry.section == "6.1" and entry.student_id == "stu-1"
        for other in (a_student_actor("stu-1"), a_coordinator()):
            with pytest.raises(Forbidden):
                queries.diploma_supplement(uow, actor=other, student_id="stu-1")
        with pytest.raises(NotFound):
            queries.diploma_supplement(uow, actor=a_registrar(), student_id="stu-2")


def test_an_admin_downloads_a_ceremonys_valid_certificates_as_one_zip(uow):
    issue(uow, "stu-1")
    issue(uow, "stu-2", name="Selma Lagerlöf")
    with uow:
        revocation.revoke(uow, actor=an_admin(), code=code_of(uow, "stu-2"), request=Revocation("issued in error"))
        bundle = queries.ceremony_archive(uow, actor=an_admin(), ceremony_id="c-1")
        with pytest.raises(Forbidden):
            queries.ceremony_archive(uow, actor=a_registrar(), ceremony_id="c-1")
        with pytest.raises(NotFound):
            queries.ceremony_archive(uow, actor=an_admin(), ceremony_id="no-such-ceremony")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(bundle["content_b64"]))) as zipped:
        assert zipped.namelist() == [f"cim-certificate-{code_of(uow, 'stu-1')}.pdf"]
    assert bundle["count"] == 1


def test_verification_of_a_superseded_code_names_the_current_version(uow):
    issue(uow)
    old = code_of(uow)
    new = admin_reissue(uow, an_admin(), old)["code"]
    with uow:
        view = queries.verify(uow, code=old, public_base_url=BASE_URL)
        assert queries.verify(uow, code="not a code") == {"code": "not a code", "status": "unknown"}
    assert view["superseded_by"] == new and view["current_verify_url"] == f"{BASE_URL}/verify/{new}"
