"""The rules of certificates, in plain Python: no broker, no database, no renderer."""

import ast
import base64
import string
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from services.certificates.domain import codes
from services.certificates.domain.certificates import (
    REVOKED,
    SUPERSEDED,
    VALID,
    Certificate,
    CountedActivity,
    issue,
    reissue,
)
from services.certificates.domain.codes import CODE_LENGTH, new_code, normalise_code
from services.certificates.domain.content import document_content
from services.certificates.domain.open_badges import OB_CONTEXT, open_badge
from services.certificates.domain.reviews import KEEP, REVOKE, review_decision, review_for_withdrawal
from services.certificates.domain.supplement import supplement_entry
from services.certificates.domain.verification import verification, verify_url
from shared.errors import Conflict, Invalid
from tests.builders.certificates import an_eligibility

NOW = datetime(2026, 6, 2, 9, 30, tzinfo=timezone.utc)
LATER = datetime(2026, 6, 3, 9, 30, tzinfo=timezone.utc)
HOSTILE = "<img src=http://127.0.0.1:9/x>"


def issued(**kwargs) -> Certificate:
    return issue(eligibility=an_eligibility(**kwargs), current=None, latest_version=0, code=new_code(), now=NOW)


# --- the verification code -------------------------------------------------------------------


def test_a_code_carries_128_random_bits_in_26_url_safe_characters():
    code = new_code()
    assert len(code) == CODE_LENGTH == 26
    assert set(code) <= set(string.ascii_uppercase + "234567")
    assert quote(code, safe="") == code
    assert len(base64.b32decode(code + "=" * 6)) * 8 == 128 >= 80


def test_codes_do_not_repeat():
    codes = {new_code() for _ in range(5000)}
    assert len(codes) == 5000


def test_a_typed_code_is_forgiven_its_case_and_separators_but_garbage_is_not_a_code():
    code = new_code()
    typed = "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    assert normalise_code(f" {typed} ") == code
    for garbage in ("", "x", code[:-1], code + "A", code[:-1] + "1", "'; DROP TABLE x;--"):
        assert normalise_code(garbage) is None


# --- issuing ---------------------------------------------------------------------------------


def test_issuing_names_the_holder_programme_activities_and_ceremony():
    certificate = issued()
    assert certificate.state == VALID and certificate.version == 1
    assert certificate.holder_name == "Astrid Lindgren"
    assert (certificate.programme_code, certificate.programme_name_sv) == ("MBIOM", "Masterprogram i biomedicin")
    assert [a.title for a in certificate.counted_activities] == ["Exchange in Leiden", "Spanish café"]
    assert certificate.ceremony_date == date(2026, 5, 20) and certificate.issued_at == NOW
    assert "email" not in str(certificate.activities) and "astrid@" not in repr(certificate)


def test_a_student_who_holds_a_valid_certificate_gets_nothing_new():
    current = issued()
    assert issue(eligibility=an_eligibility(), current=current, latest_version=1, code=new_code(), now=LATER) is None


def test_after_a_revocation_a_new_eligibility_issues_the_next_version_with_a_new_code():
    first = issued()
    first.revoke("activity found invalid", LATER)
    second = issue(eligibility=an_eligibility(), current=None, latest_version=1, code=new_code(), now=LATER)
    assert second.version == 2 and second.code != first.code


def test_an_eligibility_without_activities_is_refused():
    with pytest.raises(Invalid):
        issued(activities=[])


def test_activities_survive_the_trip_through_their_stored_form():
    certificate = issued()
    again = [CountedActivity.from_record(r) for r in certificate.activities]
    assert again[0].start_date == date(2025, 9, 1) and again[0].place("en") == "NL"
    assert again[1].place("en") == "Sweden" and again[1].place("sv") == "Sverige"


# --- revoking and superseding ----------------------------------------------------------------


def test_revocation_keeps_the_certificate_and_states_the_reason():
    certificate = issued()
    certificate.revoke("  activity found invalid  ", LATER)
    assert certificate.state == REVOKED
    assert (certificate.revoked_reason, certificate.revoked_at) == ("activity found invalid", LATER)
    assert verification(certificate.code, certificate)["revoked_reason"] == ("activity found invalid")


