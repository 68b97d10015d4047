"""Erasure in one service on a real broker and database: the event waits for a service that is
down, is applied once when it returns, and the service reports what it did and still holds."""

import json
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from services.activities.service import ActivitiesService
from services.approvals.service import ApprovalsService
from services.campus.service import CampusService
from services.ceremony.service import CeremonyService
from services.certificates.service import CertificatesService
from services.notifications.service import NotificationsService
from services.registration.service import RegistrationService
from shared.db import MESSAGING_TABLES, utcnow
from shared.events import STUDENT_ERASURE_REQUESTED, STUDENT_REGISTERED
from tests.builders import a_student, an_admin
from tests.helpers import publish_event, rows, wait_until
from tests.service.conftest import call
from tests.service.test_ceremony_service import feed_requirement_met, schedule, student, upload

ADMIN = an_admin(subject="a-erasure").to_dict()


def _erasure(student_id):
    return {
        "student_id": student_id,
        "requested_at": datetime.now(timezone.utc),
        "requested_by": "a-erasure",
        "reason": "request 17",
    }


def test_a_service_that_was_down_erases_when_it_returns_and_once(start_service, service_config, database_url):
    ceremony = start_service(CeremonyService)
    for student_id in ("stu-gone", "stu-stays"):
        feed_requirement_met(service_config, database_url, student_id)
        upload(ceremony, student_id)
        call(ceremony, "book", student(student_id), schedule(ceremony)["id"])
    ceremony.stop()  # down: its queue (durable) keeps what arrives meanwhile

    event = publish_event(
        service_config["AMQP_URI"], STUDENT_ERASURE_REQUESTED, _erasure("stu-gone"), producer="registration"
    )
    ceremony = start_service(CeremonyService)
    report = wait_until(
        lambda: (r := call(ceremony, "erasure_report", ADMIN, "stu-gone", event["event_id"]))["erased_at"] and r,
        message="the erasure applied after the restart",
    )
    assert report["tables"]["final_reports"] == {"erasure": "deleted", "rows": 0}
    assert report["tables"]["bookings"] == {"erasure": "deleted", "rows": 0}
    assert report["tables"]["requirements_met"] == {"erasure": "kept", "rows": 1}
    count = "SELECT count(*) FROM {} WHERE student_id = :s"
    assert [rows(database_url, count.format(t), s="stu-stays")[0][0] for t in ("final_reports", "bookings")] == [1, 1]

    # delivered again (at-least-once): handled once, nothing else changes
    publish_event(
        service_config["AMQP_URI"],
        STUDENT_ERASURE_REQUESTED,
        _erasure("stu-gone"),
        producer="registration",
        event_id=event["event_id"],
    )
    feed_requirement_met(service_config, database_url, "stu-after")
    assert (
        rows(database_url, "SELECT count(*) FROM processed_events WHERE event_id = :e", e=event["event_id"])[0][0] == 1
    )


# --- every service that holds personal data: down when the erasure is asked, erases on return ----

EMAIL = "erase-me@example.org"  # the student's address, in whatever each service holds
WORDS = "my own account of the exchange, to be erased"


def _seed_registration(container, config, database_url):
    actor = {"issuer": "cim-dev", "subject": "s-erase", "role": "student"}
    request = {"programme": "MBIOM", "expected_graduation": "2027-06", "language": "en", "name": "Erin Erase"}
    return call(container, "register", actor, {**request, "email": EMAIL})["student_id"]


def _seed_activities(container, config, database_url):
    from tests.builders import a_student_actor
    from tests.builders.activities import an_exchange

    student_id = str(uuid.uuid4())
    call(container, "log_activity", a_student_actor(student_id).to_dict(), {**an_exchange(), "description": WORDS})
    return student_id


