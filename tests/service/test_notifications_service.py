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
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.notifications.service import NotificationsService
from shared.db import utcnow
from shared.errors import Forbidden
from tests.helpers import migrate, publish_event, rows, wait_until

PROGRAMME = {"code": "MBIOM", "name_en": "Master's programme in Biomedicine",
             "name_sv": "Masterprogram i biomedicin"}
ADMIN = {"issuer": "cim-dev", "subject": "ops-1", "role": "admin"}


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

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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

    def received(self) -> list[email.message.EmailMessage]:
        if not self.maildir.exists():
            return []
        box = mailbox.Maildir(self.maildir, create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email_policy)
                for key in box.keys()]


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path / "maildir")
    yield server
    server.stop()


@pytest.fixture
def start_notifications(container_factory, service_config, database_url, smtp):
    migrate("notifications", database_url)

    def start(**overrides):
        config = {**service_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
                  **overrides}
        container = container_factory(NotificationsService, config)
        container.start()
        return container
    return start


def registered(student_id, language="sv", email_address="asa@example.org"):
    return {"student_id": student_id, "name": "Åsa Öberg", "email": email_address,
            "programme": PROGRAMME, "expected_graduation": "2027-06", "language": language,
            "registered_at": utcnow()}


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_registration_is_confirmed_by_email_in_the_students_language(
        smtp, start_notifications, service_config, database_url):
    smtp.start()
    start_notifications()
    publish_event(service_config["AMQP_URI"], "student.registered.v1", registered("s-1", "sv"),
                  producer="registration")

    [mail] = wait_until(smtp.received, message="the confirmation email")
    assert mail["To"] == "asa@example.org"
    assert mail["Subject"] == "Din registrering till CIM är bekräftad"
    assert mail["Content-Language"] == "sv"
    assert body(mail).startswith("Hej Åsa Öberg!")
    assert "Masterprogram i biomedicin" in body(mail)
    status, sent_at = wait_until(lambda: rows(
        database_url, "SELECT status, sent_at FROM messages WHERE status = 'sent'"))[0]
    assert sent_at is not None
    assert rows(database_url, "SELECT outcome FROM delivery_log") == [("sent",)]


def test_the_same_event_delivered_twice_sends_one_email(smtp, start_notifications,
                                                        service_config, database_url):
    smtp.start()
    container = start_notifications()
    calls = []
    event_id = str(uuid.uuid4())
    with entrypoint_waiter(container, "on_student_registered",
                           callback=lambda *args: calls.append(args) or len(calls) == 2):
        for _ in range(2):
            publish_event(service_config["AMQP_URI"], "student.registered.v1",
                          registered("s-1", "en"), producer="registration", event_id=event_id)

    wait_until(smtp.received, message="the confirmation email")
    time.sleep(1)  # room for a second email, were one to come
    assert len(smtp.received()) == 1
    assert rows(database_url, "SELECT count(*) FROM messages")[0][0] == 1


def test_a_decision_about_a_student_not_yet_known_is_retried_until_they_are(
        smtp, start_notifications, service_config, database_url):
    smtp.start()
    container = start_notifications(CIM_RETRY_LIMIT="30")
    amqp = service_config["AMQP_URI"]
    decision = {"activity_id": "a-1", "student_id": "s-2", "version": 1, "decided_by": "c-1",
                "decided_at": utcnow(), "comment": "The certificate of attendance is missing."}
    with entrypoint_waiter(container, "on_activity_rejected",
                           callback=lambda ctx, result, exc_info: exc_info is not None):
        publish_event(amqp, "activity.rejected.v1", decision, producer="approvals")
    assert rows(database_url, "SELECT count(*) FROM messages")[0][0] == 0

    publish_event(amqp, "student.registered.v1", registered("s-2", "en"), producer="registration")

    mails = wait_until(lambda: len(smtp.received()) == 2 and smtp.received(),
                       message="the confirmation and the decision emails")
    [rejection] = [m for m in mails if m["Subject"] == "Your CIM activity was not approved"]
    assert "Reason: The certificate of attendance is missing." in body(rejection)
    assert rejection["To"] == "asa@example.org"


