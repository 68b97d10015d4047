"""Activities' use cases on a fake unit of work: what they change, publish and refuse."""

from datetime import date

import pytest

from services.activities import handlers
from services.activities.domain.activities import APPROVAL_WITHDRAWN, APPROVED, CHANGES_REQUESTED, SUBMITTED, WITHDRAWN
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import ACTIVITY_RESUBMITTED, ACTIVITY_SUBMITTED, ACTIVITY_WITHDRAWN
from shared.rpc.activities import SessionClaim
from tests.builders import a_coordinator, a_student_actor, an_admin
from tests.builders.activities import a_claim, a_decision, a_language_cafe, a_type_entry, an_approval_withdrawal
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.activities import FakeActivitiesRepository

STUDENT = a_student_actor("stu-1")


@pytest.fixture
def uow():
    # a fresh catalogue per test: domain classes are mapped by the ORM once orm.py is imported
    return FakeUnitOfWork(FakeActivitiesRepository(), producer="activities")


def run(uow, use_case, **kwargs):
    with uow:
        return use_case(uow, **kwargs)


def logged(uow, claim=None, actor=STUDENT):
    return run(uow, handlers.log_activity, actor=actor, request=claim or a_claim())


def test_logging_publishes_activity_submitted_with_the_catalogue_entry(uow):
    activity = logged(uow)
    assert uow.committed and uow.types_published() == [ACTIVITY_SUBMITTED]
    assert (activity.status, activity.version, activity.student_id) == (SUBMITTED, 1, "stu-1")
    data = uow.published[0]["data"]
    assert data["activity_id"] == activity.activity_id and data["version"] == 1
    assert data["activity_type"]["code"] == "exchange_semester"
    assert data["activity_type"]["supplement_en"] == "Completed an exchange semester abroad."
    assert data["location"] == {"kind": "abroad", "country": "NL"}
    assert uow.repo.activity(activity.activity_id) is activity


def test_an_invalid_claim_stores_and_publishes_nothing(uow):
    with pytest.raises(Invalid, match="location"):
        logged(uow, a_claim(location={"kind": "abroad", "country": "SE"}))
    assert uow.rolled_back and uow.published == [] and uow.repo.activities == {}


def test_only_a_registered_student_logs(uow):
    with pytest.raises(Forbidden):
        logged(uow, actor=a_coordinator())
    with pytest.raises(NotFound):  # not registered (no student id): 404, as everywhere
        logged(uow, actor=a_student_actor(None))
    assert uow.published == []


def test_resubmitting_is_a_conflict_until_changes_are_requested(uow):
    activity = logged(uow)
    corrected = a_claim(title="Exchange semester at Leiden University")
    with pytest.raises(Conflict):
        run(uow, handlers.resubmit, actor=STUDENT, activity_id=activity.activity_id, request=corrected)
    run(uow, handlers.record_change_request, data=a_decision(activity, comment="add a transcript"))
    again = run(uow, handlers.resubmit, actor=STUDENT, activity_id=activity.activity_id, request=corrected)
    assert (again.status, again.version, again.title) == (SUBMITTED, 2, "Exchange semester at Leiden University")
    assert uow.types_published() == [ACTIVITY_SUBMITTED, ACTIVITY_RESUBMITTED]
    assert uow.published[-1]["data"]["version"] == 2


def test_withdrawing_publishes_activity_withdrawn(uow):
    activity = logged(uow)
    withdrawn = run(uow, handlers.withdraw, actor=STUDENT, activity_id=activity.activity_id)
    assert withdrawn.status == WITHDRAWN
    assert uow.types_published() == [ACTIVITY_SUBMITTED, ACTIVITY_WITHDRAWN]
    assert uow.published[-1]["data"]["activity_id"] == activity.activity_id