def test_revocation_without_a_reason_is_refused():
    certificate = issued()
    for reason in ("", "   ", None):
        with pytest.raises(Invalid):
            certificate.revoke(reason, LATER)
    assert certificate.state == VALID


def test_only_a_valid_certificate_can_be_revoked_or_superseded():
    certificate = issued()
    certificate.revoke("wrong", LATER)
    with pytest.raises(Conflict):
        certificate.revoke("again", LATER)
    with pytest.raises(Conflict):
        certificate.supersede()
    other = issued()
    other.supersede()
    assert other.state == SUPERSEDED


# --- verification ----------------------------------------------------------------------------


def test_an_unknown_code_verifies_as_unknown_and_shows_nothing_else():
    assert verification("NOPE", None) == {"code": "NOPE", "status": "unknown"}


def test_verification_shows_what_the_certificate_shows_and_no_more():
    certificate = issued()
    view = verification(certificate.code, certificate)
    assert view["status"] == "valid" and view["holder"] == "Astrid Lindgren"
    assert set(view) == {"code", "status", "holder", "programme", "issued_at"}
    assert "stu-1" not in str(view) and "@" not in str(view)


def test_the_verify_url_is_the_public_base_url_and_the_code():
    assert verify_url("https://cim.example.org/", "ABC") == "https://cim.example.org/verify/ABC"


# --- the Diploma Supplement ------------------------------------------------------------------


def test_the_supplement_line_is_section_6_1_in_both_languages_from_the_catalogue_sentences():
    certificate = issued()
    entry = supplement_entry(certificate, NOW)
    assert entry.section == "6.1" and entry.certificate_code == certificate.code
    assert entry.student_id == "stu-1" and entry.recorded_at == NOW
    assert "Completed an exchange semester abroad: Exchange in Leiden (NL, 2025-09-01" in entry.text_en
    assert "Took part in language cafés: Spanish café (Sweden," in entry.text_en
    assert "Har genomfört en utbytestermin utomlands: Exchange in Leiden (NL," in entry.text_sv
    assert "Har deltagit i språkkaféer: Spanish café (Sverige," in entry.text_sv
    assert "Master's programme in Biomedicine" in entry.text_en
    assert "Masterprogram i biomedicin" in entry.text_sv
    for text in (entry.text_en, entry.text_sv):
        assert certificate.code in text and "2026-06-02" in text


def test_the_supplement_line_carries_no_personal_contact_data_and_no_judgement():
    entry = supplement_entry(issued(), NOW)
    for text in (entry.text_en, entry.text_sv):
        assert "astrid@example.org" not in text and "Astrid" not in text
        for word in ("excellent", "outstanding", "successfully", "framgångsrikt", "utmärkt"):
            assert word not in text.lower()


# --- what goes to the renderer ---------------------------------------------------------------


def test_the_document_content_is_what_the_certificate_prints():
    certificate = issued(name=HOSTILE)
    content = document_content(certificate, "http://x/verify/" + certificate.code)
    assert content["holder_name"] == HOSTILE  # raw here; the renderer escapes
    assert content["activities"][0] == {
        "type_name_en": "Exchange semester",
        "type_name_sv": "Utbytestermin",
        "title": "Exchange in Leiden",
        "place_en": "NL",
        "place_sv": "NL",
        "start_date": "2025-09-01",
        "end_date": "2026-01-31",
    }
    assert (content["ceremony_date"], content["issue_date"]) == ("2026-05-20", "2026-06-02")
    assert content["verify_url"].endswith(certificate.code)


# --- the domain stays plain (who may do what: test_certificates_handlers.py) -------------


def test_the_domain_imports_only_the_standard_library_shared_errors_and_itself():
    import sys

    package = Path(codes.__file__).parent
    for path in package.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module)
        outside = {
            name
            for name in imported
            if name.split(".")[0] not in sys.stdlib_module_names
            and name != "shared.errors"
            and not name.startswith("services.certificates.domain")
        }
        assert outside == set(), path.name


# --- re-issue ----------------------------------------------------------------------------------


