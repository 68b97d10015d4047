"""A real SMTP server that wants TLS and a login, for the mailer's tests, run as its own process
(asyncio and eventlet do not share a thread):

    python -m tests.service.secure_smtp MODE PORT CERT KEY MAILDIR USERNAME PASSWORD

MODE `starttls`: plain at first, STARTTLS required before anything else; `tls`: TLS from the
first byte (SMTPS); `plain`: no TLS offered at all (a server a misconfigured mailer meets).
AUTH (PLAIN, LOGIN) with USERNAME/PASSWORD is required before a message is taken, and only over
TLS; each message is filed in MAILDIR. Every login attempt is appended to MAILDIR/../logins as
"ok <user>" or "refused <user>" (never the password), so a test can see what was tried.
"""

from __future__ import annotations

import mailbox
import ssl
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Filing:
    def __init__(self, maildir: str):
        self.box = mailbox.Maildir(maildir, create=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.box.add(envelope.original_content)
        return "250 OK"


def authenticator(username: str, password: str, logins: Path):
    def check(server, session, envelope, mechanism, auth_data):
        given = auth_data if isinstance(auth_data, LoginPassword) else None
        ok = given is not None and (given.login, given.password) == (username.encode(), password.encode())
        with logins.open("a") as out:
            out.write(f"{'ok' if ok else 'refused'} {given.login.decode() if given else '?'}\n")
        return AuthResult(success=ok, handled=False)

    return check


def main(mode: str, port: int, cert: str, key: str, maildir: str, username: str, password: str):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    common = {
        "hostname": "127.0.0.1",
        "port": port,
        "authenticator": authenticator(username, password, Path(maildir).parent / "logins"),
        "auth_required": True,
    }
    if mode == "starttls":
        controller = Controller(Filing(maildir), tls_context=context, require_starttls=True, **common)
    elif mode == "tls":
        # the whole session is TLS; aiosmtpd's own check looks only for STARTTLS
        controller = Controller(Filing(maildir), ssl_context=context, auth_require_tls=False, **common)
    elif mode == "plain":
        controller = Controller(Filing(maildir), **common)
    else:
        raise SystemExit(f"unknown mode {mode}")
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), *sys.argv[3:8])
