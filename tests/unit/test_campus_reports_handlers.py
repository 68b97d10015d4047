"""What the owners do with campus reports (through the campus edge), on fake units of work:
each applied once by its own key, rule by rule."""

from datetime import date, datetime, timezone

import pytest

from services.activities import handlers as activities
from services.activities.domain.activities import WITHDRAWN
from services.certificates.handlers import issuing
from services.registration import domain as registration_domain
from services.registration import handlers as registration
from shared.errors import Invalid
from shared.events import (
    ACTIVITY_RESUBMITTED,
    ACTIVITY_SUBMITTED,
    DIPLOMA_SUPPLEMENT_RECORDED,
    STUDENT_REGISTERED,
    STUDENT_UPDATED,
    STUDENT_WITHDRAWN,
)
from tests.builders.certificates import an_eligibility
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.activities import FakeActivitiesRepository
from tests.unit.fakes.certificates import FakeCertificatesRepository
from tests.unit.fakes.registration import FakeRegistrationRepository

MOBILITY = "urn:cim-test:mobility"
EVENTS = "urn:cim-test:events"
NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


def run(uow, use_case, data):
    with uow:
        return use_case(uow, data)


# --- registration -------------------------------------------------------------------------


@pytest.fixture
def people():
    programmes = [registration_domain.Programme("MBIOM", "Biomedicine", "Biomedicin")]
    return FakeUnitOfWork(FakeRegistrationRepository(programmes), producer="registration")


def an_enrolment(**overrides):
    return {
        "issuer": "https://idp.example.org",
        "subject": "s-9",
        "name": "Grace Example",
        "email": "grace@example.org",
        "programme": "MBIOM",
        "expected_graduation": "2027-06",
        "language": "sv",
        "enrolled_at": NOW,
        "reported_by": "urn:lms",
        **overrides,
    }


def test_an_enrolment_registers_the_person_once(people):
    run(people, registration.enrol, an_enrolment())
    run(people, registration.enrol, an_enrolment())  # the student registered already
    assert people.types_published() == [STUDENT_REGISTERED]
    [student] = people.repo.students.values()
    assert (student.issuer, student.subject, student.language) == ("https://idp.example.org", "s-9", "sv")
    assert people.published[0]["data"]["subject"] == "s-9"


def test_an_enrolment_for_an_unknown_programme_is_refused(people):
    with pytest.raises(Invalid):
        run(people, registration.enrol, an_enrolment(programme="NOPE"))
    assert people.published == [] and people.repo.students == {}


def test_an_unenrolment_withdraws_once_and_a_name_change_is_announced(people):
    run(people, registration.enrol, an_enrolment())
    [student] = people.repo.students.values()
    about = {"student_id": student.student_id, "reported_by": "urn:records"}
    run(people, registration.change_legal_name, {**about, "legal_name": "Grace Hopper", "effective_at": NOW})
    run(people, registration.change_legal_name, {**about, "legal_name": "Grace Hopper", "effective_at": NOW})
    run(people, registration.unenrol, {**about, "unenrolled_at": NOW})
    run(people, registration.unenrol, {**about, "unenrolled_at": NOW})
    assert people.types_published() == [STUDENT_REGISTERED, STUDENT_UPDATED, STUDENT_WITHDRAWN]
    assert student.name == "Grace Hopper" and student.status == registration_domain.WITHDRAWN


# --- activities ---------------------------------------------------------------------------


@pytest.fixture
def portfolio():
    return FakeUnitOfWork(FakeActivitiesRepository(), producer="activities")


def an_exchange(**overrides):
    return {
        "student_id": "stu-1",
        "reported_by": MOBILITY,
        "mobility_id": "mob-1",
        "kind": "exchange_semester",
        "host_institution": "Leiden University",
        "country": "NL",
        "start_date": date(2025, 9, 1),
        "end_date": date(2026, 1, 31),
        **overrides,
    }


