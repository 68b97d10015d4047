"""The verification page in a real headless Chromium, through the running platform's gateway.

Certificates are issued by feeding student.eligible.v1 to the platform's broker; an admin
revokes one and re-issues another through the API; then Chromium (Debian's, driven by
Playwright in a child process) opens each state's page. The valid page's screenshot is kept
as test-artifacts/verification.png.
"""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cim import journey
from services.gateway.auth import issue_dev_token
from shared.settings import REPO_ROOT
from tests.helpers import publish_event, wait_until
from tests.builders.certificates import an_eligibility

pytestmark = pytest.mark.e2e

ARTIFACTS = REPO_ROOT / "test-artifacts"
BROWSER = Path(__file__).with_name("verification_browser.py")


def admin(platform_) -> journey.Client:
    return journey.Client(
        platform_.gateway_url, issue_dev_token(platform_.secret, f"a-{uuid.uuid4().hex[:6]}", "admin")
    )


def issue_certificate(platform_, name: str, student_id: str | None = None) -> str:
    """Feed one eligibility to the platform; the code of the certificate it issued."""
    student_id = student_id or f"stu-{uuid.uuid4().hex[:8]}"
    publish_event(platform_.amqp_uri, "student.eligible.v1", an_eligibility(student_id, name), producer="approvals")
    found = wait_until(
        lambda: platform_.query(
            "certificates", "SELECT code FROM certificates WHERE student_id = :s AND state = 'valid'", s=student_id
        ),
        timeout=90,
        message=f"a certificate for {student_id}",
    )
    return found[0][0]


def test_the_verification_page_shows_each_state_in_english_and_swedish_in_chromium(running_platform):
    staff = admin(running_platform)
    valid = issue_certificate(running_platform, "Karin Boye")
    revoked = issue_certificate(running_platform, "Hjalmar Söderberg")
    superseded = issue_certificate(running_platform, "Edith Södergran")
    staff.call(
        "POST",
        f"/v1/certificates/{revoked}/revocation",
        200,
        json={"reason": "The exchange semester did not take place."},
    )
    current = staff.call(
        "POST", f"/v1/certificates/{superseded}/reissue", 201, json={"reason": "A typing error in an activity title."}
    ).json()["code"]
    unknown = "A" * 26

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "verification.png"
    screenshot.unlink(missing_ok=True)
    urls = [f"{running_platform.gateway_url}/verify/{code}" for code in (valid, revoked, superseded, unknown)]
    run = subprocess.run(
        [sys.executable, str(BROWSER), str(screenshot), *urls],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO_ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout)
    pages = {page["url"].rsplit("/", 1)[1]: page for page in seen["pages"]}

    page = pages[valid]
    assert page["http_status"] == 200
    assert page["sections"]["en"]["status"] == page["sections"]["sv"]["status"] == "valid"
    assert "Valid certificate" in page["sections"]["en"]["text"]
    assert "Giltigt intyg" in page["sections"]["sv"]["text"]
    assert page["sections"]["sv"]["lang"] == "sv"
    for language, programme in (("en", "Master's programme in Biomedicine"), ("sv", "Masterprogram i biomedicin")):
        text = page["sections"][language]["text"]
        assert "Karin Boye" in text and programme in text and valid in text
        assert "astrid@example.org" not in text and "stu-" not in text

    page = pages[revoked]
    assert page["sections"]["en"]["status"] == "revoked"
    assert "Revoked certificate" in page["sections"]["en"]["text"]
    assert "Återkallat intyg" in page["sections"]["sv"]["text"]
    for language in ("en", "sv"):
        assert "The exchange semester did not take place." in page["sections"][language]["text"]

    page = pages[superseded]
    assert page["sections"]["en"]["status"] == "superseded"
    assert "Superseded by a newer version" in page["sections"]["en"]["text"]
    assert "Ersatt av en nyare version" in page["sections"]["sv"]["text"]
    assert page["current"]["url"].endswith(f"/verify/{current}")
    assert page["current"]["status"] == "valid"

    page = pages[unknown]
    assert page["http_status"] == 404
    assert "Unknown code" in page["sections"]["en"]["text"]
    assert "Okänd kod" in page["sections"]["sv"]["text"]
    assert "Karin Boye" not in page["sections"]["en"]["text"]

    assert seen["requests_elsewhere"] == []  # the page loads nothing from anywhere else
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 5000
