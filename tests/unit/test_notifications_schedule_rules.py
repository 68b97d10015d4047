"""The rules of the scheduled messages on a controlled clock: when a digest is due in the
coordinator's zone (daylight saving included), when an item waited too long, when a student's
graduation is near, and how the copies take events out of order."""

from datetime import date, datetime, timedelta, timezone

import pytest

from services.notifications.domain.directory import DirectoryEntry, coordinators_of, programmes_covered
from services.notifications.domain.schedule import (
    digest_day,
    digest_due_at,
    graduation_reminder_due,
    parse_targets,
    waited_too_long,
)
from services.notifications.domain.waiting import CLOSED, WAITING, closed_item, submitted_item

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the digest's time, in Europe/Stockholm -------------------------------------------------------


@pytest.mark.parametrize(
    "day, digest_time, due_utc",
    [
        (date(2027, 1, 15), None, "2027-01-15T07:00"),  # the default 08:00, winter time (UTC+1)
        (date(2027, 7, 15), None, "2027-07-15T06:00"),  # the default 08:00, summer time (UTC+2)
        (date(2027, 3, 28), "08:00", "2027-03-28T06:00"),  # the day the clocks go forward
        (date(2027, 3, 27), "08:00", "2027-03-27T07:00"),  # the day before
        (date(2027, 10, 31), "08:00", "2027-10-31T07:00"),  # the day the clocks go back
        (date(2027, 3, 28), "02:30", "2027-03-28T01:30"),  # does not exist: 03:30 summer time
        (date(2027, 10, 31), "02:30", "2027-10-31T00:30"),  # happens twice: the first one
        (date(2027, 1, 15), "23:45", "2027-01-15T22:45"),
    ],
)
def test_a_digest_is_due_at_the_coordinators_time_in_stockholm(day, digest_time, due_utc):
    assert digest_due_at(day, digest_time) == at(due_utc)


def test_before_the_time_no_digest_is_due_and_from_it_that_days_is():
    assert digest_day(at("2027-07-15T05:59:59"), "08:00") is None
    assert digest_day(at("2027-07-15T06:00"), "08:00") == date(2027, 7, 15)
    assert digest_day(at("2027-07-15T21:00"), "08:00") == date(2027, 7, 15)


def test_the_day_is_stockholms_not_utcs():
    # 23:30 UTC on 15 January is 00:30 on the 16th in Stockholm: the 16th's 00:15 digest is due
    assert digest_day(at("2027-01-15T23:30"), "00:15") == date(2027, 1, 16)
    assert digest_day(at("2027-01-15T23:30"), "08:00") is None


# --- items waiting too long ---------------------------------------------------------------------


def test_an_item_is_late_only_once_it_has_waited_longer_than_the_target():
    since = at("2027-02-01T10:00")
    assert not waited_too_long(since, since + timedelta(days=14), 14)
    assert waited_too_long(since, since + timedelta(days=14, seconds=1), 14)
    assert not waited_too_long(since, since + timedelta(days=20), 21)


def test_targets_are_the_default_unless_a_programme_has_its_own():
    targets = parse_targets(14, "MPUBH=21, MMEDS=10")
    assert (targets.days("MPUBH"), targets.days("MMEDS"), targets.days("MBIOM")) == (21, 10, 14)
    assert targets.shortest == 10
    assert parse_targets(14, None).days("MBIOM") == 14


@pytest.mark.parametrize("overrides", ["MPUBH", "MPUBH=", "MPUBH=0", "=4", "MPUBH=two"])
def test_a_wrong_target_is_refused_when_read(overrides):
    with pytest.raises(ValueError):
        parse_targets(14, overrides)


# --- the graduation reminder --------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, due",
    [
        (date(2027, 3, 3), False),  # 90 days before 1 June: not less than 90
        (date(2027, 3, 4), True),  # 89 days before
        (date(2027, 5, 31), True),
        (date(2027, 6, 30), True),  # the graduation month itself, to its last day
        (date(2027, 7, 1), False),  # the month is past
        (date(2026, 12, 1), False),
    ],
)
def test_a_student_is_reminded_when_graduation_is_less_than_90_days_away(today, due):
    assert graduation_reminder_due("2027-06", today) is due


def test_no_graduation_month_no_reminder():
    assert graduation_reminder_due(None, date(2027, 3, 4)) is False


# --- the waiting items, events out of order and twice --------------------------------------------


def item(version=1, since="2027-02-01T10:00"):
    return submitted_item(item_id="a-1", kind="activity", student_id="s-1", version=version, title="Lyon", at=at(since))


def test_a_newer_version_waits_anew_and_an_older_one_changes_nothing():
    found = item(version=2, since="2027-02-05T10:00")
    found.reminded_at = at("2027-02-20T10:00")
    assert found.submitted(version=1, title="old", at=at("2027-02-01T10:00")) is False
    assert found.submitted(version=2, title="again", at=at("2027-02-01T10:00")) is False
    assert found.submitted(version=3, title="Lyon, corrected", at=at("2027-03-01T10:00")) is True
    assert (found.status, found.waiting_since, found.reminded_at) == (WAITING, at("2027-03-01T10:00"), None)


def test_a_decision_closes_its_version_not_a_newer_one():
    found = item(version=2)
    assert found.closed(1) is False and found.status == WAITING
    assert found.closed(2) is True and found.status == CLOSED
    assert found.closed(2) is False  # a duplicate


def test_a_decision_that_came_first_keeps_the_late_submission_closed():
    found = closed_item(item_id="a-1", kind="activity", student_id="s-1", version=1)
    assert found.submitted(version=1, title="Lyon", at=at("2027-02-01T10:00")) is False
    assert found.status == CLOSED
    assert found.submitted(version=2, title="Lyon", at=at("2027-02-03T10:00")) is True  # changes were asked


# --- the directory: who covers a programme today ------------------------------------------------


def entry(subject, programmes, on_leave=False, leave_from=None, leave_to=None, substitute=None):
    email, as_of = f"{subject}@example.org", at("2027-01-01T00:00")
    return DirectoryEntry(
        subject, subject.title(), email, programmes, on_leave, leave_from, leave_to, substitute, as_of
    )


def test_a_coordinator_on_leave_covers_nothing_and_their_substitute_covers_their_programmes():
    leave = {"on_leave": True, "leave_from": date(2027, 2, 1), "leave_to": date(2027, 2, 28), "substitute": "bo"}
    entries = [entry("anna", ["MPUBH"], **leave), entry("bo", ["MMEDS"])]
    during, after = date(2027, 2, 10), date(2027, 3, 1)
    assert programmes_covered("anna", entries, during) == set()
    assert programmes_covered("bo", entries, during) == {"MMEDS", "MPUBH"}
    assert programmes_covered("anna", entries, after) == {"MPUBH"}
    assert [e.subject for e in coordinators_of("MPUBH", entries, during)] == ["bo"]
    assert [e.subject for e in coordinators_of("MPUBH", entries, after)] == ["anna"]


def test_an_older_directory_entry_arriving_late_changes_nothing():
    newer = entry("anna", ["MPUBH", "MMEDS"])
    older = entry("anna", ["MPUBH"])
    older.as_of = newer.as_of - timedelta(minutes=1)
    assert newer.replace_with(older) is False and newer.programmes == ["MPUBH", "MMEDS"]
