"""The student's last mile through the gateway, every service its own process, mail over real
SMTP: a waiting list and its promotion, a change and a cancellation reaching every student, and
a final report carrying JavaScript that staff receive without it."""

import io
import mailbox
import time
import uuid
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header

import pytest
from pypdf import PdfReader

from cim import journey
from services.gateway.auth import issue_dev_token
from tests.builders.ceremony import a_pdf_that_can_run_things
from tests.builders import GRADUATION

pytestmark = pytest.mark.e2e


def _subjects(platform_, address) -> list[str]:
    box = mailbox.Maildir(str(platform_.layout.mail), create=True)
    return [str(make_header(decode_header(m["Subject"]))) for m in box if address in (m["To"] or "")]


def _wait_for_subject(platform_, address, fragment, timeout=60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        subjects = _subjects(platform_, address)
        if any(fragment in s for s in subjects):
            return subjects
        time.sleep(0.3)
    raise AssertionError(f"no mail to {address} with {fragment!r}: {_subjects(platform_, address)}")


def _student_meeting_the_requirement(platform_, coordinator, language="en"):
    sub = f"s-{uuid.uuid4().hex[:8]}"
    email = f"{sub}@student.example.org"
    student = journey.Client(
        platform_.gateway_url, issue_dev_token(platform_.secret, sub, "student", name=f"Student {sub}", email=email)
    )
    student.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "MBIOM", "expected_graduation": GRADUATION, "language": language},
    )
    ids = [student.call("POST", "/v1/me/activities", 201, json=a).json()["id"] for a in journey.ACTIVITIES]
    coordinator.until("GET", "/v1/coordinator/inbox", accept=lambda r: set(ids) <= {item["id"] for item in r.json()})
    for activity_id in ids:
        version = coordinator.call("GET", f"/v1/activities/{activity_id}").json()["version"]
        coordinator.call(
            "POST", f"/v1/activities/{activity_id}/decision", 200, json={"decision": "approved", "version": version}
        )
    student.until("GET", "/v1/me/progress", accept=lambda r: r.json()["activity_requirement_met"])
    return student, email


@pytest.fixture(scope="module")
def coordinator(running_platform):
    return journey.Client(
        running_platform.gateway_url, issue_dev_token(running_platform.secret, journey.COORDINATOR, "coordinator")
    )


def test_two_places_three_bookings_the_third_waits_and_is_promoted_when_the_first_cancels(
    running_platform, coordinator
):
    students = [
        _student_meeting_the_requirement(running_platform, coordinator, language) for language in ("en", "sv", "sv")
    ]
    starts_at = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0)
    ceremony = coordinator.call(
        "POST",
        "/v1/ceremonies",
        201,
        json={
            "title": "Waiting-list ceremony",
            "starts_at": starts_at.isoformat(),
            "location": "BMC, Lund",
            "capacity": 2,
            "language": "en",
        },
    ).json()
    path = f"/v1/ceremonies/{ceremony['id']}"
    booked = [client.call("POST", f"{path}/bookings", 201).json() for client, _ in students]
    assert [(b["status"], b["position"]) for b in booked] == [("booked", None), ("booked", None), ("waiting", 1)]
    (first, first_mail), (_, second_mail), (third, third_mail) = students
    _wait_for_subject(running_platform, third_mail, "väntelistan")

    assert first.call("DELETE", "/v1/me/booking", 200).json()["status"] == "cancelled"
    assert third.call("GET", "/v1/me/booking").json()["status"] == "booked"
    first.call("GET", "/v1/me/booking", 404)
    _wait_for_subject(running_platform, third_mail, "Du har fått en plats")
    _wait_for_subject(running_platform, first_mail, "is cancelled")
    roster = coordinator.call("GET", f"{path}/roster").json()
    assert [e["booking_id"] for e in roster["presenting"]] == [booked[1]["booking_id"], booked[2]["booking_id"]]
    assert coordinator.call("GET", f"{path}/roster.pdf").content.startswith(b"%PDF-")

    coordinator.call("PATCH", path, 200, json={"location": "Aula Medica, Solna"})
    for address in (second_mail, third_mail):
        _wait_for_subject(running_platform, address, "har ändrats")
    assert not any("changed" in s for s in _subjects(running_platform, first_mail))

    cancelled = coordinator.call("POST", f"{path}/cancellation", 200, json={"reason": "The hall is closed."}).json()
    assert cancelled["status"] == "cancelled"
    for address in (second_mail, third_mail):
        _wait_for_subject(running_platform, address, "är inställd")
    third.call("GET", "/v1/me/booking", 404)  # the booking lapsed: free to book another


def test_a_report_with_javascript_is_stored_without_it_and_staff_download_it_as_an_attachment(
    running_platform, coordinator
):
    student, _ = _student_meeting_the_requirement(running_platform, coordinator)
    student_id = student.call("GET", "/v1/me").json()["student_id"]
    student.call(
        "POST",
        "/v1/me/report?filename=../../report.pdf",
        422,
        data=b"%PDF-1.7 but nothing after",
        headers={"Content-Type": "application/pdf"},
    )
    uploaded = student.call(
        "POST",
        "/v1/me/report?filename=report.pdf",
        201,
        data=a_pdf_that_can_run_things(),
        headers={"Content-Type": "application/pdf"},
    ).json()
    download = coordinator.until("GET", f"/v1/students/{student_id}/report.pdf")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-SHA256"] == uploaded["sha256"]
    for marker in (b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/EmbeddedFile"):
        assert marker not in download.content, marker
    assert "Final report" in PdfReader(io.BytesIO(download.content)).pages[0].extract_text()
