"""The SMTP adapter's configuration, checked when the service starts: a security it knows, and
credentials only over TLS. (Real SMTP conversations: tests/service/test_mail_security.py.)"""

import ssl

import pytest

from services.notifications.mail import SmtpMailer, mailer_from_settings, tls_context
from shared.settings import load_settings


def test_an_unknown_security_is_refused_at_start():
    with pytest.raises(ValueError, match="SMTP_SECURITY"):
        SmtpMailer("smtp.example.org", 587, "cim@example.org", security="ssl")


def test_a_login_without_tls_is_refused_at_start():
    with pytest.raises(ValueError, match="SMTP_USERNAME needs SMTP_SECURITY"):
        SmtpMailer("smtp.example.org", 25, "cim@example.org", username="cim", password="hunter2")


def test_the_server_certificate_and_its_name_are_checked_unless_development_says_not_to():
    checked = tls_context()
    assert checked.verify_mode == ssl.CERT_REQUIRED and checked.check_hostname
    unchecked = tls_context(verify=False)
    assert unchecked.verify_mode == ssl.CERT_NONE and not unchecked.check_hostname


def test_the_mailer_is_built_from_the_settings_without_showing_the_password():
    env = {"SMTP_HOST": "smtp.example.org", "SMTP_PORT": "465", "SMTP_SECURITY": "tls"}
    mailer = mailer_from_settings(
        load_settings("notifications", {}, {**env, "SMTP_USERNAME": "cim", "SMTP_PASSWORD": "pa55-word-x2"})
    )
    assert (mailer.host, mailer.port, mailer.security, mailer.username) == ("smtp.example.org", 465, "tls", "cim")
    assert "pa55-word-x2" not in repr(mailer)
