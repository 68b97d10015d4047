"""An aiosmtpd handler that refuses the first N messages with a temporary error (451), then
files the rest in a Maildir: `python -m aiosmtpd -c tests.service.refusing_smtp.RefuseFirst
MAILDIR N`. A real SMTP server, misbehaving the way a busy relay does."""

from aiosmtpd.handlers import Mailbox


class RefuseFirst(Mailbox):
    def __init__(self, mail_dir, refusals: int):
        super().__init__(mail_dir)
        self.refusals_left = refusals

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 2:
            parser.error("give the maildir and how many messages to refuse")
        return cls(args[0], int(args[1]))

    async def handle_DATA(self, server, session, envelope):
        if self.refusals_left > 0:
            self.refusals_left -= 1
            return "451 4.3.2 busy, try again later"
        return await super().handle_DATA(server, session, envelope)
