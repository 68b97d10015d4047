"""The revocation status list with a real broker and database: the bit a signed badge names is 0
while its certificate is valid and 1 once it is revoked or re-issued; the list verifies against
the published key set, and the signed badge passes the Open Badges 3.0 JSON Schema."""

import jwt
import pytest

from services.certificates.domain.status_list import LIST_SIZE, bit_at, decode_bits
from shared.errors import NotFound
from tests.contract.test_open_badge_schema import errors as schema_errors
from tests.helpers import rows
from tests.service.conftest import call
from tests.service.test_certificates_service import (  # noqa: F401 (fixtures)
    ADMIN,
    BASE_URL,
    certificate_rows,
    certificates,
    issue,
    student,
)

CLAIMS = ("iss", "jti", "nbf", "iat")


def verified(token: str, key_set: dict) -> dict:
    """The credential of a VC-JWT whose signature the key set verifies (its JWT claims aside)."""
    key = jwt.PyJWKSet.from_dict(key_set)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key=key, algorithms=["ES256"])
    assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
    return {name: value for name, value in claims.items() if name not in CLAIMS}


def badge_status(container, student_id) -> dict:
    key_set = call(container, "jwks")
    badge = verified(call(container, "badge", student(student_id))["credential"], key_set)
    assert schema_errors(badge) == []
    return badge["credentialStatus"]


def bit(container, status: dict) -> int:
    """Fetch the list the entry names, verify it, decode it, read the entry's bit."""
    number = status["statusListCredential"].rsplit("/", 1)[-1]
    signed = call(container, "status_list", number)
    assert signed["media_type"] == "application/vc+jwt" and signed["ttl_seconds"] > 0
    listed = verified(signed["credential"], call(container, "jwks"))
    assert listed["id"] == status["statusListCredential"]
    assert "BitstringStatusListCredential" in listed["type"]
    subject = listed["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", status["statusPurpose"])
    bits = decode_bits(subject["encodedList"])
    assert len(bits) * 8 == LIST_SIZE
    return bit_at(bits, int(status["statusListIndex"]))


def test_a_revocation_sets_the_bit_the_badge_names(certificates, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    issue(certificates, amqp, "stu-1")
    issue(certificates, amqp, "stu-2")
    status, other = badge_status(certificates, "stu-1"), badge_status(certificates, "stu-2")
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"{BASE_URL}/v1/credentials/status/1"
    assert status["statusListIndex"] != other["statusListIndex"]
    assert (bit(certificates, status), bit(certificates, other)) == (0, 0)

    [(code, *_)] = certificate_rows(database_url, "stu-1")
    call(certificates, "revoke", ADMIN, code, {"reason": "issued in error"})
    assert (bit(certificates, status), bit(certificates, other)) == (1, 0)


def test_a_reissue_sets_the_old_versions_bit_and_not_the_new_ones(certificates, service_config, database_url):
    issue(certificates, service_config["AMQP_URI"], "stu-1")
    old = badge_status(certificates, "stu-1")
    [(code, *_)] = certificate_rows(database_url, "stu-1")
    call(certificates, "reissue", ADMIN, code, {"reason": "typo in an activity title"})
    new = badge_status(certificates, "stu-1")
    assert new["statusListIndex"] != old["statusListIndex"]
    assert (bit(certificates, old), bit(certificates, new)) == (1, 0)
    indexes = rows(database_url, "SELECT state, status_index FROM certificates ORDER BY version")
    assert [state for state, _ in indexes] == ["superseded", "valid"]
    assert [str(index % LIST_SIZE) for _, index in indexes] == [old["statusListIndex"], new["statusListIndex"]]


def test_only_lists_in_use_are_served(certificates):
    assert call(certificates, "status_list", "1")["credential"]  # list 1 exists, even empty
    for number in ("2", "0", "x", ""):
        with pytest.raises(NotFound):
            call(certificates, "status_list", number)