def test_a_reissue_is_the_next_version_with_a_new_code_the_same_achievement_and_the_new_name():
    current = issued()
    new = reissue(
        current,
        latest_version=1,
        code=new_code(),
        now=LATER,
        reason="legal name corrected",
        name="  Astrid   Ericsson ",
    )
    assert (new.version, new.state, new.holder_name) == (2, VALID, "Astrid Ericsson")
    assert new.code != current.code and new.supersedes == current.code
    assert new.activities == current.activities and new.ceremony_id == current.ceremony_id == "c-1"
    assert new.issued_at == LATER and new.reissue_reason == "legal name corrected"
    assert current.state == VALID  # superseded only once the new version is stored


def test_no_reissue_for_an_unchanged_name_or_without_a_valid_certificate_or_a_reason():
    current = issued()
    assert reissue(current, latest_version=1, code="C", now=LATER, reason="name", name=" Astrid  Lindgren") is None
    assert reissue(None, latest_version=0, code="C", now=LATER, reason="name", name="X") is None
    with pytest.raises(Invalid):
        reissue(current, latest_version=1, code="C", now=LATER, reason="  ")
    current.revoke("wrong", LATER)
    assert reissue(current, latest_version=1, code="C", now=LATER, reason="fix") is None


def test_a_superseded_certificate_verifies_as_superseded_and_names_the_current_version():
    old = issued()
    new = reissue(old, latest_version=1, code=new_code(), now=LATER, reason="fix")
    old.supersede(LATER)
    view = verification(old.code, old, new)
    assert view["status"] == "superseded" and view["superseded_by"] == new.code
    assert old.superseded_at == LATER
    assert "superseded_by" not in verification(new.code, new, new)


# --- review after a withdrawn approval --------------------------------------------------------


def withdrawal(was_eligible=True):
    return {
        "activity_id": "a-1",
        "student_id": "stu-1",
        "version": 1,
        "withdrawn_by": "c-1",
        "withdrawn_at": NOW,
        "reason": "cancelled",
        "activity_requirement_met": False,
        "was_eligible": was_eligible,
    }


def test_a_withdrawal_from_an_eligible_students_valid_certificate_asks_for_a_review():
    certificate = issued()
    review = review_for_withdrawal(certificate, withdrawal=withdrawal(), now=LATER)
    assert review.pending and review.certificate_code == certificate.code
    assert review.activity_id == "a-1" and review.withdrawal_reason == "cancelled"
    assert review_for_withdrawal(certificate, withdrawal=withdrawal(False), now=LATER) is None
    assert review_for_withdrawal(None, withdrawal=withdrawal(), now=LATER) is None
    review.decide(KEEP, "enough remain", "a-1", LATER)
    assert not review.pending
    with pytest.raises(Conflict):
        review.decide(REVOKE, "x", "a-1", LATER)


def test_a_review_decision_is_keep_or_revoke_with_a_reason():
    assert review_decision("keep", " fine ") == ("keep", "fine")
    with pytest.raises(Invalid) as caught:
        review_decision("maybe", "")
    assert set(caught.value.args[0]) == {"decision", "reason"}


# --- Open Badges 3.0 -------------------------------------------------------------------------


def test_the_open_badge_is_an_ob3_cocurricular_achievement_naming_what_the_certificate_names():
    certificate = issued()
    badge = open_badge(
        certificate, "https://cim.example.org/", status={"id": "s#7", "type": "BitstringStatusListEntry"}
    )
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["@context"] == OB_CONTEXT and OB_CONTEXT[0] == "https://www.w3.org/ns/credentials/v2"
    assert badge["id"] == f"urn:uuid:{certificate.certificate_id}"
    assert badge["validFrom"] == "2026-06-02T09:30:00Z"
    assert badge["credentialStatus"] == {"id": "s#7", "type": "BitstringStatusListEntry"}
    assert badge["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "CoCurricular"
    assert achievement["id"] == "https://cim.example.org/achievements/cim/MBIOM"
    assert badge["evidence"][0]["id"] == f"https://cim.example.org/verify/{certificate.code}"
    assert "stu-1" not in str(badge) and "@" not in str(badge).replace("@context", "")
