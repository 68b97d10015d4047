"""The SMTP adapter: turns a domain Message into an email and hands it to the mail server.

smtplib's sockets are made green by eventlet's monkey-patching, so a slow server blocks only
the worker that is sending. Every message carries a Message-ID derived from its id, so a
message sent again (the server took it but we could not record that) can be recognised.
"""

from __future__ import annotations

import smtplib
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from nameko.extensions import DependencyProvider

from services.notifications.domain.delivery import DeliveryFailed
from services.notifications.domain.messages import Message, html_body
from shared.db import utcnow
from shared.settings import load_settings


class SmtpMailer:
    def __init__(self, host: str, port: int, mail_from: str, timeout: float = 10):
        self.host, self.port, self.mail_from, self.timeout = host, port, mail_from, timeout
        self.domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"

    def email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.mail_from
        email["To"] = Address(addr_spec=message.to_address)
        email["Subject"] = message.subject
        email["Date"] = format_datetime(utcnow())
        email["Message-ID"] = f"<{message.message_id}@{self.domain}>"
        email["Auto-Submitted"] = "auto-generated"  # out-of-office replies should not answer
        email.set_content(message.body)  # text/plain; charset utf-8
        email.add_alternative(html_body(message.body, message.language), subtype="html")
        email["Content-Language"] = message.language  # after set_content, which clears Content-*
        return email

    def send(self, message: Message) -> None:
        """Deliver one message, or raise DeliveryFailed saying whether trying again may help."""
        try:
            email = self.email(message)
        except (ValueError, MessageError) as exc:  # an address no server would take
            raise DeliveryFailed(f"cannot address the message: {exc}", permanent=True) from None
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryFailed(
                f"recipient refused: {exc.recipients}", permanent=all(code >= 500 for code in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500) from None
        except OSError as exc:  # refused, reset, timed out, disconnected: the server is away
            raise DeliveryFailed(
                f"mail server {self.host}:{self.port} unreachable: {type(exc).__name__}: {exc}", unreachable=True
            ) from None


class Mailer(DependencyProvider):
    """The mail server, configured from settings when the container starts."""

    def setup(self):
        settings = load_settings(self.container.service_name, self.container.config)
        self.mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)

    def get_dependency(self, worker_ctx):
        return self.mailer
