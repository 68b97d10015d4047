"""A ceremony's news through notifications with a real broker, database and SMTP server: each
student told once, in their language, though every event comes twice and the server refuses
the first attempts."""

import uuid
from collections import Counter

from services.notifications.domain.kinds import BOOKING_CANCELLED, CEREMONY_CHANGED
from shared.db import utcnow
from shared.events import BOOKING_CANCELLED as BOOKING_CANCELLED_EVENT
from shared.events import BOOKING_CHANGED, STUDENT_REGISTERED
from tests.builders.notifications import a_ceremony, a_registration
from tests.helpers import publish_event, rows, wait_until
from tests.service.test_notifications_service import (  # noqa: F401  (fixtures)
    smtp,
    start_notifications,
)

STUDENTS = [(f"s-{n:02d}", "sv" if n % 2 else "en") for n in range(30)]
SUBJECTS = {
    ("changed", "en"): "CIM Ceremony Spring 2027 has changed",
    ("changed", "sv"): "CIM Ceremony Spring 2027 har ändrats",
    ("cancelled", "en"): "CIM Ceremony Spring 2027 is cancelled",
    ("cancelled", "sv"): "CIM Ceremony Spring 2027 är inställd",
}


def _publish_twice(amqp_uri, event_type, data):
    event_id = str(uuid.uuid4())
    for _ in range(2):
        publish_event(amqp_uri, event_type, data, producer="ceremony", event_id=event_id)


def test_a_change_and_a_cancellation_reach_thirty_students_once_each_in_their_language(
    smtp, start_notifications, service_config, database_url
):
    amqp = service_config["AMQP_URI"]
    smtp.start()
    start_notifications()
    for student_id, language in STUDENTS:
        publish_event(
            amqp,
            STUDENT_REGISTERED,
            a_registration(student_id, language, email=f"{student_id}@example.org"),
            producer="registration",
        )
    wait_until(lambda: len(smtp.received()) == 30, timeout=60, message="thirty welcome emails")
    smtp.stop()
    smtp.start(refusing_first=12)  # a busy relay: the first dozen get "451 try again later"

    ceremony = a_ceremony(location="Aula Medica, Solna")
    for n, (student_id, _) in enumerate(STUDENTS):
        booking = {"booking_id": f"b-{n}", "ceremony": ceremony, "student_id": student_id}
        _publish_twice(amqp, BOOKING_CHANGED, {**booking, "changes": ["location"], "changed_at": utcnow()})
        _publish_twice(
            amqp,
            BOOKING_CANCELLED_EVENT,
            {
                **booking,
                "was": "booked",
                "cause": "ceremony_cancelled",
                "reason": "The hall is closed.",
                "cancelled_at": utcnow(),
            },
        )

    def ceremony_mails():
        mails = [m for m in smtp.received() if "Ceremony" in m["Subject"]]
        return mails if len(mails) >= 60 else None

    mails = wait_until(ceremony_mails, timeout=120, message="sixty ceremony emails")
    language = dict(STUDENTS)
    seen = Counter()
    for mail in mails:
        student_id = mail["To"].split("@")[0]
        what = "changed" if "ändrats" in mail["Subject"] or "changed" in mail["Subject"] else "cancelled"
        assert mail["Subject"] == SUBJECTS[(what, language[student_id])], mail["Subject"]
        seen[(student_id, what)] += 1
        html = mail.get_body(("html",)).get_content()
        assert "CIM Ceremony Spring 2027" in html and f'lang="{language[student_id]}"' in html
    assert set(seen.values()) == {1} and len(seen) == 60  # each student, each news, once
    assert rows(
        database_url,
        "SELECT kind, count(*) FROM messages WHERE kind IN (:a, :b) GROUP BY kind ORDER BY kind",
        a=BOOKING_CANCELLED,
        b=CEREMONY_CHANGED,
    ) == [(BOOKING_CANCELLED, 30), (CEREMONY_CHANGED, 30)]
    refused = rows(database_url, "SELECT count(*) FROM delivery_log WHERE outcome = 'failed'")
    assert refused[0][0] >= 12  # every refusal is in the delivery log, then the retry that sent it
