"""The scheduled messages' use cases on a fake unit of work and a controlled clock: a digest only
when there is something new, once a day; a reminder once per waiting item; a student's reminder once."""

from datetime import date, datetime, timedelta, timezone

import pytest

from services.notifications import copies, handlers, scheduled
from services.notifications.domain import kinds, preferences
from services.notifications.domain.schedule import parse_targets
from tests.builders.notifications import WEB_URL, a_composer, a_registration
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.notifications import FakeNotificationsRepository

UTC = timezone.utc
TARGETS = parse_targets(14, None)
MONDAY = datetime(2027, 3, 8, 7, 5, tzinfo=UTC)  # 08:05 in Stockholm (winter time)


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeNotificationsRepository(), producer="notifications")


COMPOSER = a_composer()


def apply(uow, use_case, data, **kwargs):
    if "kind" in kwargs:  # a use case that also writes the student's message
        kwargs["composer"] = COMPOSER
    with uow:
        return use_case(uow, data, **kwargs)


def coordinator(uow, subject="c-bio", programmes=("MBIOM",), **overrides):
    data = {
        "subject": subject,
        "name": subject.title(),
        "email": f"{subject}@example.org",
        "programmes": list(programmes),
        "on_leave": False,
        "leave_from": None,
        "leave_to": None,
        "substitute": None,
        "updated_at": MONDAY - timedelta(days=30),
        **overrides,
    }
    apply(uow, copies.record_coordinator, data)


def student(uow, student_id="s-1", language="en", **overrides):
    data = a_registration(student_id, language, registered_at=MONDAY - timedelta(days=60), **overrides)
    apply(uow, handlers.record_recipient, data)


def submitted(uow, activity_id="a-1", student_id="s-1", version=1, at=MONDAY - timedelta(days=1), title="Lyon"):
    data = {
        "activity_id": activity_id,
        "student_id": student_id,
        "version": version,
        "title": title,
        "submitted_at": at,
    }
    apply(uow, copies.activity_submitted, data)


def run(uow, now=MONDAY, targets=TARGETS):
    return scheduled.run_schedule(lambda: uow, now=now, targets=targets, composer=COMPOSER)


def written(uow, kind):
    return [m for m in uow.repo.messages.values() if m.kind == kind]


@pytest.fixture
def biomedicine(uow):
    coordinator(uow)
    student(uow)
    return uow


# --- the digest ---------------------------------------------------------------------------------


def test_the_digest_lists_the_new_items_of_the_coordinators_programmes(biomedicine):
    uow = biomedicine
    submitted(uow, at=datetime(2027, 3, 5, 9, 0, tzinfo=UTC))
    student(uow, "s-other", programme={"code": "MPUBH", "name_en": "Public Health", "name_sv": "Folkhälsa"})
    submitted(uow, "a-other", "s-other")

    assert run(uow)["digests"] == 1
    [digest] = written(uow, kinds.COORDINATOR_DIGEST)
    assert (digest.to_address, digest.coordinator, digest.student_id) == ("c-bio@example.org", "c-bio", None)
    assert digest.subject == "New CIM items to decide (1)"
    assert "- Åsa Öberg (Master's programme in Biomedicine): Lyon, waiting since 5 March 2027" in digest.body
    assert digest.body.startswith("Dear C-Bio,") and "a-other" not in digest.body and "Public Health" not in digest.body
    assert f"\n{WEB_URL}/coordinator/inbox\n" in digest.body


def test_no_digest_before_the_coordinators_time_and_one_a_day_from_it(biomedicine):
    uow = biomedicine
    submitted(uow)
    assert run(uow, now=datetime(2027, 3, 8, 6, 59, tzinfo=UTC))["digests"] == 0  # 07:59 in Stockholm
    assert run(uow)["digests"] == 1
    submitted(uow, "a-2")  # new, but today's digest has gone
    assert run(uow, now=MONDAY + timedelta(hours=3))["digests"] == 0
    assert len(written(uow, kinds.COORDINATOR_DIGEST)) == 1
    assert run(uow, now=MONDAY + timedelta(days=1))["digests"] == 1  # Tuesday: a-2 only
    tuesday = max(written(uow, kinds.COORDINATOR_DIGEST), key=lambda m: m.created_at)
    assert "(1)" in tuesday.subject and tuesday.body.count("\n- ") == 1


def test_nothing_new_no_digest(biomedicine):
    uow = biomedicine
    submitted(uow)
    run(uow)
    assert run(uow, now=MONDAY + timedelta(days=1))["digests"] == 0  # a-1 still waits, but it is not new
    assert len(written(uow, kinds.COORDINATOR_DIGEST)) == 1


