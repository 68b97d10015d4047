"""Certificates with a real broker and database: eligibility in, certificate and DS line out."""

import base64
import io
import json
import uuid

import pytest
import sqlalchemy as sa
from kombu import Connection
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from services.certificates.service import CertificatesService
from shared.errors import Forbidden, Invalid, NotFound
from shared.events import (
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    DIPLOMA_SUPPLEMENT_RECORDED,
    STUDENT_ELIGIBLE,
    make_event,
)
from shared.messaging import dead_letter_topology
from tests.builders import a_coordinator, a_registrar, a_student_actor, an_admin
from tests.builders.certificates import a_counted_activity, a_digital_conference, a_language_cafe, an_eligibility
from tests.helpers import (
    EventTap,
    assert_certificate_pdf,
    assert_every_stored_certificate_pdf,
    migrate,
    publish_event,
    publish_raw,
    rows,
    wait_until,
)
from tests.service.conftest import call

BASE_URL = "https://cim.example.org"
ADMIN = an_admin().to_dict()
REGISTRAR = a_registrar().to_dict()
COORDINATOR = a_coordinator("MBIOM").to_dict()
HOSTILE_NAME = "Åsa <img src=http://127.0.0.1:9/x> Öberg"


def student(student_id):
    return a_student_actor(student_id, subject=f"sub-{student_id}").to_dict()


def eligible(student_id, name="Astrid Lindgren"):
    """An eligibility with three activities: abroad, in Sweden and digital."""
    return an_eligibility(
        student_id, name, activities=[a_counted_activity(), a_language_cafe(), a_digital_conference()]
    )


@pytest.fixture
def certificates(start_service, database_url):
    """The service; afterwards, every certificate PDF the test had it issue is checked."""
    yield start_service(CertificatesService, CIM_PUBLIC_BASE_URL=BASE_URL)
    assert_every_stored_certificate_pdf(database_url)


def deliver(container, amqp_uri, body: bytes):
    """Publish one student.eligible.v1 body and wait until the handler has finished with it."""
    with entrypoint_waiter(container, "on_student_eligible", timeout=60) as result:
        publish_raw(amqp_uri, "approvals", STUDENT_ELIGIBLE, body, "application/json")
    return result.get()


def issue(container, amqp_uri, student_id, name="Astrid Lindgren") -> dict:
    envelope = make_event(STUDENT_ELIGIBLE, eligible(student_id, name), producer="approvals")
    deliver(container, amqp_uri, json.dumps(envelope).encode())
    return envelope


def certificate_rows(database_url, student_id):
    return rows(
        database_url,
        "SELECT code, version, state, holder_name FROM certificates WHERE student_id = :s ORDER BY version",
        s=student_id,
    )


def take_dead_letter(amqp_uri):
    with Connection(amqp_uri) as conn:
        # declared exactly as the failure router declares it (a topic exchange)
        queue = conn.SimpleQueue(dead_letter_topology()[1])
        try:
            message = queue.get(timeout=0.5)
        except queue.Empty:
            return None
        finally:
            queue.close()
        message.ack()
        return message