def an_attendance(event_ref="evt-1", day=date(2026, 3, 4), **overrides):
    return {
        "student_id": "stu-1",
        "reported_by": EVENTS,
        "event_ref": event_ref,
        "activity_type": "language_cafe",
        "title": f"Language café {day}",
        "date": day,
        "location_kind": "sweden",
        **overrides,
    }


def test_an_exchange_becomes_one_verified_activity_per_mobility_id(portfolio):
    run(portfolio, activities.record_reported_exchange, an_exchange())
    run(portfolio, activities.record_reported_exchange, an_exchange())  # resent, new event id
    [activity] = portfolio.repo.activities.values()
    assert (activity.verified_by, activity.external_ref, activity.location_country) == (MOBILITY, "mob-1", "NL")
    assert portfolio.types_published() == [ACTIVITY_SUBMITTED]
    assert portfolio.published[0]["data"]["verified_by"] == MOBILITY


def test_attendance_creates_the_activity_then_adds_sessions_once_per_occasion(portfolio):
    run(portfolio, activities.record_reported_attendance, an_attendance("evt-1", date(2026, 3, 4)))
    run(portfolio, activities.record_reported_attendance, an_attendance("evt-2", date(2026, 3, 11)))
    run(portfolio, activities.record_reported_attendance, an_attendance("evt-2", date(2026, 3, 11)))
    [activity] = portfolio.repo.activities.values()
    assert [s.external_ref for s in activity.sessions] == ["evt-1", "evt-2"]
    assert {s.verified_by for s in activity.sessions} == {EVENTS}
    assert (activity.start_date, activity.end_date) == (date(2026, 3, 4), date(2026, 3, 11))
    assert portfolio.types_published() == [ACTIVITY_SUBMITTED, ACTIVITY_RESUBMITTED]


def test_attendance_after_the_activity_was_withdrawn_starts_a_new_one(portfolio):
    run(portfolio, activities.record_reported_attendance, an_attendance("evt-1"))
    [first] = portfolio.repo.activities.values()
    first.status = WITHDRAWN
    run(portfolio, activities.record_reported_attendance, an_attendance("evt-2"))
    assert len(portfolio.repo.activities) == 2


# --- certificates -------------------------------------------------------------------------


@pytest.fixture
def records():
    return FakeUnitOfWork(FakeCertificatesRepository(), producer="certificates")


def a_degree(**overrides):
    return {
        "student_id": "stu-1",
        "reported_by": "urn:records",
        "degree_ref": "deg-1",
        "programme": "MBIOM",
        "conferred_on": date(2027, 6, 10),
        **overrides,
    }


def _issue(uow):
    eligibility = an_eligibility("stu-1")
    with uow:
        certificate, _ = issuing.draft_certificate(
            uow, eligibility=eligibility, public_base_url="https://cim.example.org"
        )
    with uow:
        issuing.issue_certificate(
            uow, eligibility, certificate=certificate, pdf=b"%PDF", public_base_url="https://cim.example.org"
        )


def test_a_degree_with_a_valid_certificate_sends_its_supplement_line_once(records):
    _issue(records)
    run(records, issuing.record_degree, a_degree())
    run(records, issuing.record_degree, a_degree())
    lines = [e["data"] for e in records.published if e["event_type"] == DIPLOMA_SUPPLEMENT_RECORDED]
    assert [line["degree_ref"] for line in lines] == [None, "deg-1"]


def test_a_degree_before_the_certificate_goes_with_the_certificate_when_issued(records):
    run(records, issuing.record_degree, a_degree())
    assert records.published == []
    _issue(records)
    [line] = [e["data"] for e in records.published if e["event_type"] == DIPLOMA_SUPPLEMENT_RECORDED]
    assert line["degree_ref"] == "deg-1"
    assert records.repo.degree("deg-1").supplement_sent_for == records.repo.valid_for("stu-1").code
