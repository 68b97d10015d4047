"""A mail server that fails the way real ones do, run as its own process by the fault suite:
it answers 451 to the first attempts, drops the connection once in the middle of a message
(after the data, before its reply: the sender cannot know whether it was taken, and it was
not), then files every message in a Maildir like the platform's sink.

    python -m tests.faults.flaky_smtp PORT MAILDIR REFUSALS
"""

from __future__ import annotations

import mailbox
import sys
import time

from aiosmtpd.controller import Controller


class FlakyHandler:
    def __init__(self, maildir: str, refusals: int):
        self.box = mailbox.Maildir(maildir, create=True)
        self.refusals = refusals
        self.dropped = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 try again later"
        if not self.dropped:
            self.dropped = True
            server.transport.close()  # gone mid-message: no reply, nothing stored
            return "451 4.3.0 (never sent)"
        self.box.add(envelope.original_content)
        return "250 OK"


def main(port: int, maildir: str, refusals: int):
    controller = Controller(FlakyHandler(maildir, refusals), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:  # platform.stop sends SIGINT to "smtp"
        controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
