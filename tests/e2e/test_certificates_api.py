"""Certificates through the gateway of the running platform: verification JSON, the Open Badge
and its key set, admin reviews and the ceremony ZIP. (Slowing down guessing is tested with tight
limits in tests/service/test_certificates_verify_limit.py; the platform here runs with generous ones.)"""

import io
import uuid
import zipfile

import jwt
import pytest
import requests

from cim import journey
from services.gateway.auth import issue_dev_token
from shared.db import utcnow
from tests.e2e.test_verification_browser import admin, issue_certificate
from tests.helpers import assert_certificate_pdf, publish_event

pytestmark = pytest.mark.e2e


def test_a_superseded_code_verifies_as_json_with_the_current_version(running_platform):
    staff = admin(running_platform)
    old = issue_certificate(running_platform, "Vilhelm Moberg")
    new = staff.call("POST", f"/v1/certificates/{old}/reissue", 201, json={"reason": "Name spelled wrongly."}).json()[
        "code"
    ]
    view = requests.get(f"{running_platform.gateway_url}/v1/verify/{old}", timeout=10).json()
    assert view["status"] == "superseded" and view["superseded_by"] == new
    assert view["current_verify_url"] == f"{running_platform.gateway_url}/verify/{new}"
    assert set(view) <= {"code", "status", "holder", "programme", "issued_at", "superseded_by", "current_verify_url"}


def test_the_student_downloads_an_open_badge_that_verifies_against_the_published_jwks(running_platform):
    url = running_platform.gateway_url
    sub = f"s-{uuid.uuid4().hex[:8]}"
    student = journey.Client(
        url, issue_dev_token(running_platform.secret, sub, "student", name="Tove Jansson", email=f"{sub}@example.org")
    )
    student.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "MBIOM", "expected_graduation": "2027-06", "language": "sv"},
    )
    student_id = student.call("GET", "/v1/me").json()["student_id"]
    code = issue_certificate(running_platform, "Tove Jansson", student_id=student_id)

    response = student.call("GET", "/v1/me/certificate/badge")
    assert response.headers["Content-Type"].startswith("application/vc+jwt")
    assert "attachment" in response.headers["Content-Disposition"]
    key_set = requests.get(f"{url}/.well-known/jwks.json", timeout=10)
    assert key_set.status_code == 200
    token = response.text
    key = jwt.PyJWKSet.from_dict(key_set.json())[jwt.get_unverified_header(token)["kid"]]
    credential = jwt.decode(token, key=key, algorithms=["ES256"])  # the payload is the credential
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "CoCurricular"
    assert credential["evidence"][0]["id"] == f"{url}/verify/{code}"
    other = journey.Client(url, issue_dev_token(running_platform.secret, "a-x", "admin"))
    assert other.session.get(f"{url}/v1/me/certificate/badge", timeout=10).status_code == 403


def test_an_admin_reviews_a_flagged_certificate_and_downloads_a_ceremony_zip(running_platform):
    staff = admin(running_platform)
    url = running_platform.gateway_url
    student_id = f"stu-{uuid.uuid4().hex[:8]}"
    code = issue_certificate(running_platform, "Nils Ferlin", student_id=student_id)
    publish_event(
        running_platform.amqp_uri,
        "activity.approval_withdrawn.v1",
        {
            "activity_id": "a-1",
            "student_id": student_id,
            "version": 1,
            "withdrawn_by": "c-1",
            "withdrawn_at": utcnow(),
            "reason": "Evidence was forged.",
            "activity_requirement_met": False,
            "was_eligible": True,
        },
        producer="approvals",
    )
    reviews = staff.until(
        "GET", "/v1/certificates/reviews", accept=lambda r: any(item["certificate_code"] == code for item in r.json())
    ).json()
    [review] = [item for item in reviews if item["certificate_code"] == code]
    assert review["withdrawal_reason"] == "Evidence was forged."
    assert requests.get(f"{url}/v1/verify/{code}", timeout=10).json()["status"] == "valid"

    registrar = journey.Client(url, issue_dev_token(running_platform.secret, "r-1", "registrar"))
    assert registrar.session.get(f"{url}/v1/certificates/reviews", timeout=10).status_code == 403
    decided = staff.call(
        "POST", f"/v1/certificates/{code}/review", 200, json={"decision": "revoke", "reason": "Evidence was forged."}
    ).json()
    assert decided["status"] == "revoked"
    assert requests.get(f"{url}/v1/verify/{code}", timeout=10).json()["revoked_reason"] == ("Evidence was forged.")

    response = staff.call("GET", "/v1/ceremonies/c-1/certificates.zip")
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        names = bundle.namelist()
        assert names and all(name.endswith(".pdf") for name in names)
        for name in names:
            assert_certificate_pdf(bundle.read(name))
        assert f"cim-certificate-{code}.pdf" not in names  # revoked: not in the bundle
        assert int(response.headers["X-Certificate-Count"]) == len(names)
