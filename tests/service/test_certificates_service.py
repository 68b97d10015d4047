"""Certificates with a real broker and database: eligibility in, certificate and DS line out."""
import base64
import io
import json
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from kombu import Connection
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from pypdf import PdfReader

from services.certificates.service import CertificatesService
from shared.db import utcnow
from shared.errors import Forbidden, Invalid, NotFound
from shared.events import make_event
from shared.messaging import dead_letter_topology
from tests.helpers import EventTap, migrate, publish_event, publish_raw, rows, wait_until

BASE_URL = "https://cim.example.org"
ADMIN = {"issuer": "cim-dev", "subject": "a-1", "role": "admin"}
REGISTRAR = {"issuer": "cim-dev", "subject": "r-1", "role": "registrar"}
COORDINATOR = {"issuer": "cim-dev", "subject": "c-1", "role": "coordinator", "programmes": ["MBIOM"]}
HOSTILE_NAME = "Åsa <img src=http://127.0.0.1:9/x> Öberg"


def student(student_id):
    return {"issuer": "cim-dev", "subject": f"sub-{student_id}", "role": "student",
            "student_id": student_id}


def eligible(student_id, name="Astrid Lindgren"):
    activity_type = {"code": "exchange_semester", "name_en": "Exchange semester",
                     "name_sv": "Utbytestermin", "sessions_required": 1,
                     "supplement_en": "Completed an exchange semester abroad.",
                     "supplement_sv": "Har genomfört en utbytestermin utomlands."}
    cafe_type = {"code": "language_cafe", "name_en": "Language café", "name_sv": "Språkkafé",
                 "sessions_required": 3, "supplement_en": "Took part in language cafés.",
                 "supplement_sv": "Har deltagit i språkkaféer."}
    return {
        "student_id": student_id, "name": name, "email": "astrid@example.org", "language": "sv",
        "programme": {"code": "MBIOM", "name_en": "Master's programme in Biomedicine",
                      "name_sv": "Masterprogram i biomedicin"},
        "rule_set": "standard", "rule_set_version": 1,
        "activities": [
            {"activity_id": "a-1", "activity_type": activity_type, "title": "Exchange in Leiden",
             "location": {"kind": "abroad", "country": "NL"},
             "start_date": date(2025, 9, 1), "end_date": date(2026, 1, 31)},
            {"activity_id": "a-2", "activity_type": cafe_type, "title": "Spanish café",
             "location": {"kind": "sweden", "country": None},
             "start_date": date(2025, 2, 1), "end_date": date(2025, 5, 1)},
            {"activity_id": "a-3", "activity_type": {**activity_type, "code": "conference",
                                                     "name_en": "International conference"},
             "title": "ISMB workshop", "location": {"kind": "digital", "country": None},
             "start_date": date(2025, 3, 10), "end_date": date(2025, 3, 12)},
        ],
        "ceremony": {"ceremony_id": "c-1", "date": date(2026, 5, 20)},
        "eligible_at": utcnow(),
    }


@pytest.fixture
def config(service_config):
    return {**service_config, "CIM_PUBLIC_BASE_URL": BASE_URL}


@pytest.fixture
def certificates(container_factory, config, database_url):
    migrate("certificates", database_url)
    container = container_factory(CertificatesService, config)
    container.start()
    return container


def deliver(container, amqp_uri, body: bytes):
    """Publish one student.eligible.v1 body and wait until the handler has finished with it."""
    with entrypoint_waiter(container, "on_student_eligible", timeout=60) as result:
        publish_raw(amqp_uri, "approvals", "student.eligible.v1", body, "application/json")
    return result.get()


def issue(container, amqp_uri, student_id, name="Astrid Lindgren") -> dict:
    envelope = make_event("student.eligible.v1", eligible(student_id, name), producer="approvals")
    deliver(container, amqp_uri, json.dumps(envelope).encode())
    return envelope


