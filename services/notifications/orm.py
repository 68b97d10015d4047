"""Notifications' tables, mapped onto the plain domain classes, and its repository."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.notifications.domain.delivery import PENDING, SENDING, DeliveryAttempt
from services.notifications.domain.messages import Message
from services.notifications.domain.preferences import Preference
from services.notifications.domain.directory import DirectoryEntry
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.waiting import WaitingItem
from shared import keyset
from shared.db import UTCDateTime, service_metadata
from shared.personal_data import classified

metadata = service_metadata()
mapper_registry = registry(metadata=metadata)

recipients = sa.Table(
    "recipients",
    metadata,
    sa.Column("student_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, comment="personal data"),
    sa.Column("email", sa.String(254), nullable=False, comment="personal data"),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("as_of", UTCDateTime, nullable=False),
    sa.Column("programme_code", sa.String(50), nullable=True),
    sa.Column("expected_graduation", sa.String(7), nullable=True),
    sa.Column("withdrawn_at", UTCDateTime, nullable=True),
    sa.Column("requirement_met", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("requirement_as_of", UTCDateTime, nullable=True),
    sa.Column("graduation_reminded_at", UTCDateTime, nullable=True),
    sa.Index("ix_recipients_graduation", "expected_graduation"),
    info=classified(
        erasure="the row is pseudonymised: name and email replaced",
        identifier={"student_id": "the recipient's id"},
        contact={"name": "the recipient's name", "email": "where messages go"},
        none=(
            "language",
            "as_of",
            "programme_code",
            "expected_graduation",
            "withdrawn_at",
            "requirement_met",
            "requirement_as_of",
            "graduation_reminded_at",
        ),
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("message_id", sa.String(36), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("student_id", sa.String(36), sa.ForeignKey("recipients.student_id"), nullable=True),
    sa.Column("coordinator", sa.String(300), nullable=True),
    sa.Column("to_address", sa.String(254), nullable=False, comment="personal data"),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False, comment="personal data"),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("event_id", "kind", name="uq_messages_event_kind"),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
    sa.Index("ix_messages_due", "status", "next_attempt_at"),
    sa.Index("ix_messages_student_created", "student_id", "created_at", "message_id"),  # the delivery log's pages
    info=classified(
        erasure="the student's messages keep their ids and status; address, subject and body are blanked",
        identifier={"student_id": "the recipient", "coordinator": "the recipient, a coordinator's account"},
        contact={"to_address": "the address it went to"},
        content={
            "subject": "may name the student's activity",
            "body": "the message, naming the student",
            "last_error": "the mail server's answer, may quote the address",
        },
        none=(
            "message_id",
            "event_id",
            "kind",
            "language",
            "status",
            "attempts",
            "created_at",
            "sent_at",
            "next_attempt_at",
        ),
    ),
)

delivery_log = sa.Table(
    "delivery_log",
    metadata,
    sa.Column("attempt_id", sa.String(36), primary_key=True),
    sa.Column("message_id", sa.String(36), sa.ForeignKey("messages.message_id"), nullable=False, index=True),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("attempted_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    info=classified(
        erasure="kept: attempts and outcomes; errors are blanked",
        content={"error": "the mail server's answer, may quote the address"},
        none=("attempt_id", "message_id", "attempt", "attempted_at", "outcome"),
    ),
)

# A person's own choices (PUT /v1/me/preferences); a student's language here wins over the one
# registration last sent, from the next message on.
preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("issuer", sa.String(300), primary_key=True),
    sa.Column("subject", sa.String(300), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("student_id", sa.String(36), nullable=True, index=True),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("digest_time", sa.String(5), nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    info=classified(
        erasure="the student's preferences are deleted",
        identifier={
            "subject": "who signs in (the preference's owner)",
            "student_id": "whose preference, for a student",
        },
        none=("issuer", "role", "language", "digest_time", "updated_at"),
    ),
)

# --- what the scheduled messages need (the digest, the reminders) ----------------------------

# Programme names, from the students' events: a coordinator's message names the programme.
programmes = sa.Table(
    "programmes",
    metadata,
    sa.Column("code", sa.String(50), primary_key=True),
    sa.Column("name_en", sa.String(300), nullable=False),
    sa.Column("name_sv", sa.String(300), nullable=False),
    info=classified(erasure="not personal data", none=("code", "name_en", "name_sv")),
)

# The copy of approvals' coordinator directory (coordinator.updated.v1; docs/decisions/0019).
directory = sa.Table(
    "directory",
    metadata,
    sa.Column("subject", sa.String(300), primary_key=True),
    sa.Column("name", sa.String(200), nullable=True, comment="personal data"),
    sa.Column("email", sa.String(254), nullable=True, comment="personal data"),
    sa.Column("programmes", sa.JSON, nullable=False),
    sa.Column("on_leave", sa.Boolean, nullable=False),
    sa.Column("leave_from", sa.Date, nullable=True),
    sa.Column("leave_to", sa.Date, nullable=True),
    sa.Column("substitute", sa.String(300), nullable=True),
    sa.Column("as_of", UTCDateTime, nullable=False),
    info=classified(
        erasure="not a student's data: follows approvals' directory",
        identifier={"subject": "the coordinator's account", "substitute": "another coordinator's account"},
        contact={"name": "the coordinator's name", "email": "where the digest and reminders go"},
        none=("programmes", "on_leave", "leave_from", "leave_to", "as_of"),
    ),
)

# What waits for a decision (and what was decided: a close kept against late submissions).
waiting_items = sa.Table(
    "waiting_items",
    metadata,
    sa.Column("item_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(300), nullable=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("waiting_since", UTCDateTime, nullable=True),
    sa.Column("reminded_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'closed')", name="status"),
    sa.Index("ix_waiting_items_waiting", "status", "waiting_since"),
    info=classified(
        erasure="the student's items are kept closed, their titles emptied (the coordinators' messages "
        "naming them lose their body)",
        identifier={"student_id": "whose item"},
        content={"title": "the student's title for the activity"},
        none=("item_id", "kind", "version", "status", "waiting_since", "reminded_at"),
    ),
)

# One row per coordinator and day whose digest was taken: the key makes each digest once, however
# many replicas look (insert-or-skip, in the transaction that writes the message).
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("coordinator", sa.String(300), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("taken_at", UTCDateTime, nullable=False),
    sa.Column("message_id", sa.String(36), nullable=True),
    sa.Column("items", sa.Integer, nullable=False),
    info=classified(
        erasure="not a student's data",
        identifier={"coordinator": "the coordinator's account"},
        none=("day", "taken_at", "message_id", "items"),
    ),
)

# Which item versions a coordinator's message listed: "new" in a digest is "not listed to them
# before"; erasure finds the coordinators' messages that name a student through it.
item_notices = sa.Table(
    "item_notices",
    metadata,
    sa.Column("coordinator", sa.String(300), primary_key=True),
    sa.Column("item_id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(30), primary_key=True),
    sa.Column("message_id", sa.String(36), nullable=False, index=True),
    info=classified(
        erasure="kept: names no student (an item's id, the coordinator, the message)",
        identifier={"coordinator": "the coordinator's account"},
        none=("item_id", "version", "kind", "message_id"),
    ),
)

mapper_registry.map_imperatively(DirectoryEntry, directory)
mapper_registry.map_imperatively(WaitingItem, waiting_items)
mapper_registry.map_imperatively(Recipient, recipients)
mapper_registry.map_imperatively(Preference, preferences)
mapper_registry.map_imperatively(Message, messages)
mapper_registry.map_imperatively(DeliveryAttempt, delivery_log)

from services.notifications.schedule_repository import ScheduleRepository  # noqa: E402


class Repository(ScheduleRepository):
    """Notifications' store as the use cases see it (mirrored by tests/unit/fakes/)."""

    def __init__(self, session):
        self.session = session

    def recipient(self, student_id: str) -> Recipient | None:
        return self.session.get(Recipient, student_id)

    def preference(self, issuer: str, subject: str, lock: bool = False) -> Preference | None:
        return self.session.get(Preference, (issuer, subject), with_for_update=lock or None)

    def student_language(self, student_id: str) -> str | None:
        """The language the student chose in their preferences, if they did."""
        return self.session.scalars(
            sa.select(Preference.language)
            .where(Preference.student_id == student_id)
            .order_by(Preference.updated_at.desc())
        ).first()

    def messages_page(self, student_id: str, position: tuple | None, limit: int) -> list[Message]:
        """At most `limit + 1` of the student's messages after `position`, oldest first
        (ix_messages_student_created: the filter, then the order)."""
        query = sa.select(Message).where(Message.student_id == student_id)
        order = [messages.c.created_at, messages.c.message_id]
        return list(self.session.scalars(keyset.after(query, order, position, limit)))

    def message(self, message_id: str, lock: bool = False) -> Message | None:
        return self.session.get(Message, message_id, with_for_update=lock or None)

    def next_due(self, now: datetime, *, skip: set[str], only: str | None = None) -> Message | None:
        """The next message whose time has come (pending, or `sending` with its claim expired),
        locked; others' locked rows are skipped. The lock lasts until the claim commits; the
        claim (status `sending`) keeps the timer, the worker that wrote the message and other
        replicas off it while it is handed to the mail server.
        """
        query = (
            sa.select(Message)
            .where(Message.status.in_((PENDING, SENDING)), Message.next_attempt_at <= now)
            .order_by(Message.next_attempt_at, Message.message_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if only is not None:
            query = query.where(Message.message_id == only)
        if skip:
            query = query.where(Message.message_id.not_in(skip))
        return self.session.scalars(query).one_or_none()

    def add(self, obj):
        self.session.add(obj)