def test_a_message_waits_while_the_mail_server_is_down_and_is_sent_when_it_returns(
        smtp, start_notifications, service_config, database_url):
    start_notifications()  # nothing listens on the SMTP port yet
    publish_event(service_config["AMQP_URI"], "student.registered.v1", registered("s-3", "en"),
                  producer="registration")

    [(status, attempts, last_error)] = wait_until(lambda: rows(
        database_url, "SELECT status, attempts, last_error FROM messages WHERE attempts > 0"),
        message="a failed delivery attempt")
    assert status == "pending" and "unreachable" in last_error
    assert smtp.received() == []

    smtp.start()
    [mail] = wait_until(smtp.received, timeout=20, message="the email once the server is up")
    assert mail["Subject"] == "Your CIM registration is confirmed"
    [(status, last_error)] = wait_until(lambda: rows(
        database_url, "SELECT status, last_error FROM messages WHERE status = 'sent'"))
    assert last_error is None
    outcomes = [o for (o,) in rows(database_url,
                                   "SELECT outcome FROM delivery_log ORDER BY attempt")]
    assert outcomes[0] == "failed" and outcomes[-1] == "sent" and outcomes.count("sent") == 1


def test_operators_see_a_students_messages_and_nobody_else_does(smtp, start_notifications,
                                                                  service_config):
    smtp.start()
    container = start_notifications()
    publish_event(service_config["AMQP_URI"], "student.registered.v1", registered("s-4", "en"),
                  producer="registration")
    wait_until(smtp.received, message="the confirmation email")

    with entrypoint_hook(container, "list_messages") as list_messages:
        [message] = wait_until(lambda: [m for m in list_messages(ADMIN, "s-4")
                                        if m["status"] == "sent"])
        assert message["subject"] == "Your CIM registration is confirmed"
        assert message["to"] == "asa@example.org"
        assert message["created_at"] and message["sent_at"]
        assert set(message) == {"message_id", "subject", "to", "status", "created_at", "sent_at"}
        with pytest.raises(Forbidden):
            list_messages({"issuer": "cim-dev", "subject": "s", "role": "student",
                           "student_id": "s-4"}, "s-4")


def test_a_revoked_certificate_is_told_to_its_holder_with_the_reason(
        smtp, start_notifications, service_config, database_url):
    smtp.start()
    start_notifications()
    amqp = service_config["AMQP_URI"]
    publish_event(amqp, "student.registered.v1", registered("s-9", "en"), producer="registration")
    wait_until(smtp.received, message="the confirmation email")
    publish_event(amqp, "certificate.revoked.v1", {
        "certificate_id": "c-1", "code": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "student_id": "s-9",
        "reason": "An activity was found not to have taken place.", "revoked_at": utcnow()},
        producer="certificates")

    mails = wait_until(lambda: len(smtp.received()) == 2 and smtp.received(),
                       message="the revocation email")
    [revoked] = [m for m in mails if m["Subject"] == "Your CIM certificate has been revoked"]
    assert revoked["To"] == "asa@example.org"
    assert "ABCDEFGHIJKLMNOPQRSTUVWXYZ" in body(revoked)
    assert "Reason: An activity was found not to have taken place." in body(revoked)


def test_a_withdrawn_approval_is_told_to_the_student_with_the_reason(
        smtp, start_notifications, service_config):
    smtp.start()
    start_notifications()
    amqp = service_config["AMQP_URI"]
    publish_event(amqp, "student.registered.v1", registered("s-10", "sv"), producer="registration")
    wait_until(smtp.received, message="the confirmation email")
    publish_event(amqp, "activity.approval_withdrawn.v1", {
        "activity_id": "a-1", "student_id": "s-10", "version": 1, "withdrawn_by": "c-1",
        "withdrawn_at": utcnow(), "reason": "Utbytet blev inställt.",
        "activity_requirement_met": False, "was_eligible": False}, producer="approvals")

    mails = wait_until(lambda: len(smtp.received()) == 2 and smtp.received(),
                       message="the withdrawal email")
    [withdrawn] = [m for m in mails
                   if m["Subject"] == "Godkännandet av din CIM-aktivitet har återkallats"]
    assert withdrawn["To"] == "asa@example.org"
    assert "Motivering: Utbytet blev inställt." in body(withdrawn)