def _registered(consumer_table):
    """A seed for a service that keeps a copy of the student from student.registered.v1."""

    def seed(container, config, database_url):
        student = a_student(email=EMAIL, name="Erin Erase", issuer="cim-dev", subject="s-erase")
        publish_event(config["AMQP_URI"], STUDENT_REGISTERED, student, producer="registration")
        wait_until(
            lambda: rows(
                database_url, f"SELECT 1 FROM {consumer_table} WHERE student_id = :s", s=student["student_id"]
            ),
            message=f"the student in {consumer_table}",
        )
        return student["student_id"]

    return seed


def _seed_ceremony(container, config, database_url):
    student_id = str(uuid.uuid4())
    feed_requirement_met(config, database_url, student_id)
    upload(container, student_id)
    return student_id


def _seed_certificates(container, config, database_url):
    return str(uuid.uuid4())  # what it holds about a student is kept; its published events are not


# (the service, how to give it something about a student, the tables that then hold it)
SERVICES = {
    "registration": (RegistrationService, _seed_registration, {"students"}),
    "activities": (ActivitiesService, _seed_activities, {"activities", "activity_versions"}),
    "approvals": (ApprovalsService, _registered("students"), {"students"}),
    "ceremony": (CeremonyService, _seed_ceremony, {"final_reports", "requirements_met"}),
    "certificates": (CertificatesService, _seed_certificates, set()),
    "notifications": (NotificationsService, _registered("messages"), {"recipients", "messages"}),
    "campus": (CampusService, _registered("people"), {"people"}),
}


def _published_event_naming(database_url, student_id):
    """A published event of the service's own that names the student (erasure deletes it)."""
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            MESSAGING_TABLES["outbox"]
            .insert()
            .values(
                event_id=str(uuid.uuid4()),
                event_type=STUDENT_REGISTERED,
                exchange="registration.events",
                payload=json.dumps({"data": {"student_id": student_id, "email": EMAIL, "description": WORDS}}),
                correlation_id="c-erase",
                created_at=utcnow(),
                published_at=utcnow(),
                attempts=1,
            )
        )
    engine.dispose()


def _tables_naming(database_url, *texts) -> set[str]:
    tables = [
        t
        for (t,) in rows(database_url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    ]
    union = " UNION ".join(
        f"SELECT '{t}' FROM \"{t}\" AS r WHERE CAST(r AS text) LIKE :a OR CAST(r AS text) LIKE :b" for t in tables
    )
    return {t for (t,) in rows(database_url, union, a=f"%{texts[0]}%", b=f"%{texts[1]}%")}


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_service_that_was_down_erases_when_it_returns(service, start_service, service_config, database_url):
    service_cls, seed, holding = SERVICES[service]
    config = {"CIM_RENDER_POOL_SIZE": "1", "CIM_CAMPUS_ISSUER": "cim-dev"}
    container = start_service(service_cls, **config)
    student_id = seed(container, service_config, database_url)
    _published_event_naming(database_url, student_id)
    wait_until(lambda: not rows(database_url, "SELECT 1 FROM outbox WHERE published_at IS NULL"), message="sent")
    assert "outbox" in _tables_naming(database_url, EMAIL, WORDS)
    before = call(container, "erasure_report", ADMIN, student_id, str(uuid.uuid4()))["tables"]
    assert {table for table, t in before.items() if t["rows"]} >= holding | {"outbox"}
    container.stop()  # down: its durable queue keeps the erasure until it returns

    erasure = publish_event(
        service_config["AMQP_URI"], STUDENT_ERASURE_REQUESTED, _erasure(student_id), producer="registration"
    )
    container = start_service(service_cls, **config)
    report = wait_until(
        lambda: (r := call(container, "erasure_report", ADMIN, student_id, erasure["event_id"]))["erased_at"] and r,
        timeout=30,
        message=f"{service}: the erasure applied after the restart",
    )
    assert _tables_naming(database_url, EMAIL, WORDS) == set(), service
    held = {table: t["rows"] for table, t in report["tables"].items() if t["erasure"] == "deleted"}
    assert held and set(held.values()) == {0}, held