def certificate_rows(database_url, student_id):
    return rows(database_url, "SELECT code, version, state, holder_name FROM certificates "
                              "WHERE student_id = :s ORDER BY version", s=student_id)


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
        certificates, config, database_url):
    tap = EventTap(config["AMQP_URI"], [("certificates", "#")])
    issue(certificates, config["AMQP_URI"], "stu-1")

    [(code, version, state, holder)] = certificate_rows(database_url, "stu-1")
    assert (version, state, holder) == (1, "valid", "Astrid Lindgren")
    issued = tap.wait_for("certificate.issued.v1")[0]["data"]
    assert issued["code"] == code and issued["student_id"] == "stu-1"
    assert issued["programme"] == "MBIOM" and issued["verify_url"] == f"{BASE_URL}/verify/{code}"
    supplement = tap.wait_for("diploma_supplement.recorded.v1")[0]["data"]
    assert supplement["certificate_code"] == code and supplement["section"] == "6.1"
    assert "Completed an exchange semester abroad" in supplement["text_en"]
    assert "Har deltagit i språkkaféer" in supplement["text_sv"]
    [(size, magic)] = rows(database_url, "SELECT length(content), substring(content from 1 for 5) "
                                         "FROM certificate_documents")
    assert size > 1000 and bytes(magic) == b"%PDF-"


def test_the_same_event_twice_and_a_second_eligibility_leave_one_certificate(
        certificates, config, database_url):
    amqp = config["AMQP_URI"]
    tap = EventTap(amqp, [("certificates", "certificate.#")])
    envelope = issue(certificates, amqp, "stu-1")
    before = certificate_rows(database_url, "stu-1")

    deliver(certificates, amqp, json.dumps(envelope).encode())  # a redelivery
    issue(certificates, amqp, "stu-1", name="Someone Else")  # a new event for the same student

    assert certificate_rows(database_url, "stu-1") == before
    assert rows(database_url, "SELECT count(*) FROM diploma_supplement_entries")[0][0] == 1
    assert rows(database_url, "SELECT count(*) FROM processed_events")[0][0] == 2
    tap.wait_for("certificate.issued.v1")
    with pytest.raises(AssertionError):
        tap.wait_for("certificate.issued.v1", count=2, timeout=1)


def test_concurrent_eligibility_events_for_one_student_issue_one_certificate(
        certificates, config, database_url):
    amqp = config["AMQP_URI"]
    first = publish_event(amqp, "student.eligible.v1", eligible("stu-1"), producer="approvals")
    second = publish_event(amqp, "student.eligible.v1", eligible("stu-1"), producer="approvals")
    wait_until(lambda: rows(database_url, "SELECT count(*) FROM processed_events")[0][0] == 2,
               timeout=60, message="both events handled")
    assert [r.state for r in certificate_rows(database_url, "stu-1")] == ["valid"]
    handled = {r[0] for r in rows(database_url, "SELECT event_id FROM processed_events")}
    assert handled == {first["event_id"], second["event_id"]}


def test_the_database_refuses_a_second_valid_certificate_for_a_student(database_url):
    migrate("certificates", database_url)
    insert = sa.text(
        "INSERT INTO certificates (certificate_id, code, version, student_id, state, holder_name, "
        "programme_code, programme_name_en, programme_name_sv, activities, ceremony_date, "
        "issued_at) VALUES (:id, :code, :version, 'stu-1', :state, 'A', 'MBIOM', 'x', 'y', '[]', "
        "'2026-05-20', now())")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"id": str(uuid.uuid4()), "code": "C1", "version": 1,
                                  "state": "revoked"})
            conn.execute(insert, {"id": str(uuid.uuid4()), "code": "C2", "version": 2,
                                  "state": "valid"})
        with pytest.raises(sa.exc.IntegrityError, match="one_valid_per_student"):
            with engine.begin() as conn:
                conn.execute(insert, {"id": str(uuid.uuid4()), "code": "C3", "version": 3,
                                      "state": "valid"})
    finally:
        engine.dispose()