def pdf_text(pdf: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_eligibility_issues_a_certificate_with_its_pdf_and_supplement_line_and_announces_both(
    certificates, service_config, database_url
):
    tap = EventTap(service_config["AMQP_URI"], [("certificates", "#")])
    issue(certificates, service_config["AMQP_URI"], "stu-1")

    [(code, version, state, holder)] = certificate_rows(database_url, "stu-1")
    assert (version, state, holder) == (1, "valid", "Astrid Lindgren")
    issued = tap.wait_for(CERTIFICATE_ISSUED)[0]["data"]
    assert issued["code"] == code and issued["student_id"] == "stu-1"
    assert issued["programme"] == "MBIOM" and issued["verify_url"] == f"{BASE_URL}/verify/{code}"
    supplement = tap.wait_for(DIPLOMA_SUPPLEMENT_RECORDED)[0]["data"]
    assert supplement["certificate_code"] == code and supplement["section"] == "6.1"
    assert "Completed an exchange semester abroad" in supplement["text_en"]
    assert "Har deltagit i språkkaféer" in supplement["text_sv"]
    [(size, magic)] = rows(
        database_url, "SELECT length(content), substring(content from 1 for 5) FROM certificate_documents"
    )
    assert size > 1000 and bytes(magic) == b"%PDF-"


def test_the_same_event_twice_and_a_second_eligibility_leave_one_certificate(
    certificates, service_config, database_url
):
    amqp = service_config["AMQP_URI"]
    tap = EventTap(amqp, [("certificates", "certificate.#")])
    envelope = issue(certificates, amqp, "stu-1")
    before = certificate_rows(database_url, "stu-1")

    deliver(certificates, amqp, json.dumps(envelope).encode())  # a redelivery
    issue(certificates, amqp, "stu-1", name="Someone Else")  # a new event for the same student

    assert certificate_rows(database_url, "stu-1") == before
    assert rows(database_url, "SELECT count(*) FROM diploma_supplement_entries")[0][0] == 1
    assert rows(database_url, "SELECT count(*) FROM processed_events")[0][0] == 2
    tap.wait_for(CERTIFICATE_ISSUED)
    with pytest.raises(AssertionError):
        tap.wait_for(CERTIFICATE_ISSUED, count=2, timeout=1)


def test_concurrent_eligibility_events_for_one_student_issue_one_certificate(
    certificates, service_config, database_url
):
    amqp = service_config["AMQP_URI"]
    first = publish_event(amqp, STUDENT_ELIGIBLE, eligible("stu-1"), producer="approvals")
    second = publish_event(amqp, STUDENT_ELIGIBLE, eligible("stu-1"), producer="approvals")
    wait_until(
        lambda: rows(database_url, "SELECT count(*) FROM processed_events")[0][0] == 2,
        timeout=60,
        message="both events handled",
    )
    assert [r.state for r in certificate_rows(database_url, "stu-1")] == ["valid"]
    handled = {r[0] for r in rows(database_url, "SELECT event_id FROM processed_events")}
    assert handled == {first["event_id"], second["event_id"]}


def test_the_database_refuses_a_second_valid_certificate_for_a_student(database_url):
    migrate("certificates", database_url)
    insert = sa.text(
        "INSERT INTO certificates (certificate_id, code, version, student_id, state, holder_name, "
        "programme_code, programme_name_en, programme_name_sv, activities, ceremony_date, "
        "issued_at, status_index) VALUES (:id, :code, :version, 'stu-1', :state, 'A', 'MBIOM', 'x', 'y', '[]', "
        "'2026-05-20', now(), :version)"
    )
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"id": str(uuid.uuid4()), "code": "C1", "version": 1, "state": "revoked"})
            conn.execute(insert, {"id": str(uuid.uuid4()), "code": "C2", "version": 2, "state": "valid"})
        with pytest.raises(sa.exc.IntegrityError, match="one_valid_per_student"):
            with engine.begin() as conn:
                conn.execute(insert, {"id": str(uuid.uuid4()), "code": "C3", "version": 3, "state": "valid"})
    finally:
        engine.dispose()


