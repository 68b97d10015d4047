"""Notifications with a real broker, database and SMTP server: events in, emails out, once."""

import email
import mailbox
import socket
import subprocess
import sys
import time
import uuid
from email.policy import default as email_policy

import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_waiter

from services.notifications.service import NotificationsService
from shared.errors import Forbidden
from shared.events import ACTIVITY_APPROVAL_WITHDRAWN, ACTIVITY_REJECTED, CERTIFICATE_REVOKED, STUDENT_REGISTERED
from shared.migrations import upgrade
from shared.settings import REPO_ROOT
from tests.builders import a_student_actor, an_admin
from tests.builders.notifications import a_decision, a_registration, a_revocation, a_withdrawn_approval
from tests.helpers import publish_event, rows, wait_until
from tests.service.conftest import call

ADMIN = an_admin(subject="ops-1").to_dict()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """aiosmtpd in its own process (asyncio and eventlet do not share a thread), into a Maildir."""

    def __init__(self, maildir):
        self.port = free_port()
        self.maildir = maildir
        self.process = None

    def start(self, refusing_first: int = 0):
        """Listen; with `refusing_first`, the first that many messages get a 451 (try later)."""
        handler = ["aiosmtpd.handlers.Mailbox", str(self.maildir)]
        if refusing_first:
            handler = ["tests.service.refusing_smtp.RefuseFirst", str(self.maildir), str(refusing_first)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}", "-c", *handler],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO_ROOT,
        )
        wait_until(self._answers, timeout=15, message="the SMTP server listening")

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.5):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def received(self) -> list[email.message.EmailMessage]:
        if not self.maildir.exists():
            return []
        box = mailbox.Maildir(self.maildir, create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email_policy) for key in box.keys()]


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path / "maildir")
    yield server
    server.stop()


@pytest.fixture
def start_notifications(start_service, smtp):
    def start(**overrides):
        return start_service(NotificationsService, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), **overrides)

    return start


def register(amqp_uri, student_id, language, **overrides):
    return publish_event(
        amqp_uri, STUDENT_REGISTERED, a_registration(student_id, language), producer="registration", **overrides
    )


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_registration_is_confirmed_by_email_in_the_students_language(
    smtp, start_notifications, service_config, database_url
):
    smtp.start()
    start_notifications()
    register(service_config["AMQP_URI"], "s-1", "sv")

    [mail] = wait_until(smtp.received, message="the confirmation email")
    assert mail["To"] == "asa@example.org"
    assert mail["Subject"] == "Din registrering till CIM är bekräftad"
    assert mail["Content-Language"] == "sv"
    assert body(mail).startswith("Hej Åsa Öberg!")
    assert "Masterprogram i biomedicin" in body(mail)
    status, sent_at = wait_until(
        lambda: rows(database_url, "SELECT status, sent_at FROM messages WHERE status = 'sent'")
    )[0]
    assert sent_at is not None
    assert rows(database_url, "SELECT outcome FROM delivery_log") == [("sent",)]


def test_the_same_event_delivered_twice_sends_one_email(smtp, start_notifications, service_config, database_url):
    smtp.start()
    container = start_notifications()
    calls = []
    event_id = str(uuid.uuid4())
    with entrypoint_waiter(
        container, "on_student_registered", callback=lambda *args: calls.append(args) or len(calls) == 2
    ):
        for _ in range(2):
            register(service_config["AMQP_URI"], "s-1", "en", event_id=event_id)

    wait_until(smtp.received, message="the confirmation email")
    time.sleep(1)  # room for a second email, were one to come
    assert len(smtp.received()) == 1
    assert rows(database_url, "SELECT count(*) FROM messages")[0][0] == 1


def test_a_decision_about_a_student_not_yet_known_is_retried_until_they_are(
    smtp, start_notifications, service_config, database_url
):
    smtp.start()
    container = start_notifications(CIM_RETRY_LIMIT="30")
    amqp = service_config["AMQP_URI"]
    decision = a_decision("s-2", comment="The certificate of attendance is missing.")
    with entrypoint_waiter(
        container, "on_activity_rejected", callback=lambda ctx, result, exc_info: exc_info is not None
    ):
        publish_event(amqp, ACTIVITY_REJECTED, decision, producer="approvals")
    assert rows(database_url, "SELECT count(*) FROM messages")[0][0] == 0

    register(amqp, "s-2", "en")

    mails = wait_until(
        lambda: len(smtp.received()) == 2 and smtp.received(), message="the confirmation and the decision emails"
    )
    [rejection] = [m for m in mails if m["Subject"] == "Your CIM activity was not approved"]
    assert "Reason: The certificate of attendance is missing." in body(rejection)
    assert rejection["To"] == "asa@example.org"