def test_a_decided_or_withdrawn_item_is_not_listed(biomedicine):
    uow = biomedicine
    submitted(uow, "a-1")
    submitted(uow, "a-2")
    apply(uow, copies.activity_withdrawn, {"activity_id": "a-2", "student_id": "s-1", "withdrawn_at": MONDAY})
    decision = {"activity_id": "a-1", "student_id": "s-1", "version": 1, "comment": None}
    apply(uow, copies.activity_decided, decision, event_id="e-d", kind=kinds.ACTIVITY_APPROVED)
    assert run(uow)["digests"] == 0


def test_a_resubmitted_version_is_new_again(biomedicine):
    uow = biomedicine
    submitted(uow)
    run(uow)
    submitted(uow, version=2, at=MONDAY + timedelta(hours=5))
    assert run(uow, now=MONDAY + timedelta(days=1))["digests"] == 1


def test_the_digest_is_at_the_chosen_time_in_the_chosen_language(biomedicine):
    uow = biomedicine
    choice = preferences.defaults(issuer="idp", subject="c-bio", role="coordinator", student_id=None, now=MONDAY)
    preferences.change(choice, language="sv", digest_time="09:30", now=MONDAY)
    uow.repo.add(choice)
    submitted(uow)
    assert run(uow)["digests"] == 0  # 08:05 in Stockholm
    assert run(uow, now=MONDAY + timedelta(hours=1, minutes=30))["digests"] == 1
    [digest] = written(uow, kinds.COORDINATOR_DIGEST)
    assert digest.language == "sv" and digest.subject == "Nya CIM-ärenden att besluta om (1)"
    assert "Masterprogram i biomedicin" in digest.body and "väntar sedan 7 mars 2027" in digest.body


def test_a_coordinator_on_leave_gets_no_digest_and_the_substitute_gets_their_programmes(uow):
    leave = {"on_leave": True, "leave_from": date(2027, 3, 1), "leave_to": date(2027, 3, 31), "substitute": "c-sub"}
    coordinator(uow, "c-bio", **leave)
    coordinator(uow, "c-sub", programmes=("MPUBH",))
    student(uow)
    submitted(uow)
    assert run(uow)["digests"] == 1
    [digest] = written(uow, kinds.COORDINATOR_DIGEST)
    assert digest.coordinator == "c-sub" and "Lyon" in digest.body


def test_a_long_digest_lists_the_oldest_and_counts_the_rest(biomedicine):
    uow = biomedicine
    for n in range(30):
        submitted(uow, f"a-{n:02}", at=MONDAY - timedelta(days=30 - n), title=f"Activity {n:02}")
    run(uow)
    [digest] = written(uow, kinds.COORDINATOR_DIGEST)
    assert digest.subject == "New CIM items to decide (30)"
    assert digest.body.count("\n- ") == 25 and "Activity 00" in digest.body and "Activity 29" not in digest.body
    assert "… and 5 more." in digest.body
    assert run(uow, now=MONDAY + timedelta(days=1))["digests"] == 0  # the counted ones were told too


# --- items waiting too long ---------------------------------------------------------------------


def test_an_item_waiting_longer_than_the_target_is_reminded_of_once(biomedicine):
    uow = biomedicine
    coordinator(uow, "c-bio2")
    submitted(uow, at=MONDAY - timedelta(days=14))
    assert run(uow)["review_reminders"] == 0  # 14 days to the minute: not longer
    assert run(uow, now=MONDAY + timedelta(hours=1))["review_reminders"] == 2  # one each
    reminders = written(uow, kinds.REVIEW_REMINDER)
    assert sorted(m.coordinator for m in reminders) == ["c-bio", "c-bio2"]
    assert reminders[0].subject == "CIM items have waited too long for a decision (1)"
    assert "target of 14 days" in reminders[0].body and "Lyon, waiting since 22 February 2027" in reminders[0].body
    assert f"\n{WEB_URL}/coordinator/inbox?student=s-1\n" in reminders[0].body  # one student's items
    assert run(uow, now=MONDAY + timedelta(days=3))["review_reminders"] == 0
    assert len(written(uow, kinds.REVIEW_REMINDER)) == 2


def test_a_new_version_is_reminded_of_when_it_too_waits_too_long(biomedicine):
    uow = biomedicine
    submitted(uow, at=MONDAY - timedelta(days=20))
    run(uow)
    submitted(uow, version=2, at=MONDAY)
    assert run(uow, now=MONDAY + timedelta(days=10))["review_reminders"] == 0
    assert run(uow, now=MONDAY + timedelta(days=15))["review_reminders"] == 1


def test_a_programme_may_have_its_own_target(biomedicine):
    uow = biomedicine
    submitted(uow, at=MONDAY - timedelta(days=8))
    assert run(uow)["review_reminders"] == 0
    assert run(uow, targets=parse_targets(14, "MBIOM=7"))["review_reminders"] == 1
    assert "target of 7 days" in written(uow, kinds.REVIEW_REMINDER)[0].body


