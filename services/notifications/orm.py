"""Notifications' tables, mapped onto the plain domain classes, and its repository."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import registry

from services.notifications.domain.delivery import PENDING, SENDING, DeliveryAttempt
from services.notifications.domain.messages import Message
from services.notifications.domain.preferences import Preference
from services.notifications.domain.recipients import Recipient
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
    info=classified(
        erasure="the row is pseudonymised: name and email replaced",
        identifier={"student_id": "the recipient's id"},
        contact={"name": "the recipient's name", "email": "where messages go"},
        none=("language", "as_of"),
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("message_id", sa.String(36), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("student_id", sa.String(36), sa.ForeignKey("recipients.student_id"), nullable=False, index=True),
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
    info=classified(
        erasure="the student's messages keep their ids and status; address, subject and body are blanked",
        identifier={"student_id": "the recipient"},
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

mapper_registry.map_imperatively(Recipient, recipients)
mapper_registry.map_imperatively(Preference, preferences)
mapper_registry.map_imperatively(Message, messages)
mapper_registry.map_imperatively(DeliveryAttempt, delivery_log)


class Repository:
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

    def messages_to(self, student_id: str) -> list[Message]:
        return list(
            self.session.scalars(
                sa.select(Message)
                .where(Message.student_id == student_id)
                .order_by(Message.created_at, Message.message_id)
            )
        )

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
