"""schemathesis against the live gateway, as an outside fuzzer runs it: `st run --checks all` on
/openapi.json (the examples, coverage and fuzzing phases: valid and invalid requests, missing
headers, methods no route has, OPTIONS). Every check must pass: never a 5xx, every response as
documented (status, media type, headers, body schema), valid data accepted, invalid data refused,
405 with a correct Allow for a method the path does not have, 401 without the token.

As a registered student for every operation, and as an admin for the reads (admin writes would
fill the shared directories the other end-to-end tests read). The stateful phase is not run: the
document declares no links between operations."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cim import journey
from services.gateway.auth import issue_dev_token

pytestmark = pytest.mark.e2e

EXAMPLES = 15  # per operation and phase: bounds each run to a few minutes
ST = str(Path(sys.executable).with_name("st"))
CONFIG = Path(__file__).with_name("schemathesis.toml")  # which operations may answer 422 to valid data


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


def schemathesis_run(url: str, token: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            ST,
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "11",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--header",
            f"Authorization: Bearer {token}",
            "--report-dir",
            str(tmp_path),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,  # its cache (.schemathesis/) stays out of the repository
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""},
    )


@pytest.mark.timeout(1200)
@pytest.mark.parametrize(("role", "extra"), [("student", ()), ("admin", ("--include-method", "GET"))])
def test_the_gateway_passes_every_check_of_an_outside_fuzzer(running_platform, fuzz_tokens, tmp_path, role, extra):
    done = schemathesis_run(running_platform.gateway_url, fuzz_tokens[role], tmp_path, *extra)
    (tmp_path / "schemathesis.txt").write_text(done.stdout + done.stderr)
    assert "Tested: " in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]  # it ran the operations
    failures = done.stdout[done.stdout.find("FAILURES") :] if "FAILURES" in done.stdout else done.stdout
    assert done.returncode == 0, failures[:40000] + done.stderr[-3000:]
