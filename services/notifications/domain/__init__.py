"""Notifications' domain: whom we write to, what we say in which language, and delivery rules."""
from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PENDING = "pending"
SENT = "sent"
FAILED = "failed"

DEFAULT_LANGUAGE = "en"
CAMPUS_TIME = ZoneInfo("Europe/Stockholm")  # ceremonies happen on campus: say their local time

# A message is tried this many times in all; the waits between tries double up to a ceiling,
# so an SMTP relay may be away for about a quarter of an hour before a message is given up.
MAX_ATTEMPTS = 10
FIRST_RETRY_DELAY = timedelta(seconds=2)
LONGEST_RETRY_DELAY = timedelta(minutes=5)


class NoTemplate(LookupError):
    """There is no message for this kind of event: a programming error, not a retryable one."""


class UnknownRecipient(Exception):
    """The event concerns a student we have not heard of yet (events may arrive out of order).

    Raised from an event handler so that the event is retried later, not dropped.
    """


class DeliveryFailed(Exception):
    """The mail server did not take a message.

    `permanent`: the server refused it for good (5xx); trying again cannot help.
    `unreachable`: no server answered; the other messages waiting would fail the same way.
    """

    def __init__(self, reason: str, *, permanent: bool = False, unreachable: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        self.unreachable = unreachable


@dataclass(eq=False)
class Recipient:
    """Whom to write to, copied from the registration events (personal data)."""
    student_id: str
    name: str
    email: str
    language: str
    as_of: datetime  # when registration last changed these details

    def update(self, *, name: str, email: str, language: str, as_of: datetime) -> bool:
        """Take newer details; an older event arriving late does not overwrite newer ones."""
        if as_of < self.as_of:
            return False
        self.name, self.email, self.language, self.as_of = name, email, language, as_of
        return True


@dataclass(eq=False)
class Message:
    """One outgoing email, written when its event is handled and sent afterwards."""
    message_id: str
    event_id: str  # the event that caused it: one message per event and kind
    kind: str
    student_id: str
    to_address: str
    subject: str
    body: str
    language: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None

    def delivered(self, now: datetime):
        self.status, self.sent_at, self.next_attempt_at = SENT, now, None
        self.attempts += 1
        self.last_error = None

    def delivery_failed(self, error: str, now: datetime, *, permanent: bool = False):
        """Count the try; wait longer before the next one, or give up after the last."""
        self.attempts += 1
        self.last_error = error
        if permanent or self.attempts >= MAX_ATTEMPTS:
            self.status, self.next_attempt_at = FAILED, None
        else:
            self.next_attempt_at = now + retry_delay(self.attempts)


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), LONGEST_RETRY_DELAY)


@dataclass(eq=False)
class DeliveryAttempt:
    """One line of the delivery log: a try to hand a message to the mail server, and its outcome."""
    attempt_id: str
    message_id: str
    attempt: int
    attempted_at: datetime
    outcome: str  # sent | failed
    error: str | None


def log_attempt(message: Message, now: datetime) -> DeliveryAttempt:
    """The log line of the try just recorded on `message`."""
    return DeliveryAttempt(attempt_id=str(uuid.uuid4()), message_id=message.message_id,
                           attempt=message.attempts, attempted_at=now,
                           outcome=SENT if message.status == SENT else FAILED,
                           error=message.last_error)


