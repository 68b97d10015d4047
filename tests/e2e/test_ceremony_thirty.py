"""A change and a cancellation of a ceremony with 30 booked students, through the gateway and a
real SMTP server: every student told once of each, in their own language. (Every event twice and
a refusing mail server, at this size, is tests/service/test_notifications_ceremony.py.)"""

import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from cim import journey
from services.gateway.auth import issue_dev_token
from tests.builders import GRADUATION
from tests.e2e.test_ceremony_bookings import _subjects

pytestmark = pytest.mark.e2e

STUDENTS = 30
TITLE = f"Thirty-student ceremony {uuid.uuid4().hex[:6]}"


def _register(platform_, language):
    sub = f"t-{uuid.uuid4().hex[:8]}"
    email = f"{sub}@student.example.org"
    token = issue_dev_token(platform_.secret, sub, "student", name=f"Student {sub}", email=email)
    student = journey.Client(platform_.gateway_url, token)
    registration = {"programme": "MBIOM", "expected_graduation": GRADUATION, "language": language}
    student.call("POST", "/v1/registrations", 201, json=registration)
    ids = [student.call("POST", "/v1/me/activities", 201, json=a).json()["id"] for a in journey.ACTIVITIES]
    return student, email, language, ids


def _approve(coordinator, activity_id):
    version = coordinator.until("GET", f"/v1/activities/{activity_id}").json()["version"]
    coordinator.until(
        "POST", f"/v1/activities/{activity_id}/decision", json={"decision": "approved", "version": version}
    )


def _wait_for_each(platform_, expected: dict[str, str], timeout=180) -> Counter:
    """Until every address has a mail whose subject is its expected one; then the counts."""
    deadline = time.monotonic() + timeout
    while True:
        counts = Counter(
            (address, subject) for address in expected for subject in _subjects(platform_, address) if TITLE in subject
        )
        if all(counts[(address, subject)] for address, subject in expected.items()):
            return counts
        if time.monotonic() > deadline:
            missing = [a for a, s in expected.items() if not counts[(a, s)]]
            raise AssertionError(f"{len(missing)} of {len(expected)} students had no {set(expected.values())}")
        time.sleep(0.5)


def test_a_change_and_a_cancellation_reach_thirty_booked_students_once_each_in_their_language(running_platform):
    coordinator = journey.Client(
        running_platform.gateway_url, issue_dev_token(running_platform.secret, journey.COORDINATOR, "coordinator")
    )
    students = [_register(running_platform, "sv" if n % 2 else "en") for n in range(STUDENTS)]
    for _, _, _, ids in students:
        for activity_id in ids:
            _approve(coordinator, activity_id)
    for student, *_ in students:
        student.until("GET", "/v1/me/progress", accept=lambda r: r.json()["activity_requirement_met"], timeout=120)

    starts_at = (datetime.now(timezone.utc) + timedelta(days=40)).replace(microsecond=0)
    ceremony = coordinator.call(
        "POST",
        "/v1/ceremonies",
        201,
        json={
            "title": TITLE,
            "starts_at": starts_at.isoformat(),
            "location": "BMC, Lund",
            "capacity": STUDENTS,
            "language": "en",
        },
    ).json()
    path = f"/v1/ceremonies/{ceremony['id']}"
    booked = [student.call("POST", f"{path}/bookings", 201).json()["status"] for student, *_ in students]
    assert booked == ["booked"] * STUDENTS
    roster = coordinator.call("GET", f"{path}/roster").json()
    assert len(roster["presenting"]) == STUDENTS
    # every name from registration (one student_names call for the 30), in booking order
    assert [e["name"] for e in roster["presenting"]] == [
        f"Student {email.split('@')[0]}" for _, email, _, _ in students
    ]

    coordinator.call("PATCH", path, 200, json={"location": "Aula Medica, Solna"})
    changed = {email: f"{TITLE} {'har ändrats' if lang == 'sv' else 'has changed'}" for _, email, lang, _ in students}
    counts = _wait_for_each(running_platform, changed)

    coordinator.call("POST", f"{path}/cancellation", 200, json={"reason": "The hall is closed."})
    cancelled = {
        email: f"{TITLE} {'är inställd' if lang == 'sv' else 'is cancelled'}" for _, email, lang, _ in students
    }
    counts = _wait_for_each(running_platform, cancelled)
    time.sleep(3)  # a second copy, were one coming, would be on its way by now
    counts = Counter(
        (address, subject)
        for address in changed
        for subject in _subjects(running_platform, address)
        if TITLE in subject
    )
    _walk_the_delivery_log(running_platform, students[0][0], changed[students[0][1]])
    for address in changed:
        assert counts[(address, changed[address])] == 1, address
        assert counts[(address, cancelled[address])] == 1, address
        mails_about_it = sum(n for (a, _), n in counts.items() if a == address)
        assert mails_about_it == 3, (address, counts)  # booked, changed, cancelled: nothing in the wrong language


def _walk_the_delivery_log(platform_, student, changed_subject):
    """An admin reads one student's delivery log two messages a page, by the X-Next-Cursor of each
    page (paged at the source): every message once, oldest first, the change among them."""
    admin = journey.Client(platform_.gateway_url, issue_dev_token(platform_.secret, "admin-thirty", "admin"))
    student_id = student.call("GET", "/v1/me").json()["student_id"]
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        response = admin.call("GET", f"/v1/students/{student_id}/messages{query}")
        page = response.json()
        assert len(page) <= 2
        seen += page
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert len({m["message_id"] for m in seen}) == len(seen) >= 3  # registered, booked, changed at least
    assert [m["created_at"] for m in seen] == sorted(m["created_at"] for m in seen)
    assert changed_subject in [m["subject"] for m in seen]
