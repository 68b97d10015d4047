"""The SMTP adapter: turns a domain Message into an email and hands it to the mail server.

smtplib's sockets are made green by eventlet's monkey-patching, so a slow server blocks only
the worker that is sending. Every message carries a Message-ID derived from its id, so a
message sent again (the server took it but we could not record that) can be recognised.

The connection is as configured (docs/operations.md, "Mail"): plain, STARTTLS or implicit TLS,
the server's certificate checked, and a login when a username is given. Credentials go only
over TLS, and the password is never part of a log line or an error.
"""

from __future__ import annotations

import smtplib
import ssl
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from nameko.extensions import DependencyProvider

from services.notifications.domain.delivery import DeliveryFailed
from services.notifications.domain.messages import Message
from services.notifications.templating import MessageTemplates
from shared.db import utcnow
from shared.settings import load_settings

SECURITY = ("none", "starttls", "tls")


def tls_context(*, ca_file: str = "", verify: bool = True) -> ssl.SSLContext:
    """How the mail server's certificate is checked: against the system's CAs or `ca_file`'s,
    with its host name; `verify=False` (development only) checks nothing."""
    context = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        mail_from: str,
        timeout: float = 10,
        *,
        security: str = "none",
        username: str = "",
        password: str = "",
        tls: ssl.SSLContext | None = None,
        templates: MessageTemplates | None = None,
    ):
        if security not in SECURITY:
            raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SECURITY)}, got {security!r}")
        if username and security == "none":
            raise ValueError("SMTP_USERNAME needs SMTP_SECURITY starttls or tls: the password never goes in clear")
        self.host, self.port, self.mail_from, self.timeout = host, port, mail_from, timeout
        self.security, self.username, self._password = security, username, password
        self.tls = tls if tls is not None else tls_context()
        self.templates = templates or MessageTemplates()
        self.domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"

    def __repr__(self):  # no password in a traceback's locals or a debug print
        return f"SmtpMailer({self.host}:{self.port}, security={self.security}, username={self.username!r})"

    def email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.mail_from
        email["To"] = Address(addr_spec=message.to_address)
        email["Subject"] = message.subject
        email["Date"] = format_datetime(utcnow())
        email["Message-ID"] = f"<{message.message_id}@{self.domain}>"
        email["Auto-Submitted"] = "auto-generated"  # out-of-office replies should not answer
        email.set_content(message.body)  # text/plain; charset utf-8
        email.add_alternative(self.templates.html(message.body, message.language, message.subject), subtype="html")
        email["Content-Language"] = message.language  # after set_content, which clears Content-*
        return email

    def connect(self) -> smtplib.SMTP:
        """A session with the server, secured and logged in as configured."""
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=self.tls)  # refuses to go on when the server does not offer it
            if self.username:
                smtp.login(self.username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Message) -> None:
        """Deliver one message, or raise DeliveryFailed saying whether trying again may help."""
        try:
            email = self.email(message)
        except (ValueError, MessageError) as exc:  # an address no server would take
            raise DeliveryFailed(f"cannot address the message: {exc}", permanent=True) from None
        try:
            with self.connect() as smtp:
                smtp.send_message(email)
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not this message: every message would fail alike until they are
            # put right, so the pass ends and this one is tried again later (never refused for good).
            raise DeliveryFailed(
                f"mail server {self.host}:{self.port} refused the login of {self.username!r}: "
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                unreachable=True,
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryFailed(
                f"recipient refused: {exc.recipients}", permanent=all(code >= 500 for code in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500) from None
        except OSError as exc:  # refused, reset, timed out, no STARTTLS, a certificate not trusted: away
            raise DeliveryFailed(
                f"mail server {self.host}:{self.port} unreachable ({self.security}): {type(exc).__name__}: {exc}",
                unreachable=True,
            ) from None


def mailer_from_settings(settings) -> SmtpMailer:
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.mail_from,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        tls=tls_context(ca_file=settings.smtp_ca_file, verify=settings.smtp_tls_verify),
    )


class Mailer(DependencyProvider):
    """The mail server, configured from settings when the container starts."""

    def setup(self):
        self.mailer = mailer_from_settings(load_settings(self.container.service_name, self.container.config))

    def get_dependency(self, worker_ctx):
        return self.mailer