def test_an_item_nobody_covers_waits_for_someone_who_does(uow):
    student(uow)
    submitted(uow, at=MONDAY - timedelta(days=20))
    assert run(uow)["review_reminders"] == 0
    coordinator(uow)
    assert run(uow, now=MONDAY + timedelta(hours=1))["review_reminders"] == 1


# --- students near graduation --------------------------------------------------------------------


def near_graduation(uow, student_id="s-1", graduation="2027-05"):
    student(uow, student_id, expected_graduation=graduation)


def test_a_student_near_graduation_without_the_requirement_is_reminded_once(uow):
    near_graduation(uow)  # 1 May is 54 days after MONDAY
    near_graduation(uow, "s-later", graduation="2027-07")  # 1 July: 115 days
    assert run(uow)["graduation_reminders"] == 1
    [reminder] = written(uow, kinds.GRADUATION_REMINDER)
    assert (reminder.student_id, reminder.to_address) == ("s-1", "asa@example.org")
    assert "You expect to graduate in May 2027" in reminder.body and f"\n{WEB_URL}/me/progress\n" in reminder.body
    assert run(uow, now=MONDAY + timedelta(days=1))["graduation_reminders"] == 0
    assert run(uow, now=datetime(2027, 4, 3, 8, tzinfo=UTC))["graduation_reminders"] == 1  # s-later, 89 days


def test_a_student_who_meets_the_requirement_or_left_is_not_reminded(uow):
    near_graduation(uow, "s-met")
    near_graduation(uow, "s-left")
    met = {"student_id": "s-met", "programme": "MBIOM", "rule_set": "standard", "activity_ids": [], "met_at": MONDAY}
    apply(uow, copies.requirement_met, met, event_id="e-m", kind=kinds.ACTIVITY_REQUIREMENT_MET)
    left = {"student_id": "s-left", "withdrawn_at": MONDAY, "reason": None}
    apply(uow, copies.student_withdrawn, left, event_id="e-w", kind=kinds.LEFT_THE_CIM)
    assert run(uow)["graduation_reminders"] == 0


def test_a_withdrawn_approval_that_breaks_the_requirement_makes_the_reminder_due_again(uow):
    near_graduation(uow)
    met = {"student_id": "s-1", "programme": "MBIOM", "rule_set": "standard", "activity_ids": [], "met_at": MONDAY}
    apply(uow, copies.requirement_met, met, event_id="e-m", kind=kinds.ACTIVITY_REQUIREMENT_MET)
    withdrawal = {
        "activity_id": "a-1",
        "student_id": "s-1",
        "version": 1,
        "reason": "The exchange was cancelled.",
        "withdrawn_at": MONDAY + timedelta(minutes=1),
        "activity_requirement_met": False,
    }
    apply(uow, copies.approval_withdrawn, withdrawal, event_id="e-aw", kind=kinds.APPROVAL_WITHDRAWN)
    assert run(uow, now=MONDAY + timedelta(hours=1))["graduation_reminders"] == 1


def test_the_students_reminder_is_in_their_language(uow):
    student(uow, expected_graduation="2027-05", language="sv")
    run(uow)
    [reminder] = written(uow, kinds.GRADUATION_REMINDER)
    assert reminder.language == "sv" and "Du räknar med att ta examen i maj 2027" in reminder.body
    assert reminder.body.startswith("Hej Åsa Öberg!")


# --- the copies ----------------------------------------------------------------------------------


def test_a_student_who_leaves_has_their_waiting_items_closed(biomedicine):
    uow = biomedicine
    submitted(uow)
    left = {"student_id": "s-1", "withdrawn_at": MONDAY - timedelta(hours=1), "reason": None}
    apply(uow, copies.student_withdrawn, left, event_id="e-w", kind=kinds.LEFT_THE_CIM)
    assert uow.repo.items_waiting_of("s-1") == []
    assert run(uow)["digests"] == 0


def test_a_report_waits_until_it_is_decided(biomedicine):
    uow = biomedicine
    report = {"student_id": "s-1", "report_id": "r-1", "filename": "r.pdf", "submitted_at": MONDAY - timedelta(days=1)}
    apply(uow, copies.report_submitted, report)
    run(uow)
    [digest] = written(uow, kinds.COORDINATOR_DIGEST)
    assert "Åsa Öberg (Master's programme in Biomedicine): final report, waiting since 7 March 2027" in digest.body
    decision = {"student_id": "s-1", "report_id": "r-1", "comment": None}
    apply(uow, copies.report_decided, decision, event_id="e-r", kind=kinds.REPORT_ACCEPTED)
    assert uow.repo.items_waiting_of("s-1") == []
