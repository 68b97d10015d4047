"""The use cases the scheduling timer runs, at the `now` it is given: each coordinator's daily
digest, the reminders of items waiting too long, the students' graduation reminders.

Each message is written (not sent) in the transaction that claims it: the digest's (coordinator,
day) row, the reminded items' rows, the student's row. Two replicas running the same pass write
each message once: the second finds the claim taken (or the rows locked, and skips them).
Delivery is the delivery timer's business, as for every other message.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from services.notifications.domain import kinds
from services.notifications.domain.directory import coordinators_of, programmes_covered
from services.notifications.domain.messages import Composer
from services.notifications.domain.preferences import DEFAULT_LANGUAGE
from services.notifications.domain.schedule import (
    ReviewTargets,
    digest_day,
    graduation_reminder_due,
    graduation_window,
    local_day,
    waited_too_long,
)
from services.notifications.domain.schedule_messages import (
    ListedItem,
    compose_graduation_reminder,
    compose_item_list,
    scheduled_message,
)

log = logging.getLogger(__name__)


def run_schedule(unit_of_work, *, now: datetime, targets: ReviewTargets, composer: Composer) -> dict[str, int]:
    """One pass of the timer: how many of each message it wrote (in words the composer gives)."""
    return {
        "digests": send_digests(unit_of_work, now=now, composer=composer),
        "review_reminders": send_review_reminders(unit_of_work, now=now, targets=targets, composer=composer),
        "graduation_reminders": send_graduation_reminders(unit_of_work, now=now, composer=composer),
    }


# --- the digest -------------------------------------------------------------------------------


def send_digests(unit_of_work, *, now: datetime, composer: Composer) -> int:
    """Every coordinator whose digest time has come today and whose digest is not taken yet: one
    unit of work each, so one coordinator's trouble leaves the others' digests alone."""
    today = local_day(now)
    due = []
    with unit_of_work() as uow:
        entries = uow.repo.directory()
        for entry in entries:
            covered = programmes_covered(entry.subject, entries, today)
            if not entry.email or not covered:
                continue  # no address yet, or away: their programmes' work goes to the others
            preference = uow.repo.coordinator_preference(entry.subject)
            day = digest_day(now, preference.digest_time if preference else None)
            if day is None or uow.repo.digest_taken(entry.subject, day):
                continue
            language = preference.language if preference else DEFAULT_LANGUAGE
            due.append((entry.subject, entry.name, entry.email, covered, day, language))
    written = 0
    for subject, name, email, covered, day, language in due:
        with unit_of_work() as uow:
            written += write_digest(
                uow,
                subject=subject,
                name=name,
                email=email,
                programmes=covered,
                day=day,
                language=language,
                now=now,
                composer=composer,
            )
    return written


def write_digest(
    uow, *, subject, name, email, programmes: set[str], day, language: str, now: datetime, composer: Composer
) -> bool:
    """Claim the coordinator's digest of `day` and write it, listing the items not listed to them
    before; nothing new, no message (the claim stays: the day is done). False: nothing written."""
    if not uow.repo.take_digest(subject, day, now):
        return False  # another replica has it
    found = uow.repo.unlisted_items(subject, programmes)
    if not found:
        return False
    listed = _listed(uow, found, language)
    title, body = compose_item_list(composer, kinds.COORDINATOR_DIGEST, language, name, listed)
    message = scheduled_message(
        key=f"{subject}:{day.isoformat()}",
        kind=kinds.COORDINATOR_DIGEST,
        to_address=email,
        subject=title,
        body=body,
        language=language,
        now=now,
        coordinator=subject,
    )
    uow.repo.add(message)
    uow.flush()
    uow.repo.note_listed(subject, [item for item, _ in found], kinds.COORDINATOR_DIGEST, message.message_id)
    uow.repo.digest_written(subject, day, message.message_id, len(found))
    log.info("digest %s of %s for coordinator %s: %d item(s)", message.message_id, day, subject, len(found))
    return True


def _listed(uow, found, language: str) -> list[ListedItem]:
    names = uow.repo.programme_names()
    return [
        ListedItem(
            item_id=item.item_id,
            version=item.version,
            kind=item.kind,
            title=item.title,
            student_id=student.student_id,
            student=student.name,
            programme=names.get(student.programme_code, {}).get(language, student.programme_code),
            waiting_since=item.waiting_since,
        )
        for item, student in found
    ]


# --- items waiting too long -------------------------------------------------------------------


def send_review_reminders(unit_of_work, *, now: datetime, targets: ReviewTargets, composer: Composer) -> int:
    """Items that have waited longer than their programme's target and were not reminded of:
    one message per coordinator (and target) listing them, each item reminded of once. An item
    whose programme nobody covers today waits for someone who does (approvals raises that alert)."""
    today = local_day(now)
    with unit_of_work() as uow:
        candidates = uow.repo.overdue_candidates(now - timedelta(days=targets.shortest))
        overdue = [
            (item, student)
            for item, student in candidates
            if waited_too_long(item.waiting_since, now, targets.days(student.programme_code))
        ]
        if not overdue:
            return 0
        entries = uow.repo.directory()
        lists = defaultdict(list)
        for item, student in overdue:
            covering = [e for e in coordinators_of(student.programme_code, entries, today) if e.email]
            if not covering:
                continue
            item.reminded_at = now
            for entry in covering:
                lists[(entry.subject, targets.days(student.programme_code))].append((item, student))
        by_subject = {e.subject: e for e in entries}
        for (subject, days), found in sorted(lists.items()):
            _write_reminder(uow, by_subject[subject], days, found, now, composer)
        return len(lists)


def _write_reminder(uow, entry, days: int, found, now: datetime, composer: Composer):
    preference = uow.repo.coordinator_preference(entry.subject)
    language = preference.language if preference else DEFAULT_LANGUAGE
    listed = _listed(uow, found, language)
    title, body = compose_item_list(composer, kinds.REVIEW_REMINDER, language, entry.name, listed, days)
    items = [item for item, _ in found]
    message = scheduled_message(
        key=entry.subject + ":" + ",".join(sorted(f"{i.item_id}@{i.version}" for i in items)),
        kind=kinds.REVIEW_REMINDER,
        to_address=entry.email,
        subject=title,
        body=body,
        language=language,
        now=now,
        coordinator=entry.subject,
    )
    uow.repo.add(message)
    uow.flush()
    uow.repo.note_listed(entry.subject, items, kinds.REVIEW_REMINDER, message.message_id)


# --- students near graduation -----------------------------------------------------------------


def send_graduation_reminders(unit_of_work, *, now: datetime, composer: Composer) -> int:
    """Enrolled students whose graduation is less than 90 days away and whose activity requirement
    is not met: one reminder each, ever."""
    today = local_day(now)
    first, last = graduation_window(today)
    written = 0
    with unit_of_work() as uow:
        for student in uow.repo.graduation_candidates(first, last):
            if not graduation_reminder_due(student.expected_graduation, today):
                continue
            language = uow.repo.student_language(student.student_id) or student.language
            title, body = compose_graduation_reminder(composer, language, student.name, student.expected_graduation)
            uow.repo.add(
                scheduled_message(
                    key=student.student_id,
                    kind=kinds.GRADUATION_REMINDER,
                    to_address=student.email,
                    subject=title,
                    body=body,
                    language=language,
                    now=now,
                    student_id=student.student_id,
                )
            )
            student.graduation_reminded_at = now
            written += 1
    return written
