"""A certificate's life with a real broker and database: re-issue, review, badge, bulk download."""

import base64
import io
import json
import zipfile
from datetime import datetime, timezone

import jwt
import pytest
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    DIPLOMA_SUPPLEMENT_RECORDED,
    STUDENT_ELIGIBLE,
    STUDENT_UPDATED,
)
from tests.builders.certificates import a_name_update, a_withdrawal
from tests.helpers import EventTap, assert_certificate_pdf, publish_event, rows
from tests.service.conftest import call
from tests.service.test_certificates_service import (  # noqa: F401 (fixtures)
    ADMIN,
    BASE_URL,
    REGISTRAR,
    certificate_rows,
    certificates,
    eligible,
    issue,
    student,
)


def publish_and_wait(container, amqp, method, event_type, data, producer):
    with entrypoint_waiter(container, method, timeout=60) as result:
        publish_event(amqp, event_type, data, producer=producer)
    return result.get()


def pdf_of(database_url, code) -> str:
    [(content,)] = rows(
        database_url,
        "SELECT d.content FROM certificate_documents d JOIN certificates c USING (certificate_id) WHERE c.code = :c",
        c=code,
    )
    reader = PdfReader(io.BytesIO(assert_certificate_pdf(content)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def correct_name(container, amqp, student_id, name):
    publish_and_wait(
        container, amqp, "on_student_updated", STUDENT_UPDATED, a_name_update(student_id, name), "registration"
    )


def withdraw(container, amqp, student_id, **overrides):
    publish_and_wait(
        container,
        amqp,
        "on_approval_withdrawn",
        ACTIVITY_APPROVAL_WITHDRAWN,
        a_withdrawal(student_id, **overrides),
        "approvals",
    )


# --- re-issue ----------------------------------------------------------------------------------


def test_a_corrected_legal_name_reissues_a_version_that_supersedes_the_old_one(
    certificates, service_config, database_url
):
    amqp = service_config["AMQP_URI"]
    tap = EventTap(amqp, [("certificates", "#")])
    issue(certificates, amqp, "stu-1")
    [(old, *_)] = certificate_rows(database_url, "stu-1")

    correct_name(certificates, amqp, "stu-1", "Astrid  Ericsson")

    [(code1, v1, state1, name1), (new, v2, state2, name2)] = certificate_rows(database_url, "stu-1")
    assert (code1, v1, state1, name1) == (old, 1, "superseded", "Astrid Lindgren")
    assert (v2, state2, name2) == (2, "valid", "Astrid Ericsson") and new != old
    assert "Astrid Ericsson" in pdf_of(database_url, new)
    issued = tap.wait_for(CERTIFICATE_ISSUED, count=2)[1]["data"]
    assert (issued["code"], issued["version"], issued["supersedes"]) == (new, 2, old)
    assert issued["reissue_reason"]
    supplements = tap.wait_for(DIPLOMA_SUPPLEMENT_RECORDED, count=2)
    assert supplements[1]["data"]["certificate_code"] == new  # the DS line is re-published
    assert call(certificates, "diploma_supplement", REGISTRAR, "stu-1")["certificate_code"] == new

    old_view, new_view = call(certificates, "verify", old), call(certificates, "verify", new)
    assert old_view["status"] == "superseded" and old_view["superseded_by"] == new
    assert old_view["current_verify_url"] == f"{BASE_URL}/verify/{new}"
    assert new_view["status"] == "valid" and new_view["holder"] == "Astrid Ericsson"
    assert "superseded_by" not in new_view

    # the same name again (another field changed): nothing new
    correct_name(certificates, amqp, "stu-1", "Astrid Ericsson")
    assert len(certificate_rows(database_url, "stu-1")) == 2


def test_a_name_update_for_a_student_without_a_certificate_changes_nothing(certificates, service_config, database_url):
    correct_name(certificates, service_config["AMQP_URI"], "stu-7", "Someone")
    assert rows(database_url, "SELECT count(*) FROM certificates")[0][0] == 0
    assert rows(database_url, "SELECT count(*) FROM processed_events")[0][0] == 1


def test_an_admin_reissues_a_certificate_and_only_the_valid_version_can_be(certificates, service_config, database_url):
    issue(certificates, service_config["AMQP_URI"], "stu-1")
    [(old, *_)] = certificate_rows(database_url, "stu-1")
    with pytest.raises(Forbidden):
        call(certificates, "reissue", REGISTRAR, old, {"reason": "typo in an activity title"})
    with pytest.raises(Invalid):
        call(certificates, "reissue", ADMIN, old, {})
    with pytest.raises(NotFound):
        call(certificates, "reissue", ADMIN, "B" * 26, {"reason": "x"})
    view = call(certificates, "reissue", ADMIN, old, {"reason": "typo in an activity title"})
    with pytest.raises(Conflict):
        call(certificates, "reissue", ADMIN, old, {"reason": "again"})
    assert view["status"] == "valid" and view["version"] == 2 and view["code"] != old
    assert [r.state for r in certificate_rows(database_url, "stu-1")] == ["superseded", "valid"]
    assert call(certificates, "verify", old)["superseded_by"] == view["code"]
    pdf = base64.b64decode(call(certificates, "download", student("stu-1"))["content_b64"])
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert view["code"] in text and "(version 2)" in text


# --- review after an approval was withdrawn ---------------------------------------------------


def test_a_withdrawn_approval_flags_the_certificate_which_stays_valid_until_an_admin_decides(
    certificates, service_config, database_url
):
    amqp = service_config["AMQP_URI"]
    tap = EventTap(amqp, [("certificates", CERTIFICATE_REVOKED)])
    issue(certificates, amqp, "stu-1")
    [(code, *_)] = certificate_rows(database_url, "stu-1")

    withdraw(certificates, amqp, "stu-1")
    withdraw(certificates, amqp, "stu-2", was_eligible=False)
    with pytest.raises(Forbidden):
        call(certificates, "reviews", REGISTRAR)
    [review] = call(certificates, "reviews", ADMIN)["items"]
    assert review["certificate_code"] == code and review["activity_id"] == "a-1"
    assert review["holder"] == "Astrid Lindgren" and review["decision"] is None
    assert "cancelled the exchange" in review["withdrawal_reason"]
    assert call(certificates, "verify", code)["status"] == "valid"

    with pytest.raises(Invalid):
        call(certificates, "decide_review", ADMIN, code, {"decision": "maybe", "reason": "x"})
    kept = call(certificates, "decide_review", ADMIN, code, {"decision": "keep", "reason": "Enough activities remain."})
    with pytest.raises(Conflict):  # nothing left to decide
        call(certificates, "decide_review", ADMIN, code, {"decision": "revoke", "reason": "x"})
    assert kept["status"] == "valid"
    assert call(certificates, "reviews", ADMIN)["items"] == []

    withdraw(certificates, amqp, "stu-1", activity_id="a-2")
    revoked = call(
        certificates, "decide_review", ADMIN, code, {"decision": "revoke", "reason": "Too few activities remain."}
    )
    assert revoked["status"] == "revoked"
    assert revoked["revoked_reason"] == "Too few activities remain."
    assert tap.wait_for(CERTIFICATE_REVOKED)[0]["data"]["code"] == code
    assert rows(database_url, "SELECT decision, decided_by FROM certificate_reviews ORDER BY requested_at") == [
        ("keep", "a-1"),
        ("revoke", "a-1"),
    ]


def test_a_pending_review_follows_the_certificate_to_its_new_version(certificates, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    issue(certificates, amqp, "stu-1")
    [(old, *_)] = certificate_rows(database_url, "stu-1")
    withdraw(certificates, amqp, "stu-1")
    new = call(certificates, "reissue", ADMIN, old, {"reason": "typo in an activity title"})["code"]
    [review] = call(certificates, "reviews", ADMIN)["items"]
    assert review["certificate_code"] == new and review["decision"] is None
    with pytest.raises(Conflict):  # the superseded version has nothing left to decide
        call(certificates, "decide_review", ADMIN, old, {"decision": "revoke", "reason": "x"})
    revoked = call(
        certificates, "decide_review", ADMIN, new, {"decision": "revoke", "reason": "Too few activities remain."}
    )
    assert revoked["status"] == "revoked"


# --- Open Badges ---------------------------------------------------------------------------


def test_the_student_gets_an_open_badge_that_verifies_against_the_published_key_set(
    certificates, service_config, database_url
):
    issue(certificates, service_config["AMQP_URI"], "stu-1")
    [(code, *_)] = certificate_rows(database_url, "stu-1")
    download = call(certificates, "badge", student("stu-1"))
    with pytest.raises(NotFound):
        call(certificates, "badge", student("stu-2"))
    with pytest.raises(Forbidden):
        call(certificates, "badge", ADMIN)
    key_set = call(certificates, "jwks")

    token = download["credential"]
    assert download["media_type"] == "application/vc+jwt" and code in download["filename"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    key = jwt.PyJWKSet.from_dict(key_set)[header["kid"]]
    claims = jwt.decode(token, key=key, algorithms=["ES256"])
    credential = {k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "iat")}
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in credential["@context"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "CoCurricular"
    assert achievement["type"] == ["Achievement"]
    assert "Exchange in Leiden" in achievement["description"]
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == "Astrid Lindgren"
    assert claims["iss"] == credential["issuer"]["id"] == f"{BASE_URL}/"
    assert claims["jti"] == credential["id"] and header["typ"] == "JWT" and set(header) == {"alg", "kid", "typ"}
    assert datetime.fromtimestamp(claims["nbf"], timezone.utc) == datetime.fromisoformat(credential["validFrom"])
    assert credential["evidence"][0]["id"] == f"{BASE_URL}/verify/{code}"
    assert "stu-1" not in json.dumps(claims) and "@example.org" not in json.dumps(claims)

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key=key, algorithms=["ES256"])


# --- bulk download -------------------------------------------------------------------------


def test_an_admin_downloads_all_valid_certificates_of_a_ceremony_as_one_zip(certificates, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    issue(certificates, amqp, "stu-1", name="Astrid Lindgren")
    issue(certificates, amqp, "stu-2", name="Selma Lagerlöf")
    other = {**eligible("stu-3"), "ceremony": {**eligible("x")["ceremony"], "ceremony_id": "c-2"}}
    publish_and_wait(certificates, amqp, "on_student_eligible", STUDENT_ELIGIBLE, other, "approvals")
    [(revoked_code, *_)] = certificate_rows(database_url, "stu-2")
    call(certificates, "revoke", ADMIN, revoked_code, {"reason": "issued in error"})

    bundle = call(certificates, "ceremony_archive", ADMIN, "c-1")
    with pytest.raises(Forbidden):
        call(certificates, "ceremony_archive", REGISTRAR, "c-1")
    with pytest.raises(NotFound):
        call(certificates, "ceremony_archive", ADMIN, "no-such-ceremony")
    [(code1, *_)] = certificate_rows(database_url, "stu-1")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(bundle["content_b64"]))) as zipped:
        assert zipped.namelist() == [f"cim-certificate-{code1}.pdf"]
        assert_certificate_pdf(zipped.read(zipped.namelist()[0]))
    assert bundle["count"] == 1 and bundle["filename"] == "cim-certificates-c-1.zip"
