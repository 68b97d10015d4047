"""The mailer against a real SMTP server that wants TLS and a login: STARTTLS and implicit TLS,
the server's certificate checked, AUTH with the configured credentials, a wrong password a
delivery failure in the delivery log (tried again later, never logged with the password)."""

import datetime
import email
import ipaddress
import logging
import mailbox
import socket
import subprocess
import sys
from email.policy import default as email_policy

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.notifications import handlers
from services.notifications.domain.delivery import PENDING, SENT, DeliveryFailed
from services.notifications.mail import SmtpMailer, mailer_from_settings, tls_context
from services.notifications.service import NotificationsService
from shared.events import STUDENT_REGISTERED
from shared.settings import REPO_ROOT, load_settings
from tests.builders.notifications import a_composer, a_registration
from tests.fakes import FakeUnitOfWork
from tests.helpers import publish_event, wait_until
from tests.service.test_notifications_service import free_port
from tests.unit.fakes.notifications import FakeNotificationsRepository

USERNAME, PASSWORD = "cim-mailer", "s3cret-Pa55word"
FROM = "CIM <cim-noreply@example.org>"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost, made for this test run."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cim test mail server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class SecureSmtpServer:
    """tests/service/secure_smtp.py in its own process, filing into a Maildir."""

    def __init__(self, folder, certificate):
        self.folder, self.certificate = folder, certificate
        self.maildir = folder / "maildir"
        self.port = free_port()
        self.process = None

    def start(self, mode: str):
        cert, key = self.certificate
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.service.secure_smtp", mode, str(self.port), str(cert), str(key)]
            + [str(self.maildir), USERNAME, PASSWORD],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO_ROOT,
        )
        wait_until(self._answers, timeout=15, message="the SMTP server listening")
        return self

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

    def received(self):
        box = mailbox.Maildir(self.maildir, create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email_policy) for key in box.keys()]

    def logins(self) -> list[str]:
        path = self.folder / "logins"
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def server(tmp_path, certificate):
    smtp = SecureSmtpServer(tmp_path, certificate)
    yield smtp
    smtp.stop()


def mailer(server, security, *, password=PASSWORD, ca_file=None, **overrides):
    ca = str(server.certificate[0]) if ca_file is None else ca_file
    options = {"security": security, "username": USERNAME, "password": password, "tls": tls_context(ca_file=ca)}
    return SmtpMailer("127.0.0.1", server.port, FROM, timeout=5, **{**options, **overrides})


def a_pending_message():
    """A welcome written by the use case, as the service writes it, not yet sent."""
    uow = FakeUnitOfWork(FakeNotificationsRepository(), producer="notifications")
    with uow:
        message_id = handlers.welcome(
            uow,
            a_registration("s-1", "en"),
            event_id="e-0",
            kind=handlers.MESSAGE_KINDS[STUDENT_REGISTERED],
            composer=a_composer(),
        )
    return uow, uow.repo.messages[message_id]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_message_goes_over_tls_with_a_login(server, security):
    server.start(security)
    _, message = a_pending_message()
    mailer(server, security).send(message)
    [mail] = wait_until(server.received, message="the email")
    assert mail["Subject"] == "Your CIM registration is confirmed"
    assert mail.get_body(("html",)).get_content().startswith("<!doctype html>")
    assert server.logins() == [f"ok {USERNAME}"]


def test_the_security_and_the_credentials_come_from_the_settings(server, tmp_path):
    server.start("tls")
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(server.port),
        "SMTP_SECURITY": "tls",
        "SMTP_CA_FILE": str(server.certificate[0]),
        "SMTP_USERNAME": USERNAME,
        "SMTP_PASSWORD": PASSWORD,
    }
    settings = load_settings("notifications", {}, env)
    assert PASSWORD not in repr(settings)
    _, message = a_pending_message()
    mailer_from_settings(settings).send(message)
    assert len(wait_until(server.received, message="the email")) == 1


def test_a_server_certificate_that_is_not_trusted_is_not_talked_to(server):
    server.start("tls")
    _, message = a_pending_message()
    with pytest.raises(DeliveryFailed) as failed:
        mailer(server, "tls", ca_file="").send(message)  # the system's CAs do not know it
    assert failed.value.unreachable and not failed.value.permanent
    assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)
    assert server.logins() == [] and server.received() == []


def test_a_mailer_told_to_use_starttls_does_not_send_in_clear_when_the_server_does_not_offer_it(server):
    server.start("plain")
    _, message = a_pending_message()
    with pytest.raises(DeliveryFailed) as failed:
        mailer(server, "starttls").send(message)
    assert failed.value.unreachable and "STARTTLS" in str(failed.value)
    assert server.logins() == [] and server.received() == []


def test_a_wrong_password_is_a_failed_attempt_in_the_delivery_log_tried_again_later(server, caplog):
    server.start("starttls")
    uow, message = a_pending_message()
    wrong = mailer(server, "starttls", password="not-the-password")
    with caplog.at_level(logging.DEBUG):
        sent = handlers.deliver_due(lambda: uow, wrong.send)
    assert sent == 0 and server.received() == []
    assert set(server.logins()) == {f"refused {USERNAME}"}  # smtplib tries PLAIN, then LOGIN
    [attempt] = uow.repo.delivery_log
    assert attempt.outcome == "failed" and "refused the login" in attempt.error and "535" in attempt.error
    assert (message.status, message.attempts) == (PENDING, 1) and message.next_attempt_at is not None
    assert "not-the-password" not in caplog.text + attempt.error + repr(wrong)
    assert "refused the login" in caplog.text

    right = mailer(server, "starttls")  # the credentials put right: the next try sends it
    message.next_attempt_at = message.created_at
    assert handlers.deliver_due(lambda: uow, right.send) == 1
    assert message.status == SENT and [a.outcome for a in uow.repo.delivery_log] == ["failed", "sent"]


def test_the_service_sends_over_starttls_with_a_login_as_configured(server, start_service, service_config):
    server.start("starttls")
    start_service(
        NotificationsService,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(server.port),
        SMTP_SECURITY="starttls",
        SMTP_CA_FILE=str(server.certificate[0]),
        SMTP_USERNAME=USERNAME,
        SMTP_PASSWORD=PASSWORD,
        CIM_WEB_URL="https://students.example.org",
    )
    publish_event(service_config["AMQP_URI"], STUDENT_REGISTERED, a_registration("s-1", "sv"), producer="registration")
    [mail] = wait_until(server.received, message="the confirmation email")
    assert mail["Subject"] == "Din registrering till CIM är bekräftad"
    assert "https://students.example.org/me/activities" in mail.get_body(("plain",)).get_content()
    assert server.logins() == [f"ok {USERNAME}"]