# --- what we write ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """A subject and the paragraphs between greeting and signature.

    A paragraph naming `{reason}` appears only when the event carries a reason (a comment).
    """
    subject: str
    paragraphs: tuple[str, ...]


GREETING = {"en": "Dear {name},", "sv": "Hej {name}!"}
SIGNATURE = {"en": "Kind regards,\nThe CIM team", "sv": "Med vänliga hälsningar\nCIM-teamet"}

TEMPLATES: dict[str, dict[str, Template]] = {
    "student.registered.v1": {
        "en": Template("Your CIM registration is confirmed", (
            "You are now registered for the Certificate of International Merits (CIM) in "
            "{programme}.",
            "Log your international activities as you do them; your coordinator will review "
            "each one.",
        )),
        "sv": Template("Din registrering till CIM är bekräftad", (
            "Du är nu registrerad för Certificate of International Merits (CIM) inom {programme}.",
            "Logga dina internationella aktiviteter när du gör dem; din koordinator granskar "
            "var och en.",
        )),
    },
    "activity.approved.v1": {
        "en": Template("Your CIM activity was approved", (
            "Your coordinator has approved one of your CIM activities.",
            "Comment: {reason}",
        )),
        "sv": Template("Din CIM-aktivitet har godkänts", (
            "Din koordinator har godkänt en av dina CIM-aktiviteter.",
            "Kommentar: {reason}",
        )),
    },
    "activity.rejected.v1": {
        "en": Template("Your CIM activity was not approved", (
            "Your coordinator has rejected one of your CIM activities; it does not count "
            "towards the certificate.",
            "Reason: {reason}",
        )),
        "sv": Template("Din CIM-aktivitet har inte godkänts", (
            "Din koordinator har avslagit en av dina CIM-aktiviteter; den räknas inte "
            "till certifikatet.",
            "Motivering: {reason}",
        )),
    },
    "activity.changes_requested.v1": {
        "en": Template("Changes are needed to your CIM activity", (
            "Your coordinator asks you to change one of your CIM activities and submit it again.",
            "Reason: {reason}",
        )),
        "sv": Template("Din CIM-aktivitet behöver ändras", (
            "Din koordinator ber dig ändra en av dina CIM-aktiviteter och skicka in den igen.",
            "Motivering: {reason}",
        )),
    },
    "activity.approval_withdrawn.v1": {
        "en": Template("The approval of your CIM activity was withdrawn", (
            "Your coordinator has withdrawn the approval of one of your CIM activities; it no "
            "longer counts towards the certificate. You may correct it and submit it again.",
            "Reason: {reason}",
            "Your progress page shows what is still missing.",
        )),
        "sv": Template("Godkännandet av din CIM-aktivitet har återkallats", (
            "Din koordinator har återkallat godkännandet av en av dina CIM-aktiviteter; den "
            "räknas inte längre till certifikatet. Du kan rätta den och skicka in den igen.",
            "Motivering: {reason}",
            "På din översiktssida ser du vad som fortfarande saknas.",
        )),
    },
    "student.activity_requirement_met.v1": {
        "en": Template("Time to write your CIM final report and book a ceremony", (
            "Congratulations: your approved activities meet the CIM requirement.",
            "The next steps are to write your final report and to book a place at a CIM "
            "ceremony, where you present your experience.",
        )),
        "sv": Template("Dags att skriva din CIM-slutrapport och boka en ceremoni", (
            "Grattis: dina godkända aktiviteter uppfyller kravet för CIM.",
            "Nästa steg är att skriva din slutrapport och boka en plats vid en CIM-ceremoni, "
            "där du presenterar dina erfarenheter.",
        )),
    },
    "report.accepted.v1": {
        "en": Template("Your CIM final report was accepted", (
            "Your coordinator has accepted your final report.",
            "Comment: {reason}",
        )),
        "sv": Template("Din CIM-slutrapport har godkänts", (
            "Din koordinator har godkänt din slutrapport.",
            "Kommentar: {reason}",
        )),
    },
    "report.returned.v1": {
        "en": Template("Your CIM final report was returned", (
            "Your coordinator has returned your final report. Please revise it and submit it "
            "again.",
            "Reason: {reason}",
        )),
        "sv": Template("Din CIM-slutrapport har skickats tillbaka", (
            "Din koordinator har skickat tillbaka din slutrapport. Arbeta om den och skicka in "
            "den igen.",
            "Motivering: {reason}",
        )),
    },
    "ceremony.booked.v1": {
        "en": Template("Your place at {ceremony} is booked", (
            "You have booked a place at {ceremony}.",
            "Time: {when}\nPlace: {place}",
        )),
        "sv": Template("Din plats vid {ceremony} är bokad", (
            "Du har bokat en plats vid {ceremony}.",
            "Tid: {when}\nPlats: {place}",
        )),
    },
    "certificate.issued.v1": {
        "en": Template("Your CIM certificate has been issued", (
            "Your Certificate of International Merits has been issued (code {code}).",
            "Anyone can verify it at:\n{verify_url}",
        )),
        "sv": Template("Ditt CIM-certifikat har utfärdats", (
            "Ditt Certificate of International Merits har utfärdats (kod {code}).",
            "Vem som helst kan kontrollera det på:\n{verify_url}",
        )),
    },
    # certificate.issued.v1 of a re-issue (it names the version it supersedes)
    "certificate.reissued": {
        "en": Template("A new version of your CIM certificate has been issued", (
            "A new version of your Certificate of International Merits has been issued "
            "(code {code}); it replaces the certificate with code {supersedes}, which now "
            "verifies as superseded.",
            "Reason: {reason}",
            "Anyone can verify the new version at:\n{verify_url}",
        )),
        "sv": Template("En ny version av ditt CIM-certifikat har utfärdats", (
            "En ny version av ditt Certificate of International Merits har utfärdats "
            "(kod {code}); den ersätter certifikatet med kod {supersedes}, som nu visas som "
            "ersatt.",
            "Motivering: {reason}",
            "Vem som helst kan kontrollera den nya versionen på:\n{verify_url}",
        )),
    },
    "certificate.revoked.v1": {
        "en": Template("Your CIM certificate has been revoked", (
            "Your Certificate of International Merits (code {code}) has been revoked. It stays "
            "on record, and anyone who verifies it is told that it was revoked, and why.",
            "Reason: {reason}",
            "If you have questions, please contact your programme's international coordinator.",
        )),
        "sv": Template("Ditt CIM-certifikat har återkallats", (
            "Ditt Certificate of International Merits (kod {code}) har återkallats. Det finns "
            "kvar i registret, och den som kontrollerar det får veta att det har återkallats "
            "och varför.",
            "Motivering: {reason}",
            "Om du har frågor, kontakta ditt programs internationella koordinator.",
        )),
    },
}

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
}


def format_when(moment: datetime, language: str) -> str:
    local = moment.astimezone(CAMPUS_TIME)
    month = MONTHS[language][local.month - 1]
    if language == "sv":
        return f"{local.day} {month} {local.year} kl. {local:%H:%M}"
    return f"{local.day} {month} {local.year} at {local:%H:%M} (Stockholm time)"


def _values(kind: str, data: dict, language: str) -> dict:
    """What a template may name, taken from the event's data."""
    values = {"reason": data.get("comment")}
    if kind == "student.registered.v1":
        values["programme"] = data["programme"][f"name_{language}"]
    elif kind == "ceremony.booked.v1":
        ceremony = data["ceremony"]
        values.update(ceremony=ceremony["title"], when=format_when(ceremony["starts_at"], language),
                      place=ceremony["location"])
    elif kind == "certificate.issued.v1":
        values.update(code=data["code"], verify_url=data["verify_url"],
                      supersedes=data.get("supersedes"), reason=data.get("reissue_reason"))
    elif kind == "activity.approval_withdrawn.v1":
        values["reason"] = data["reason"]
    elif kind == "certificate.revoked.v1":
        values.update(code=data["code"], reason=data["reason"])
    return values


