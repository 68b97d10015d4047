"""The whole CIM journey through the gateway, every service its own process, on PostgreSQL."""

import json
import mailbox
import re
import time
from email.header import decode_header, make_header

import pytest
from kombu import Connection
from pypdf import PdfReader

from cim import journey
from services.gateway.auth import issue_dev_token
from shared.outbox import event_exchange
from tests.helpers import assert_certificate_pdf

pytestmark = pytest.mark.e2e

NAME = "Selma Lagerlöf-Åström"

# Which consumer handles which event, and how many of them one journey causes.
EXPECTED_HANDLING = {
    ("approvals", "student.registered.v1"): 1,
    ("notifications", "student.registered.v1"): 1,
    ("approvals", "activity.submitted.v1"): 3,
    ("notifications", "activity.submitted.v1"): 3,  # what waits for the coordinators' digest
    ("activities", "activity.approved.v1"): 3,
    ("notifications", "activity.approved.v1"): 3,
    ("ceremony", "student.activity_requirement_met.v1"): 1,
    ("notifications", "student.activity_requirement_met.v1"): 1,
    ("approvals", "report.submitted.v1"): 1,
    ("notifications", "report.submitted.v1"): 1,
    ("ceremony", "report.accepted.v1"): 1,
    ("notifications", "report.accepted.v1"): 1,
    ("notifications", "ceremony.booked.v1"): 1,
    ("approvals", "presentation.recorded.v1"): 1,
    ("certificates", "student.eligible.v1"): 1,
    ("notifications", "certificate.issued.v1"): 1,
}


def _mails(platform_, address):
    box = mailbox.Maildir(str(platform_.layout.mail), create=True)
    found = []
    for message in box:
        if address in (message["To"] or ""):
            body = (
                message.get_payload(decode=True)
                if not message.is_multipart()
                else message.get_payload(0).get_payload(decode=True)
            )
            found.append(
                (
                    str(make_header(decode_header(message["Subject"]))),
                    body.decode(message.get_content_charset() or "utf-8"),
                )
            )
    return found


def _journey_events(platform_, student_id) -> list[tuple[str, str, str]]:
    """(producer, event_type, payload) of every event the journey's student caused."""
    found = []
    for service in platform_.database_urls:
        found += [
            (service, event_type, payload)
            for event_type, payload in platform_.query(
                service, "SELECT event_type, payload FROM outbox WHERE payload LIKE :s ORDER BY id", s=f"%{student_id}%"
            )
        ]
    return found


def _handled(platform_, student_id):
    """(consumer service, event type) -> how many of the journey's events it handled."""
    ids = [json.loads(payload)["event_id"] for _, _, payload in _journey_events(platform_, student_id)]
    counts = {}
    for service in platform_.database_urls:
        for (event_type,) in (
            platform_.query(
                service, "SELECT event_type FROM processed_events WHERE event_id = ANY(:ids)", ids=list(ids)
            )
            if ids
            else []
        ):
            counts[(service, event_type)] = counts.get((service, event_type), 0) + 1
    return counts