def test_verify_shows_valid_then_revoked_with_the_reason_and_unknown_codes_as_unknown(
        certificates, config, database_url):
    tap = EventTap(config["AMQP_URI"], [("certificates", "certificate.revoked.v1")])
    issue(certificates, config["AMQP_URI"], "stu-1")
    [(code, *_)] = certificate_rows(database_url, "stu-1")

    with entrypoint_hook(certificates, "verify") as verify:
        view = verify(code.lower())
        assert view["status"] == "valid" and view["code"] == code
        assert view["holder"] == "Astrid Lindgren" and view["programme"]["code"] == "MBIOM"
        assert "stu-1" not in json.dumps(view) and "@" not in json.dumps(view)
        assert verify("A" * 26) == {"code": "A" * 26, "status": "unknown"}
        assert verify("not a code")["status"] == "unknown"

    with entrypoint_hook(certificates, "revoke") as revoke:
        for actor in (REGISTRAR, COORDINATOR, student("stu-1")):
            with pytest.raises(Forbidden):
                revoke(actor, code, {"reason": "activity found invalid"})
        with pytest.raises(Invalid):
            revoke(ADMIN, code, {})
        with pytest.raises(NotFound):
            revoke(ADMIN, "B" * 26, {"reason": "x"})
        revoked = revoke(ADMIN, code, {"reason": "activity found invalid"})
    assert revoked["status"] == "revoked" and revoked["revoked_reason"] == "activity found invalid"

    with entrypoint_hook(certificates, "verify") as verify:
        view = verify(code)
    assert view["status"] == "revoked" and view["revoked_reason"] == "activity found invalid"
    event = tap.wait_for("certificate.revoked.v1")[0]["data"]
    assert event["code"] == code and event["reason"] == "activity found invalid"
    assert [r.state for r in certificate_rows(database_url, "stu-1")] == ["revoked"]


def test_a_student_downloads_their_own_pdf_and_sees_their_certificate(certificates, config,
                                                                      database_url):
    issue(certificates, config["AMQP_URI"], "stu-1", name=HOSTILE_NAME)
    with entrypoint_hook(certificates, "download") as download:
        document = download(student("stu-1"))
        with pytest.raises(NotFound):
            download(student("stu-2"))
        with pytest.raises(Forbidden):
            download(COORDINATOR)
    pdf = base64.b64decode(document["content_b64"])
    assert pdf.startswith(b"%PDF-") and document["filename"].endswith(".pdf")
    text = pdf_text(pdf)
    assert HOSTILE_NAME in text
    assert "Master's programme in Biomedicine" in text and "Exchange in Leiden" in text

    with entrypoint_hook(certificates, "get_certificate") as get_certificate:
        mine = get_certificate(student("stu-1"))
        with pytest.raises(NotFound):
            get_certificate(student("stu-2"))
    assert mine["status"] == "valid" and mine["version"] == 1
    assert mine["verify_url"] == f"{BASE_URL}/verify/{mine['code']}" and mine["code"] in text
    assert mine["programme"] == {"code": "MBIOM", "name_en": "Master's programme in Biomedicine",
                                 "name_sv": "Masterprogram i biomedicin"}


def test_the_supplement_record_is_for_registrars_and_admins(certificates, config, database_url):
    issue(certificates, config["AMQP_URI"], "stu-1")
    with entrypoint_hook(certificates, "diploma_supplement") as diploma_supplement:
        record = diploma_supplement(REGISTRAR, "stu-1")
        assert diploma_supplement(ADMIN, "stu-1") == record
        for actor in (student("stu-1"), COORDINATOR):
            with pytest.raises(Forbidden):
                diploma_supplement(actor, "stu-1")
        with pytest.raises(NotFound):
            diploma_supplement(REGISTRAR, "stu-2")
    assert record["section"] == "6.1" and record["student_id"] == "stu-1"
    assert "Spanish café" in record["text_en"] and "Sverige" in record["text_sv"]


def test_a_render_that_times_out_is_retried_then_dead_lettered_and_issues_nothing(
        container_factory, config, database_url):
    migrate("certificates", database_url)
    container = container_factory(CertificatesService, {
        **config, "CIM_RENDER_TIMEOUT_S": "0", "CIM_RETRY_LIMIT": "2"})
    container.start()
    envelope = publish_event(config["AMQP_URI"], "student.eligible.v1", eligible("stu-1"),
                             producer="approvals")

    letter = wait_until(lambda: take_dead_letter(config["AMQP_URI"]), timeout=60,
                        message="a dead letter")
    assert json.loads(letter.body)["event_id"] == envelope["event_id"]
    assert "RenderFailed" in letter.headers["x-cim-error"]
    assert rows(database_url, "SELECT count(*) FROM certificates")[0][0] == 0
    assert rows(database_url, "SELECT count(*) FROM processed_events")[0][0] == 0
