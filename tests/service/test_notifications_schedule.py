"""The scheduled messages with two notifications replicas on one broker and one database, and a
real SMTP server: each coordinator gets one digest a day, however many replicas run the timer's
pass at once (the pass is called with a controlled clock; the timer itself is set to wait an hour)."""

import time
from datetime import datetime, timedelta, timezone

import eventlet

from shared.events import ACTIVITY_SUBMITTED, COORDINATOR_UPDATED, STUDENT_ERASURE_REQUESTED, STUDENT_REGISTERED
from tests.builders.approvals import an_activity_event
from tests.builders.notifications import a_registration
from tests.helpers import publish_event, rows, wait_until
from tests.service.conftest import call
from tests.service.test_notifications_service import (  # noqa: F401  (fixtures)
    body,
    smtp,
    start_notifications,
)

# 08:30 in Stockholm: the default digest time (08:00) has come. In the past, so what it writes
# is due for delivery at once.
NOW = datetime(2026, 11, 20, 7, 30, tzinfo=timezone.utc)
COORDINATORS = ("c-bio-1", "c-bio-2")


def directory_entry(subject: str) -> dict:
    return {
        "subject": subject,
        "name": f"Coordinator {subject[-1]}",
        "email": f"{subject}@example.org",
        "programmes": ["MBIOM"],
        "on_leave": False,
        "leave_from": None,
        "leave_to": None,
        "substitute": None,
        "updated_at": NOW - timedelta(days=10),
    }


def feed(amqp, database_url, graduation="2027-06", submitted_at=None):
    """A student, two coordinators of the student's programme and three activities waiting."""
    publish_event(
        amqp, STUDENT_REGISTERED, a_registration("s-1", "en", expected_graduation=graduation), producer="registration"
    )
    for subject in COORDINATORS:
        publish_event(amqp, COORDINATOR_UPDATED, directory_entry(subject), producer="approvals")
    when = {"submitted_at": submitted_at} if submitted_at else {}
    activities = [an_activity_event("s-1", title=f"Summer school {n}", **when) for n in range(3)]
    for activity in activities:
        for _ in range(2):  # every event twice
            publish_event(amqp, ACTIVITY_SUBMITTED, activity, producer="activities", event_id=activity["activity_id"])
    wait_until(
        lambda: rows(database_url, "SELECT count(*) FROM waiting_items")[0][0] == 3
        and rows(database_url, "SELECT count(*) FROM directory")[0][0] == 2
        and rows(database_url, "SELECT count(*) FROM recipients")[0][0] == 1,
        message="the items, the directory and the student in notifications' copies",
    )


def digests_in(mails):
    return [m for m in mails if m["Subject"].startswith("New CIM items to decide")]


def test_two_replicas_send_each_coordinator_one_digest_a_day(smtp, start_notifications, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    written = []
    smtp.start()
    replicas = [start_notifications(CIM_SCHEDULE_INTERVAL_S="3600") for _ in range(2)]
    feed(amqp, database_url)

    # both replicas run the pass at the same moment, then once more each (one call per replica at
    # a time: nameko's entrypoint_hook tells concurrent calls on one container apart by nothing)
    for _ in range(2):
        passes = [eventlet.spawn(call, replica, "send_scheduled", NOW.isoformat()) for replica in replicas]
        written.append(sum(p.wait()["digests"] for p in passes))
    assert written == [len(COORDINATORS), 0]

    mails = wait_until(
        lambda: len(digests_in(smtp.received())) >= len(COORDINATORS) and smtp.received(),
        message="the coordinators' digests",
    )
    time.sleep(2)  # room for a second digest, were one to come
    digests = digests_in(smtp.received())
    assert sorted(m["To"] for m in digests) == [f"{s}@example.org" for s in COORDINATORS]
    for mail in digests:
        assert mail["Subject"] == "New CIM items to decide (3)"
        assert mail["Content-Language"] == "en"
        text = body(mail)
        assert text.startswith(f"Dear Coordinator {mail['To'].split('@')[0][-1]},")
        for n in range(3):
            assert f"- Åsa Öberg (Master's programme in Biomedicine): Summer school {n}, waiting since" in text
        assert mail.get_body(("html",)) is not None
    assert len(mails) >= len(COORDINATORS)
    assert sorted(rows(database_url, "SELECT coordinator, day, items FROM digests")) == [
        (s, NOW.date(), 3) for s in COORDINATORS
    ]
    assert rows(
        database_url, "SELECT count(*) FROM messages WHERE kind = 'coordinator-digest' AND status = 'sent'"
    ) == [(2,)]

    # the next day, nothing new: no digest, from either replica
    tomorrow = (NOW + timedelta(days=1)).isoformat()
    assert [call(replica, "send_scheduled", tomorrow)["digests"] for replica in replicas] == [0, 0]
    assert len(digests_in(smtp.received())) == len(COORDINATORS)

    # the student's erasure empties the digests that named them; the coordinators' records stay
    erasure = {"student_id": "s-1", "requested_at": NOW, "requested_by": "a-1", "reason": "GDPR request 7"}
    publish_event(amqp, STUDENT_ERASURE_REQUESTED, erasure, producer="registration")
    wait_until(
        lambda: rows(database_url, "SELECT body FROM messages WHERE kind = 'coordinator-digest'") == [("",), ("",)],
        message="the digests' bodies emptied",
    )
    assert rows(database_url, "SELECT DISTINCT title, status FROM waiting_items") == [(None, "closed")]
    assert sorted(rows(database_url, "SELECT coordinator, status FROM messages WHERE kind = 'coordinator-digest'")) == [
        (s, "sent") for s in COORDINATORS
    ]


def test_two_replicas_remind_of_each_late_item_and_each_student_once(
    smtp, start_notifications, service_config, database_url
):
    amqp = service_config["AMQP_URI"]
    smtp.start()
    replicas = [start_notifications(CIM_SCHEDULE_INTERVAL_S="3600") for _ in range(2)]
    # waiting 20 days at NOW (target 14); graduating in January 2027, 42 days after NOW
    feed(amqp, database_url, graduation="2027-01", submitted_at=NOW - timedelta(days=20))

    totals = []
    for _ in range(2):
        passes = [eventlet.spawn(call, replica, "send_scheduled", NOW.isoformat()) for replica in replicas]
        results = [p.wait() for p in passes]
        totals.append((sum(r["review_reminders"] for r in results), sum(r["graduation_reminders"] for r in results)))
    assert totals == [(len(COORDINATORS), 1), (0, 0)]

    def reminders():
        mails = smtp.received()
        late = [m for m in mails if m["Subject"] == "CIM items have waited too long for a decision (3)"]
        student = [m for m in mails if m["Subject"] == "Your graduation is near: your CIM activities are not complete"]
        return late, student

    wait_until(lambda: len(reminders()[0]) >= len(COORDINATORS) and reminders()[1], message="the reminders")
    time.sleep(2)  # room for a second reminder, were one to come
    late, student = reminders()
    assert sorted(m["To"] for m in late) == [f"{s}@example.org" for s in COORDINATORS]
    assert all("target of 14 days" in body(m) and "Summer school 2" in body(m) for m in late)
    [reminder] = student
    assert reminder["To"] == "asa@example.org" and "You expect to graduate in January 2027" in body(reminder)
    assert rows(database_url, "SELECT count(*) FROM waiting_items WHERE reminded_at IS NOT NULL") == [(3,)]
    assert rows(database_url, "SELECT graduation_reminded_at IS NOT NULL FROM recipients") == [(True,)]