def _wait(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not reached within {timeout}s")


@pytest.fixture(scope="module")
def completed(running_platform, tmp_path_factory):
    result = journey.run(
        running_platform.gateway_url,
        running_platform.secret,
        tmp_path_factory.mktemp("journey"),
        name=NAME,
        log=lambda *_: None,
    )
    return result


def test_the_certificate_pdf_names_the_student_programme_and_activities(completed):
    assert_certificate_pdf(completed["pdf_path"].read_bytes())
    text = "\n".join(page.extract_text() for page in PdfReader(completed["pdf_path"]).pages)
    flat = " ".join(text.split())
    assert NAME in flat
    assert "Master's programme in Biomedicine" in flat or "Master’s programme in Biomedicine" in flat
    for activity in journey.ACTIVITIES:
        assert activity["title"] in flat
    assert completed["certificate"]["code"] in flat


def test_the_certificate_qr_code_leads_to_its_verification_page(completed):
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(str(completed["pdf_path"]))[0].render(scale=2).to_pil()
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [completed["certificate"]["verify_url"]]


def test_the_verifier_sees_a_valid_certificate_without_a_token(running_platform, completed):
    import requests

    code = completed["certificate"]["code"]
    page = requests.get(f"{running_platform.gateway_url}/verify/{code}", timeout=10)
    assert page.status_code == 200 and "Valid certificate" in page.text and NAME in page.text
    unknown = requests.get(f"{running_platform.gateway_url}/v1/verify/AAAAAAAAAAAAAAAAAAAA", timeout=10)
    assert unknown.json()["status"] == "unknown"


def test_the_diploma_supplement_record_is_written(running_platform, completed):
    import requests

    token = issue_dev_token(running_platform.secret, "r-1", "registrar")
    response = requests.get(
        f"{running_platform.gateway_url}/v1/students/{completed['student_id']}/diploma-supplement",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["section"] == "6.1" and record["certificate_code"] == completed["certificate"]["code"]
    assert "Certificate of International Merits" in record["text_en"]
    assert record["text_sv"] and record["text_sv"] != record["text_en"]
    rows = running_platform.query(
        "certificates",
        "SELECT count(*) FROM diploma_supplement_entries WHERE student_id = :s",
        s=completed["student_id"],
    )
    assert rows[0][0] == 1


def test_the_emails_arrive_over_smtp(running_platform, completed):
    mails = _wait(
        lambda: (m := _mails(running_platform, completed["email"]))
        and any(completed["certificate"]["verify_url"] in body for _, body in m)
        and m,
        what="the certificate email",
    )
    subjects = [subject for subject, _ in mails]
    assert len(mails) == 8, subjects  # registered, 3 approvals, requirement met, report, booking, certificate
    assert any(NAME.split()[0] in body for _, body in mails)
    base = completed["certificate"]["verify_url"].rpartition("/verify/")[0]  # CIM_WEB_URL unset: the public one
    for subject, body in mails:  # each leads to its place in the web front-end
        assert re.search(re.escape(base) + r"/(me/[a-z0-9/-]+|ceremonies)\r?\n", body), subject
    [certificate] = [body for _, body in mails if completed["certificate"]["verify_url"] in body]
    assert f"{base}/me/certificate" in certificate


def test_each_event_of_the_journey_was_handled_once(running_platform, completed):
    _wait(
        lambda: _handled(running_platform, completed["student_id"]).get(("notifications", "certificate.issued.v1")),
        what="the last event handled",
    )
    handled = _handled(running_platform, completed["student_id"])
    for key, count in EXPECTED_HANDLING.items():
        assert handled.get(key) == count, (key, handled.get(key))
    for service in running_platform.database_urls:
        pending = running_platform.query(service, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        assert pending[0][0] == 0, f"{service} left events unpublished"


def test_delivering_every_event_again_changes_nothing(running_platform, completed):
    student_id = completed["student_id"]
    _wait(
        lambda: _handled(running_platform, student_id).get(("notifications", "certificate.issued.v1")),
        what="the last event handled",
    )
    before_handled = _handled(running_platform, student_id)
    before_mails = len(_mails(running_platform, completed["email"]))
    replayed = 0
    with Connection(running_platform.amqp_uri) as conn:
        producer = conn.Producer()
        for service, event_type, payload in _journey_events(running_platform, student_id):
            producer.publish(
                json.loads(payload),
                exchange=event_exchange(service),
                routing_key=event_type,
                serializer="json",
                delivery_mode=2,
            )
            replayed += 1
    # registered, 3 submitted, 3 approved, requirement met, report submitted and accepted,
    # booked, presentation, eligible, certificate issued, supplement recorded
    assert replayed == 15
    # A marker published after the replay: once it is handled, the replay has been consumed.
    token = issue_dev_token(running_platform.secret, "s-marker", "student", name="Marker", email="marker@example.org")
    client = journey.Client(running_platform.gateway_url, token)
    client.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "BBIOM", "expected_graduation": "2028-06", "language": "en"},
    )
    _wait(lambda: _mails(running_platform, "marker@example.org"), what="the marker's email")
    time.sleep(1)
    assert _handled(running_platform, student_id) == before_handled
    assert len(_mails(running_platform, completed["email"])) == before_mails
    certificates = running_platform.query(
        "certificates", "SELECT count(*) FROM certificates WHERE student_id = :s", s=completed["student_id"]
    )
    assert certificates[0][0] == 1
