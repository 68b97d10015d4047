"""Retention in notifications, on a real database: old bodies of messages that left are emptied."""

import logging
from datetime import timedelta

import sqlalchemy as sa

from services.notifications.service import NotificationsService
from shared.db import utcnow
from tests.helpers import rows
from tests.service.conftest import call


def _message(conn, message_id, status, age_days):
    created = utcnow() - timedelta(days=age_days)
    conn.execute(
        sa.text(
            "INSERT INTO messages (message_id, event_id, kind, student_id, to_address, subject, body,"
            " language, status, attempts, created_at) VALUES (:m, :m, 'welcome', 'stu-1',"
            " 'p@example.org', 's', 'Dear Person, a body', 'en', :st, 1, :c)"
        ),
        {"m": message_id, "st": status, "c": created},
    )


def test_the_timer_empties_old_bodies_of_messages_that_left_and_says_how_many(start_service, database_url, caplog):
    container = start_service(NotificationsService, CIM_MESSAGE_BODY_DAYS="30")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO recipients (student_id, name, email, language, as_of)"
                " VALUES ('stu-1', 'Person', 'p@example.org', 'en', :now)"
            ),
            {"now": utcnow()},
        )
        _message(conn, "old-sent", "sent", 31)
        _message(conn, "old-failed", "failed", 40)
        _message(conn, "old-pending", "pending", 31)  # still to be sent: its body is needed
        _message(conn, "new-sent", "sent", 29)
    engine.dispose()
    with caplog.at_level(logging.INFO):
        call(container, "expire_message_bodies")
    bodies = dict(rows(database_url, "SELECT message_id, body FROM messages"))
    assert bodies == {
        "old-sent": "",
        "old-failed": "",
        "old-pending": "Dear Person, a body",
        "new-sent": "Dear Person, a body",
    }
    assert "emptied the bodies of 2 message(s) older than 30 days" in caplog.text
