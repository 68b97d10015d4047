"""schemathesis against the live gateway: generated requests (valid and not) for every operation of
/openapi.json: never a 5xx, and every response matches the document (status, media type, headers,
body schema). As a registered student for every operation, and as an admin for the reads (admin
writes would fill the shared directories the other end-to-end tests read)."""

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from cim import journey
from services.gateway.auth import issue_dev_token

pytestmark = pytest.mark.e2e

EXAMPLES = 30  # per operation (and role): bounds the run to a few minutes

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture(scope="session")
def fuzz_tokens(running_platform):
    student = issue_dev_token(
        running_platform.secret,
        f"s-fuzz-{uuid.uuid4().hex[:8]}",
        "student",
        name="Fuzz Student",
        email="fuzz@example.org",
    )
    journey.Client(running_platform.gateway_url, student).call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "MPUBH", "expected_graduation": "2027-06", "language": "en"},
    )
    admin = issue_dev_token(running_platform.secret, f"a-fuzz-{uuid.uuid4().hex[:8]}", "admin")
    return {"student": student, "admin": admin}


def test_the_gateway_never_fails_and_always_answers_as_documented(running_platform, fuzz_tokens):
    url = running_platform.gateway_url
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        roles = ["student"] + (["admin"] if operation.method.upper() == "GET" else [])

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            for role in roles:
                case.call_and_validate(
                    base_url=url, checks=CHECKS, timeout=30, headers={"Authorization": f"Bearer {fuzz_tokens[role]}"}
                )

        try:
            fuzz()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # (schemathesis raises groups) one failure must not hide another
            failures.append(f"{operation.method.upper()} {operation.path}:\n{str(exc)[:3000]}")
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