def _names(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def template_key(kind: str, data: dict) -> str:
    """The message for an event: its type, except a re-issued certificate has its own."""
    if kind == "certificate.issued.v1" and data.get("supersedes"):
        return "certificate.reissued"
    return kind


def compose(kind: str, language: str, name: str, data: dict) -> tuple[str, str]:
    """The subject and plain-text body telling `name` about an event, in their language."""
    by_language = TEMPLATES.get(template_key(kind, data))
    if by_language is None:
        raise NoTemplate(f"no message is written for {kind}")
    if language not in by_language:
        language = DEFAULT_LANGUAGE
    template = by_language[language]
    values = _values(kind, data, language)
    paragraphs = [GREETING[language].format(name=name)]
    for paragraph in template.paragraphs:
        if "reason" in _names(paragraph) and not values["reason"]:
            continue
        paragraphs.append(paragraph.format(**values))
    paragraphs.append(SIGNATURE[language])
    return template.subject.format(**values), "\n\n".join(paragraphs) + "\n"


def new_message(*, event_id: str, kind: str, recipient: Recipient, data: dict,
                now: datetime) -> Message:
    """The message an event causes, addressed as the recipient's details stand now."""
    subject, body = compose(kind, recipient.language, recipient.name, data)
    return Message(message_id=str(uuid.uuid4()), event_id=event_id, kind=kind,
                   student_id=recipient.student_id, to_address=recipient.email, subject=subject,
                   body=body, language=recipient.language, status=PENDING, attempts=0,
                   last_error=None, created_at=now, sent_at=None, next_attempt_at=now)
