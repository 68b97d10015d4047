"""The badges' revocation status through the gateway of the running platform: the list a badge
names is fetched from its URL without a token, verified with the published key set and decoded;
its bit is 0 while the certificate is valid, 1 once it is revoked or re-issued (the new version's
bit 0)."""

import uuid

import jwt
import pytest
import requests

from cim import journey
from services.certificates.domain.status_list import bit_at, decode_bits
from services.gateway.auth import issue_dev_token
from tests.contract.test_open_badge_schema import errors as schema_errors
from tests.e2e.test_verification_browser import admin, issue_certificate

pytestmark = pytest.mark.e2e

CLAIMS = ("iss", "jti", "nbf", "iat")


def verified(token: str, gateway_url: str) -> dict:
    key_set = requests.get(f"{gateway_url}/.well-known/jwks.json", timeout=10).json()
    key = jwt.PyJWKSet.from_dict(key_set)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key=key, algorithms=["ES256"])
    return {name: value for name, value in claims.items() if name not in CLAIMS}


def registered_student(platform_, name: str) -> tuple[journey.Client, str]:
    sub = f"s-{uuid.uuid4().hex[:8]}"
    client = journey.Client(
        platform_.gateway_url, issue_dev_token(platform_.secret, sub, "student", name=name, email=f"{sub}@example.org")
    )
    client.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "MBIOM", "expected_graduation": "2027-06", "language": "en"},
    )
    return client, client.call("GET", "/v1/me").json()["student_id"]


def badge_status(client: journey.Client, gateway_url: str) -> dict:
    badge = verified(client.call("GET", "/v1/me/certificate/badge").text, gateway_url)
    assert schema_errors(badge) == []
    return badge["credentialStatus"]


def bit(status: dict, gateway_url: str) -> int:
    response = requests.get(status["statusListCredential"], timeout=10)  # public: no token
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/vc+jwt")
    assert "max-age=" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
    listed = verified(response.text, gateway_url)
    assert listed["id"] == status["statusListCredential"] and "BitstringStatusListCredential" in listed["type"]
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    return bit_at(decode_bits(listed["credentialSubject"]["encodedList"]), int(status["statusListIndex"]))


def test_a_revoked_badges_bit_turns_1_in_the_list_the_gateway_serves(running_platform):
    url = running_platform.gateway_url
    student, student_id = registered_student(running_platform, "Selma Lagerlöf")
    code = issue_certificate(running_platform, "Selma Lagerlöf", student_id=student_id)
    status = badge_status(student, url)
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusListCredential"].startswith(f"{url}/v1/credentials/status/")
    assert bit(status, url) == 0
    admin(running_platform).call(
        "POST", f"/v1/certificates/{code}/revocation", 200, json={"reason": "Issued in error."}
    )
    assert bit(status, url) == 1


def test_a_reissue_turns_the_old_badges_bit_1_and_the_new_badges_bit_is_0(running_platform):
    url = running_platform.gateway_url
    student, student_id = registered_student(running_platform, "Gustaf Fröding")
    old_code = issue_certificate(running_platform, "Gustaf Fröding", student_id=student_id)
    old = badge_status(student, url)
    admin(running_platform).call("POST", f"/v1/certificates/{old_code}/reissue", 201, json={"reason": "Typo."})
    new = badge_status(student, url)
    assert new["statusListIndex"] != old["statusListIndex"]
    assert (bit(old, url), bit(new, url)) == (1, 0)


def test_an_unknown_status_list_is_a_404_problem(running_platform):
    response = requests.get(f"{running_platform.gateway_url}/v1/credentials/status/99999", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
