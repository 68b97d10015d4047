"""The Open Badges 3.0 credential the platform issues passes 1EdTech's JSON Schema for it.

The schema is vendored unchanged in tests/contract/schemas/ (source and version in its README).
The credential is the one the use case hands to the signer, for a first issue and a re-issue.
"""

import json
import re
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from services.certificates.domain.open_badges import OB_SCHEMA
from services.certificates.handlers import issuing, queries
from shared.rpc.certificates import Reissue
from tests.builders import a_student_actor, an_admin
from tests.builders.certificates import an_eligibility
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.certificates import FakeCertificatesRepository

SCHEMA_FILE = Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json"
BASE_URL = "https://cim.example.org"
PDF = b"%PDF-1.7 rendered elsewhere"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.IGNORECASE)

# jsonschema checks `date-time` only with an optional package installed; the RFC 3339 form
# (a time zone required) is checked here instead.
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value):
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def validator():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema, format_checker=FORMATS)


def errors(credential) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(credential)]


def issued_badge(name="Astrid Lindgren") -> tuple[FakeUnitOfWork, dict]:
    uow = FakeUnitOfWork(FakeCertificatesRepository(), producer="certificates")
    eligibility = an_eligibility("stu-1", name=name)
    with uow:
        certificate, _ = issuing.draft_certificate(uow, eligibility=eligibility, public_base_url=BASE_URL)
    with uow:
        issuing.issue_certificate(uow, eligibility, certificate=certificate, pdf=PDF, public_base_url=BASE_URL)
    with uow:
        return uow, queries.badge_credential(uow, actor=a_student_actor("stu-1"), public_base_url=BASE_URL)


def test_the_schema_file_is_1edtechs_achievement_credential_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/draft/2019-09/schema")
    assert schema["$id"].startswith("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential")
    assert set(schema["required"]) >= {"@context", "type", "issuer", "credentialSubject", "validFrom"}


def test_the_issued_open_badge_passes_the_open_badges_3_schema():
    _, badge = issued_badge()
    assert errors(badge) == []
    assert badge["credentialSchema"] == [OB_SCHEMA]


def test_a_reissued_open_badge_passes_the_schema_too():
    uow, first = issued_badge()
    with uow:
        certificate, _ = issuing.draft_admin_reissue(
            uow,
            actor=an_admin(),
            code=uow.repo.valid_for("stu-1").code,
            request=Reissue("typo"),
            public_base_url=BASE_URL,
        )
    with uow:
        issuing.store_admin_reissue(uow, certificate=certificate, pdf=PDF, public_base_url=BASE_URL)
    with uow:
        second = queries.badge_credential(uow, actor=a_student_actor("stu-1"), public_base_url=BASE_URL)
    assert errors(second) == []
    assert second["credentialStatus"]["statusListIndex"] != first["credentialStatus"]["statusListIndex"]


@pytest.mark.parametrize(
    "break_it",
    [
        lambda c: c.update({"@context": ["https://www.w3.org/2018/credentials/v1", c["@context"][1]]}),
        lambda c: c.pop("validFrom"),
        lambda c: c.update({"validFrom": "2026-06-02 09:30"}),
        lambda c: c["credentialSubject"]["achievement"].pop("criteria"),
        lambda c: c["credentialSubject"]["identifier"][0].pop("hashed"),
        lambda c: c.update({"credentialStatus": {"type": "BitstringStatusListEntry"}}),
        lambda c: c.update({"type": ["VerifiableCredential"]}),
    ],
    ids=[
        "vc-1.1-context",
        "no-validFrom",
        "not-a-date-time",
        "no-criteria",
        "identity-unhashed-flag",
        "status-no-id",
        "not-a-badge",
    ],
)
def test_the_schema_check_refuses_a_credential_that_breaks_it(break_it):
    _, badge = issued_badge()
    break_it(badge)
    assert errors(badge) != []
