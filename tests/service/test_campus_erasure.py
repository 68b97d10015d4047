"""Erasure at the campus edge on a real broker and database: the campus events kept about a
person before they registered (their enrolment, events that waited, events that expired) and
the edge's published events naming them go with the erasure; another person's stay."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from services.campus.service import CampusService
from shared.campus import contract
from shared.events import STUDENT_ERASURE_REQUESTED, STUDENT_REGISTERED
from shared.permissions import STUDENT
from tests.builders import a_student, an_actor, an_admin
from tests.builders.campus import a_campus_event, publish_structured
from tests.helpers import publish_event, rows, wait_until
from tests.service.conftest import call

ADMIN = an_admin(subject="a-erasure").to_dict()
GONE, STAYS = "s-gone_1", "s-stays"  # "_" is a LIKE wildcard: the match must be literal
EMAIL = "gone.person@example.org"


def _statuses(database_url, student_ref):
    return sorted(
        s for (s,) in rows(database_url, "SELECT status FROM inbound_events WHERE student_ref = :r", r=student_ref)
    )


def _published_naming(database_url, text):
    return rows(
        database_url,
        "SELECT event_type FROM outbox WHERE published_at IS NOT NULL AND payload LIKE :t",
        t=f"%{text}%",
    )


def test_erasure_removes_the_campus_events_kept_before_registration(start_service, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    campus = start_service(CampusService, CIM_CAMPUS_ISSUER="cim-dev", CIM_CAMPUS_WAITING_DAYS="30")
    for ref in (GONE, STAYS):
        # the enrolment is applied at once (it registers them): it names no student id yet
        publish_structured(
            amqp, a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref=ref, email=f"{ref}@example.org")
        )
        publish_structured(amqp, a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref=ref))
    publish_structured(
        amqp, a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref=GONE, email=EMAIL, name="Gone Person")
    )
    wait_until(lambda: _statuses(database_url, GONE) == ["forwarded", "forwarded", "waiting"], message="kept")
    # the attendance waited longer than the policy: it expires (and keeps only its reference)
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        aged = conn.execute(
            sa.text("UPDATE inbound_events SET received_at = :t WHERE status = 'waiting'"),
            {"t": datetime.now(timezone.utc) - timedelta(days=31)},
        )
        assert aged.rowcount == 2
    engine.dispose()
    call(campus, "expire_waiting")
    # then another event waits for them, and they register: it is applied, naming their id
    publish_structured(amqp, a_campus_event(contract.MOBILITY_EXCHANGE_COMPLETED, student_ref=GONE))
    wait_until(lambda: "waiting" in _statuses(database_url, GONE), message="the exchange kept")
    student = a_student(issuer="cim-dev", subject=GONE, email=EMAIL)
    publish_event(amqp, STUDENT_REGISTERED, student, "registration")
    wait_until(
        lambda: _statuses(database_url, GONE) == ["expired", "forwarded", "forwarded", "forwarded"],
        message="the exchange applied",
    )
    wait_until(lambda: not rows(database_url, "SELECT 1 FROM outbox WHERE published_at IS NULL"), message="sent")
    # their export holds every campus event about them, their enrolment and the expired one too
    actor = an_actor(STUDENT, subject=GONE, student_id=student["student_id"]).to_dict()
    assert len(call(campus, "export_personal_data", actor)["inbound_events"]) == 4
    assert _published_naming(database_url, EMAIL) and _published_naming(database_url, f'"{GONE}"')

    erasure = publish_event(
        amqp,
        STUDENT_ERASURE_REQUESTED,
        {
            "student_id": student["student_id"],
            "requested_at": datetime.now(timezone.utc),
            "requested_by": "a-erasure",
            "reason": "request 18",
        },
        producer="registration",
    )
    report = wait_until(
        lambda: (r := call(campus, "erasure_report", ADMIN, student["student_id"], erasure["event_id"]))["erased_at"]
        and r,
        message="the erasure applied",
    )
    assert {t: v["rows"] for t, v in report["tables"].items()} == {"outbox": 0, "inbound_events": 0, "people": 0}
    assert _statuses(database_url, GONE) == []
    assert _published_naming(database_url, EMAIL) == [] and _published_naming(database_url, f'"{GONE}"') == []
    assert _published_naming(database_url, student["student_id"]) == []
    # the other person's events, kept and published, are still there
    assert _statuses(database_url, STAYS) == ["expired", "forwarded"]
    assert len(_published_naming(database_url, f'"{STAYS}"')) == 1