@pytest.mark.parametrize(
    "use_case, kwargs",
    [
        (handlers.get_activity, {}),
        (handlers.withdraw, {}),
        (handlers.list_versions, {}),
        (handlers.resubmit, {"request": a_claim()}),
        (handlers.add_session, {"request": SessionClaim(date(2025, 10, 1), "Café 1")}),
    ],
)
def test_another_students_activity_is_not_found(uow, use_case, kwargs):
    activity = logged(uow)
    with pytest.raises(NotFound, match="no such activity"):
        run(uow, use_case, actor=a_student_actor("stu-2"), activity_id=activity.activity_id, **kwargs)
    assert uow.types_published() == [ACTIVITY_SUBMITTED]
    assert run(uow, handlers.list_activities, actor=a_student_actor("stu-2"))["items"] == []


def test_a_session_goes_back_to_the_coordinator_as_a_new_version(uow):
    cafe = logged(uow, a_claim(a_language_cafe()))
    run(uow, handlers.record_approval, data=a_decision(cafe))
    shown = run(
        uow,
        handlers.add_session,
        actor=STUDENT,
        activity_id=cafe.activity_id,
        request=SessionClaim(date(2025, 9, 10), "Café 1"),
    )
    assert (shown.status, shown.version) == (SUBMITTED, 2)
    assert uow.published[-1]["event_type"] == ACTIVITY_RESUBMITTED
    assert uow.published[-1]["data"]["sessions"][0]["title"] == "Café 1"


@pytest.mark.parametrize(
    "consumer, status",
    [
        (handlers.record_approval, APPROVED),
        (handlers.record_change_request, CHANGES_REQUESTED),
    ],
)
def test_a_decision_updates_the_status_once_and_an_outdated_one_changes_nothing(uow, consumer, status):
    activity = logged(uow)
    decision = a_decision(activity, comment="Well done")
    assert run(uow, consumer, data=decision) is True
    assert activity.status == status and activity.latest_decision.comment == "Well done"
    assert run(uow, handlers.record_rejection, data=a_decision(activity, version=0)) is False
    assert activity.status == status and len(activity.decisions) == 1


def test_a_decision_on_an_unknown_activity_fails_loudly(uow):
    with pytest.raises(NotFound):
        run(uow, handlers.record_approval, data=a_decision({"id": "a-nope", "student_id": "stu-1", "version": 1}))


def test_a_withdrawn_approval_shows_its_reason_and_opens_a_resubmission(uow):
    activity = logged(uow)
    run(uow, handlers.record_approval, data=a_decision(activity))
    run(uow, handlers.record_approval_withdrawal, data=an_approval_withdrawal(activity, reason="the dates are wrong"))
    assert activity.status == APPROVAL_WITHDRAWN
    assert activity.latest_decision.comment == "the dates are wrong"
    run(
        uow,
        handlers.resubmit,
        actor=STUDENT,
        activity_id=activity.activity_id,
        request=a_claim(start_date="2025-09-02"),
    )
    versions = run(uow, handlers.list_versions, actor=STUDENT, activity_id=activity.activity_id)["items"]
    assert [(v["version"], v["decision"] and v["decision"].decision) for v in versions] == [
        (1, APPROVAL_WITHDRAWN),
        (2, None),
    ]


def test_only_an_admin_changes_the_catalogue(uow):
    with pytest.raises(Forbidden):
        run(uow, handlers.put_activity_type, actor=a_coordinator(), code="hackathon", request=a_type_entry())
    created, entry = run(uow, handlers.put_activity_type, actor=an_admin(), code="hackathon", request=a_type_entry())
    assert created and entry.sessions_required == 1
    created, entry = run(
        uow,
        handlers.put_activity_type,
        actor=an_admin(),
        code="hackathon",
        request=a_type_entry(repeated_attendance=True),
    )
    assert not created and entry.sessions_required == 3
    assert "hackathon" in [t.code for t in run(uow, handlers.list_activity_types)["items"]]
    assert uow.published == []  # the catalogue travels inside the activity events