def test_verify_shows_valid_then_revoked_with_the_reason_and_unknown_codes_as_unknown(
    certificates, service_config, database_url
):
    tap = EventTap(service_config["AMQP_URI"], [("certificates", CERTIFICATE_REVOKED)])
    issue(certificates, service_config["AMQP_URI"], "stu-1")
    [(code, *_)] = certificate_rows(database_url, "stu-1")

    view = call(certificates, "verify", code.lower())
    assert view["status"] == "valid" and view["code"] == code
    assert view["holder"] == "Astrid Lindgren" and view["programme"]["code"] == "MBIOM"
    assert "stu-1" not in json.dumps(view) and "@" not in json.dumps(view)
    assert call(certificates, "verify", "A" * 26) == {"code": "A" * 26, "status": "unknown"}
    assert call(certificates, "verify", "not a code")["status"] == "unknown"

    for actor in (REGISTRAR, COORDINATOR, student("stu-1")):
        with pytest.raises(Forbidden):
            call(certificates, "revoke", actor, code, {"reason": "activity found invalid"})
    with pytest.raises(Invalid):
        call(certificates, "revoke", ADMIN, code, {})
    with pytest.raises(NotFound):
        call(certificates, "revoke", ADMIN, "B" * 26, {"reason": "x"})
    revoked = call(certificates, "revoke", ADMIN, code, {"reason": "activity found invalid"})
    assert revoked["status"] == "revoked" and revoked["revoked_reason"] == "activity found invalid"

    view = call(certificates, "verify", code)
    assert view["status"] == "revoked" and view["revoked_reason"] == "activity found invalid"
    event = tap.wait_for(CERTIFICATE_REVOKED)[0]["data"]
    assert event["code"] == code and event["reason"] == "activity found invalid"
    assert [r.state for r in certificate_rows(database_url, "stu-1")] == ["revoked"]


def test_a_student_downloads_their_own_pdf_and_sees_their_certificate(certificates, service_config, database_url):
    issue(certificates, service_config["AMQP_URI"], "stu-1", name=HOSTILE_NAME)
    document = call(certificates, "download", student("stu-1"))
    with pytest.raises(NotFound):
        call(certificates, "download", student("stu-2"))
    with pytest.raises(Forbidden):
        call(certificates, "download", COORDINATOR)
    pdf = assert_certificate_pdf(base64.b64decode(document["content_b64"]))
    assert document["filename"].endswith(".pdf")
    text = pdf_text(pdf)
    assert HOSTILE_NAME in text
    assert "Master's programme in Biomedicine" in text and "Exchange in Leiden" in text

    mine = call(certificates, "get_certificate", student("stu-1"))
    with pytest.raises(NotFound):
        call(certificates, "get_certificate", student("stu-2"))
    assert mine["status"] == "valid" and mine["version"] == 1
    assert mine["verify_url"] == f"{BASE_URL}/verify/{mine['code']}" and mine["code"] in text
    assert mine["programme"] == {
        "code": "MBIOM",
        "name_en": "Master's programme in Biomedicine",
        "name_sv": "Masterprogram i biomedicin",
    }


def test_the_supplement_record_is_for_registrars_and_admins(certificates, service_config, database_url):
    issue(certificates, service_config["AMQP_URI"], "stu-1")
    record = call(certificates, "diploma_supplement", REGISTRAR, "stu-1")
    assert call(certificates, "diploma_supplement", ADMIN, "stu-1") == record
    for actor in (student("stu-1"), COORDINATOR):
        with pytest.raises(Forbidden):
            call(certificates, "diploma_supplement", actor, "stu-1")
    with pytest.raises(NotFound):
        call(certificates, "diploma_supplement", REGISTRAR, "stu-2")
    assert record["section"] == "6.1" and record["student_id"] == "stu-1"
    assert "Spanish café" in record["text_en"] and "Sverige" in record["text_sv"]


def test_a_render_that_times_out_is_retried_then_dead_lettered_and_issues_nothing(
    start_service, service_config, database_url
):
    start_service(CertificatesService, CIM_PUBLIC_BASE_URL=BASE_URL, CIM_RENDER_TIMEOUT_S="0", CIM_RETRY_LIMIT="2")
    envelope = publish_event(service_config["AMQP_URI"], STUDENT_ELIGIBLE, eligible("stu-1"), producer="approvals")

    letter = wait_until(lambda: take_dead_letter(service_config["AMQP_URI"]), timeout=60, message="a dead letter")
    assert json.loads(letter.body)["event_id"] == envelope["event_id"]
    assert "RenderFailed" in letter.headers["x-cim-error"]
    assert rows(database_url, "SELECT count(*) FROM certificates")[0][0] == 0
    assert rows(database_url, "SELECT count(*) FROM processed_events")[0][0] == 0
