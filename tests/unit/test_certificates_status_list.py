"""The revocation status list: one bit per certificate version, encoded as Bitstring Status List
v1.0 says, and kept current by revocation and re-issue (use cases on a fake unit of work)."""

import base64
import gzip
from datetime import datetime, timezone

import pytest

from services.certificates.domain import status_list
from services.certificates.handlers import issuing, queries, revocation
from shared.errors import NotFound
from shared.rpc.certificates import Reissue, Revocation
from tests.builders import a_student_actor, an_admin
from tests.builders.certificates import an_eligibility
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.certificates import FakeCertificatesRepository

BASE_URL = "https://cim.example.org"
PDF = b"%PDF-1.7 rendered elsewhere"
NOW = datetime(2026, 6, 2, 9, 30, tzinfo=timezone.utc)


# --- the encoding -------------------------------------------------------------------------------


def test_the_encoded_list_is_16_kb_of_bits_gzipped_base64url_without_padding_behind_u():
    encoded = status_list.encode_bits([])
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert compressed[:2] == b"\x1f\x8b"  # GZIP (RFC 1952)
    bits = gzip.decompress(compressed)
    assert len(bits) == 16 * 1024 and len(bits) * 8 == status_list.LIST_SIZE == 131_072
    assert set(bits) == {0}


def test_bit_zero_is_the_left_most_bit_and_the_last_is_the_right_most():
    bits = status_list.decode_bits(status_list.encode_bits([0, 9, status_list.LIST_SIZE - 1]))
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert [status_list.bit_at(bits, i) for i in (0, 1, 8, 9, 10, status_list.LIST_SIZE - 1)] == [1, 0, 0, 1, 0, 1]
    assert sum(bin(b).count("1") for b in bits) == 3


def test_a_bit_outside_the_list_is_refused():
    with pytest.raises(ValueError):
        status_list.encode_bits([status_list.LIST_SIZE])
    with pytest.raises(ValueError):
        status_list.decode_bits("z" + status_list.encode_bits([])[1:])  # not the base64url prefix


def test_an_index_names_its_list_and_its_bit_and_the_entry_points_there():
    assert status_list.list_position(0) == (1, 0)
    assert status_list.list_position(131_071) == (1, 131_071)
    assert status_list.list_position(131_072) == (2, 0)
    assert status_list.list_range(2) == (131_072, 262_143)
    assert status_list.status_entry(131_077, BASE_URL + "/") == {
        "id": f"{BASE_URL}/v1/credentials/status/2#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": f"{BASE_URL}/v1/credentials/status/2",
    }


def test_the_list_credential_is_a_bitstring_status_list_credential_of_the_vc_data_model_2():
    credential = status_list.status_list_credential(1, [3], public_base_url=BASE_URL, now=NOW)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["id"] == f"{BASE_URL}/v1/credentials/status/1"
    assert credential["issuer"]["id"] == f"{BASE_URL}/" and credential["validFrom"] == "2026-06-02T09:30:00Z"
    subject = credential["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"], subject["id"]) == (
        "BitstringStatusList",
        "revocation",
        f"{BASE_URL}/v1/credentials/status/1#list",
    )
    assert status_list.bit_at(status_list.decode_bits(subject["encodedList"]), 3) == 1
    assert subject["ttl"] == status_list.TTL_SECONDS * 1000


# --- kept current by the use cases ----------------------------------------------------------------


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeCertificatesRepository(), producer="certificates")


def issue(uow, student_id):
    eligibility = an_eligibility(student_id)
    with uow:
        certificate, _ = issuing.draft_certificate(uow, eligibility=eligibility, public_base_url=BASE_URL)
    with uow:
        issuing.issue_certificate(uow, eligibility, certificate=certificate, pdf=PDF, public_base_url=BASE_URL)
    return uow.repo.valid_for(student_id)


def bit_of(uow, certificate) -> int:
    entry = status_list.status_entry(certificate.status_index, BASE_URL)
    number = entry["statusListCredential"].rsplit("/", 1)[-1]
    with uow:
        listed = queries.revocation_list(uow, list_number=number, public_base_url=BASE_URL)
    assert listed["id"] == entry["statusListCredential"]
    bits = status_list.decode_bits(listed["credentialSubject"]["encodedList"])
    return status_list.bit_at(bits, int(entry["statusListIndex"]))


def test_each_stored_version_gets_its_own_index_once_and_the_badge_names_it(uow):
    first, second = issue(uow, "stu-1"), issue(uow, "stu-2")
    assert (first.status_index, second.status_index) == (0, 1)
    with uow:
        badge = queries.badge_credential(uow, actor=a_student_actor("stu-2"), public_base_url=BASE_URL)
    assert badge["credentialStatus"] == status_list.status_entry(1, BASE_URL)


def test_a_revoked_certificates_bit_is_1_and_the_others_stay_0(uow):
    kept, revoked = issue(uow, "stu-1"), issue(uow, "stu-2")
    assert (bit_of(uow, kept), bit_of(uow, revoked)) == (0, 0)
    with uow:
        revocation.revoke(uow, actor=an_admin(), code=revoked.code, request=Revocation("found invalid"))
    assert (bit_of(uow, kept), bit_of(uow, revoked)) == (0, 1)


def test_a_reissue_sets_the_old_versions_bit_and_the_new_version_starts_at_0(uow):
    old = issue(uow, "stu-1")
    with uow:
        certificate, _ = issuing.draft_admin_reissue(
            uow, actor=an_admin(), code=old.code, request=Reissue("typo"), public_base_url=BASE_URL
        )
    with uow:
        issuing.store_admin_reissue(uow, certificate=certificate, pdf=PDF, public_base_url=BASE_URL)
    new = uow.repo.valid_for("stu-1")
    assert new.status_index != old.status_index
    assert (bit_of(uow, old), bit_of(uow, new)) == (1, 0)


@pytest.mark.parametrize("number", ["0", "2", "-1", "x", "1.0", "١", "9" * 20, ""])
def test_a_list_beyond_the_indexes_handed_out_is_not_found(uow, number):
    issue(uow, "stu-1")
    with uow, pytest.raises(NotFound):
        queries.revocation_list(uow, list_number=number, public_base_url=BASE_URL)


def test_list_1_exists_before_any_certificate(uow):
    with uow:
        listed = queries.revocation_list(uow, list_number="1", public_base_url=BASE_URL)
    assert set(status_list.decode_bits(listed["credentialSubject"]["encodedList"])) == {0}
