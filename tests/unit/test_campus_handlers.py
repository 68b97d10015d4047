"""The campus edge's use cases on a fake unit of work: once by (source, id), kept for people not
registered yet, released in order, expired by policy."""

from datetime import timedelta

import pytest

from services.campus import handlers
from services.campus.domain.inbound import ACCEPTED, DUPLICATE, EXPIRED, FORWARDED, WAITING
from shared.campus import contract
from shared.campus.envelope import from_structured
from shared.events import ATTENDANCE_REPORTED, ENROLMENT_REPORTED, EXCHANGE_REPORTED
from tests.builders.campus import a_campus_event
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.campus import FakeCampusRepository

ISSUER = "https://idp.example.org"


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeCampusRepository(), producer="campus")


def receive(uow, event: dict) -> str:
    with uow:
        return handlers.receive(uow, event=from_structured(event), channel="amqp", issuer=ISSUER)


def register(uow, subject="s-1", student_id="stu-1", issuer=ISSUER) -> int:
    with uow:
        return handlers.record_person(
            uow, {"student_id": student_id, "issuer": issuer, "subject": subject}, issuer=ISSUER
        )


def test_an_enrolment_is_forwarded_at_once_and_a_resend_is_a_duplicate(uow):
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-1")
    assert receive(uow, event) == ACCEPTED
    assert receive(uow, event) == DUPLICATE
    assert uow.types_published() == [ENROLMENT_REPORTED]
    assert uow.published[0]["data"]["issuer"] == ISSUER
    assert [e.status for e in uow.repo.entries] == [FORWARDED]


def test_the_same_id_from_another_source_is_another_event(uow):
    event = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-1")
    receive(uow, event)
    assert receive(uow, {**event, "source": "urn:another-lms"}) == ACCEPTED
    assert uow.types_published() == [ENROLMENT_REPORTED, ENROLMENT_REPORTED]


def test_events_about_unknown_people_wait_and_are_released_in_order_on_registration(uow):
    receive(uow, a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref="s-1"))
    receive(uow, a_campus_event(contract.MOBILITY_EXCHANGE_COMPLETED, student_ref="s-1"))
    assert uow.published == [] and {e.status for e in uow.repo.entries} == {WAITING}
    assert register(uow) == 2
    assert uow.types_published() == [ATTENDANCE_REPORTED, EXCHANGE_REPORTED]
    assert {e["data"]["student_id"] for e in uow.published} == {"stu-1"}
    assert register(uow) == 0  # nothing is released twice


def test_a_person_of_another_identity_provider_releases_nothing(uow):
    receive(uow, a_campus_event(contract.RECORDS_NAME_CHANGED, student_ref="s-1"))
    assert register(uow, issuer="cim-dev") == 0
    assert uow.published == []


def test_events_that_waited_longer_than_the_policy_expire(uow):
    receive(uow, a_campus_event(contract.RECORDS_NAME_CHANGED, student_ref="s-old"))
    uow.repo.entries[0].received_at -= timedelta(days=731)
    receive(uow, a_campus_event(contract.RECORDS_NAME_CHANGED, student_ref="s-new"))
    with uow:
        assert handlers.expire_waiting(uow, days=730) == 1
    assert [e.status for e in uow.repo.entries] == [EXPIRED, WAITING]
    assert "730 days" in uow.repo.entries[0].reason


def test_a_batch_is_received_as_each_event_alone_would_be(uow):
    register(uow, subject="s-known", student_id="stu-known")
    enrolment = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-new")
    known = a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref="s-known")
    unknown = a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref="s-unknown")
    batch = [enrolment, known, enrolment, unknown, {**known}]  # repeats within the batch
    with uow:
        statuses = handlers.receive_many(uow, events=[from_structured(e) for e in batch], channel="amqp", issuer=ISSUER)
    assert statuses == [ACCEPTED, ACCEPTED, DUPLICATE, ACCEPTED, DUPLICATE]
    assert [e.status for e in uow.repo.entries] == [FORWARDED, FORWARDED, WAITING]
    assert uow.types_published() == [ENROLMENT_REPORTED, ATTENDANCE_REPORTED]
    assert uow.published[1]["data"]["student_id"] == "stu-known"
    # each translation names its own campus event, not the batch
    assert [e["correlation_id"] for e in uow.published] == [
        f"campus:{enrolment['source']}:{enrolment['id']}",
        f"campus:{known['source']}:{known['id']}",
    ]
    # and against what is stored: a second delivery of the whole batch changes nothing
    with uow:
        again = handlers.receive_many(uow, events=[from_structured(e) for e in batch], channel="amqp", issuer=ISSUER)
    assert again == [DUPLICATE] * 5
    assert len(uow.repo.entries) == 3 and len(uow.published) == 2


def test_one_event_posted_to_the_gateway_keeps_the_requests_correlation_id(uow):
    receive(uow, a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-1"))
    assert uow.published[0]["correlation_id"] == "test-correlation"


def test_kept_events_are_released_in_the_order_they_were_read_whatever_batch_stored_them_first(uow):
    first = from_structured(a_campus_event(contract.EVENTS_ATTENDANCE_RECORDED, student_ref="s-1"))
    second = from_structured(a_campus_event(contract.MOBILITY_EXCHANGE_COMPLETED, student_ref="s-1"))
    assert first.read_at < second.read_at
    for batch in ([second], [first]):  # the second's batch commits first (another queue, another worker)
        with uow:
            handlers.receive_many(uow, events=batch, channel="amqp", issuer=ISSUER)
    assert register(uow) == 2
    assert uow.types_published() == [ATTENDANCE_REPORTED, EXCHANGE_REPORTED]