def test_a_message_waits_while_the_mail_server_is_down_and_is_sent_when_it_returns(
    smtp, start_notifications, service_config, database_url
):
    start_notifications()  # nothing listens on the SMTP port yet
    register(service_config["AMQP_URI"], "s-3", "en")

    [(status, attempts, last_error)] = wait_until(
        lambda: rows(database_url, "SELECT status, attempts, last_error FROM messages WHERE attempts > 0"),
        message="a failed delivery attempt",
    )
    assert status == "pending" and "unreachable" in last_error
    assert smtp.received() == []

    smtp.start()
    [mail] = wait_until(smtp.received, timeout=20, message="the email once the server is up")
    assert mail["Subject"] == "Your CIM registration is confirmed"
    [(status, last_error)] = wait_until(
        lambda: rows(database_url, "SELECT status, last_error FROM messages WHERE status = 'sent'")
    )
    assert last_error is None
    outcomes = [o for (o,) in rows(database_url, "SELECT outcome FROM delivery_log ORDER BY attempt")]
    assert outcomes[0] == "failed" and outcomes[-1] == "sent" and outcomes.count("sent") == 1


def test_operators_see_a_students_messages_and_nobody_else_does(smtp, start_notifications, service_config):
    smtp.start()
    container = start_notifications()
    register(service_config["AMQP_URI"], "s-4", "en")
    wait_until(smtp.received, message="the confirmation email")

    [message] = wait_until(
        lambda: [m for m in call(container, "list_messages", ADMIN, "s-4")["items"] if m["status"] == "sent"]
    )
    assert message["subject"] == "Your CIM registration is confirmed"
    assert message["to"] == "asa@example.org"
    assert message["created_at"] and message["sent_at"]
    assert set(message) == {"message_id", "subject", "to", "status", "created_at", "sent_at"}
    with pytest.raises(Forbidden):
        call(container, "list_messages", a_student_actor("s-4").to_dict(), "s-4")


def test_a_revoked_certificate_is_told_to_its_holder_with_the_reason(
    smtp, start_notifications, service_config, database_url
):
    smtp.start()
    start_notifications()
    amqp = service_config["AMQP_URI"]
    register(amqp, "s-9", "en")
    wait_until(smtp.received, message="the confirmation email")
    publish_event(
        amqp,
        CERTIFICATE_REVOKED,
        a_revocation("s-9", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", reason="An activity was found not to have taken place."),
        producer="certificates",
    )

    mails = wait_until(lambda: len(smtp.received()) == 2 and smtp.received(), message="the revocation email")
    [revoked] = [m for m in mails if m["Subject"] == "Your CIM certificate has been revoked"]
    assert revoked["To"] == "asa@example.org"
    assert "ABCDEFGHIJKLMNOPQRSTUVWXYZ" in body(revoked)
    assert "Reason: An activity was found not to have taken place." in body(revoked)


def test_a_withdrawn_approval_is_told_to_the_student_with_the_reason(smtp, start_notifications, service_config):
    smtp.start()
    start_notifications()
    amqp = service_config["AMQP_URI"]
    register(amqp, "s-10", "sv")
    wait_until(smtp.received, message="the confirmation email")
    publish_event(
        amqp,
        ACTIVITY_APPROVAL_WITHDRAWN,
        a_withdrawn_approval("s-10", reason="Utbytet blev inställt."),
        producer="approvals",
    )

    mails = wait_until(lambda: len(smtp.received()) == 2 and smtp.received(), message="the withdrawal email")
    [withdrawn] = [m for m in mails if m["Subject"] == "Godkännandet av din CIM-aktivitet har återkallats"]
    assert withdrawn["To"] == "asa@example.org"
    assert "Motivering: Utbytet blev inställt." in body(withdrawn)


def test_messages_stored_under_their_event_type_are_renamed_to_their_kind(tmp_path):
    """Migration 0002: before it a message's kind was its event's type."""
    url = f"sqlite:///{tmp_path}/notifications.db"
    upgrade("notifications", url, revision="0001")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO recipients (student_id, name, email, language, as_of) "
            "VALUES ('s-1', 'Åsa', 'asa@example.org', 'sv', '2026-03-05 10:00:00')"
        )
        for n, kind in enumerate(("student.registered.v1", "certificate.issued.v1")):
            conn.exec_driver_sql(
                "INSERT INTO messages (message_id, event_id, kind, student_id, to_address, "
                "subject, body, language, status, attempts, created_at) VALUES "
                f"('m-{n}', 'e-{n}', '{kind}', 's-1', 'asa@example.org', 'S', 'B', 'sv', "
                "'sent', 1, '2026-03-05 10:00:00')"
            )
    upgrade("notifications", url)
    with engine.connect() as conn:
        kinds = conn.exec_driver_sql("SELECT kind FROM messages ORDER BY message_id").all()
    engine.dispose()
    assert kinds == [("welcome",), ("certificate-issued",)]
