"""Notifications' use cases on a fake unit of work: which message an event writes, and delivery."""

from dataclasses import replace
from datetime import timedelta

import pytest

from services.notifications import handlers
from services.notifications.domain import kinds
from services.notifications.domain.delivery import FAILED, PENDING, SENT, DeliveryFailed
from services.notifications.domain.recipients import UnknownRecipient
from shared.db import AlreadyHandled, utcnow
from shared.errors import Forbidden, Invalid, NotFound
from shared.keyset import encode_cursor
from shared.rpc.paging import Page
from shared.events import ACTIVITY_REJECTED, CERTIFICATE_ISSUED, STUDENT_REGISTERED, STUDENT_UPDATED
from tests.builders import a_coordinator, a_student_actor, an_admin
from tests.builders.notifications import TEMPLATES, a_composer, a_decision, a_registration, an_issued_certificate
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.notifications import FakeNotificationsRepository


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeNotificationsRepository(), producer="notifications")


def handle(uow, event_type, data, event_id="e-1", write=handlers.write_message):
    """As the service's db.consume does: claim the event id, then write, in one unit of work."""
    with uow:
        try:
            uow.claim(f"notifications.{event_type}", event_id, event_type)
        except AlreadyHandled:
            return None
        kind = handlers.MESSAGE_KINDS[event_type]
        return write(uow, data, event_id=event_id, kind=kind, composer=a_composer())


def register(uow, student_id="s-1", language="sv", event_id="e-0"):
    return handle(
        uow, STUDENT_REGISTERED, a_registration(student_id, language), event_id=event_id, write=handlers.welcome
    )


class Mailbox:
    """A stand-in for the SMTP adapter: takes messages, or fails as told."""

    def __init__(self, *failures: DeliveryFailed):
        self.failures = list(failures)
        self.sent = []

    def send(self, message):
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


# --- which message an event writes ---------------------------------------------------------------


def test_every_event_that_tells_a_student_something_has_a_kind_with_a_template():
    assert set(handlers.MESSAGE_KINDS.values()) <= set(TEMPLATES.written())
    assert STUDENT_UPDATED not in handlers.MESSAGE_KINDS  # a profile change is kept, not told


def test_a_registration_is_remembered_and_welcomed_in_the_students_language(uow):
    message_id = register(uow, language="sv")
    message = uow.repo.messages[message_id]
    assert (message.kind, message.language, message.status) == (kinds.WELCOME, "sv", PENDING)
    assert message.subject == "Din registrering till CIM är bekräftad"
    assert message.to_address == "asa@example.org" and uow.repo.recipient("s-1").language == "sv"
    assert uow.committed and uow.published == []


@pytest.mark.parametrize(
    "language, subject",
    [
        ("en", "Your CIM activity was not approved"),
        ("sv", "Din CIM-aktivitet har inte godkänts"),
    ],
)
def test_a_decision_writes_its_kind_of_message_in_the_students_language(uow, language, subject):
    register(uow, language=language)
    message_id = handle(uow, ACTIVITY_REJECTED, a_decision(comment="Wrong dates."))
    message = uow.repo.messages[message_id]
    assert (message.kind, message.subject) == (kinds.ACTIVITY_REJECTED, subject)
    assert "Wrong dates." in message.body


def test_a_reissued_certificate_is_written_as_a_certificate_issued_with_its_own_text(uow):
    register(uow, language="en")
    message_id = handle(uow, CERTIFICATE_ISSUED, an_issued_certificate(supersedes="OLDCODE", reissue_reason="name"))
    message = uow.repo.messages[message_id]
    assert message.kind == kinds.CERTIFICATE_ISSUED
    assert message.subject == "A new version of your CIM certificate has been issued"


def test_the_same_event_twice_writes_one_message(uow):
    register(uow)
    first = handle(uow, ACTIVITY_REJECTED, a_decision(), event_id="e-7")
    assert handle(uow, ACTIVITY_REJECTED, a_decision(), event_id="e-7") is None
    assert [m.message_id for m in uow.repo.messages_to("s-1")][-1] == first
    assert len(uow.repo.messages) == 2


def test_a_message_for_a_student_not_yet_known_is_refused_so_the_event_is_retried(uow):
    with pytest.raises(UnknownRecipient):
        handle(uow, ACTIVITY_REJECTED, a_decision("s-2"))
    assert uow.rolled_back and uow.repo.messages == {}


def test_an_older_profile_event_does_not_overwrite_newer_details(uow):
    register(uow, language="sv")
    with uow:
        handlers.record_recipient(
            uow,
            {**a_registration(language="en"), "email": "old@example.org", "updated_at": utcnow().replace(year=2020)},
        )
    assert (uow.repo.recipient("s-1").email, uow.repo.recipient("s-1").language) == ("asa@example.org", "sv")


# --- delivery --------------------------------------------------------------------------------


def units_of_work(uow):
    """The factory deliver_due is given, counting the units of work it opens."""
    opened = []

    def unit_of_work():
        opened.append(1)
        return uow

    return unit_of_work, opened


def two_waiting(uow) -> str:
    """Two students' welcomes waiting to be sent; the first one's id."""
    first = register(uow, "s-1")
    register(uow, "s-2", event_id="e-00")
    return first


def test_due_messages_are_sent_each_in_its_own_unit_of_work_and_logged(uow):
    two_waiting(uow)
    mailbox, (factory, opened) = Mailbox(), units_of_work(uow)
    assert handlers.deliver_due(factory, mailbox.send) == 2
    assert len(opened) == 5  # a claim and an outcome per message, and one that finds nothing more due
    assert {m.status for m in uow.repo.messages.values()} == {SENT}
    assert [line.outcome for line in uow.repo.delivery_log] == [SENT, SENT]
    assert uow.committed


def test_one_message_only_is_sent_when_asked_for(uow):
    first = two_waiting(uow)
    mailbox, (factory, _) = Mailbox(), units_of_work(uow)
    assert handlers.deliver_due(factory, mailbox.send, only=first) == 1
    assert [m.message_id for m in mailbox.sent] == [first]


def test_an_unreachable_server_ends_the_pass_and_the_message_waits_for_another_try(uow):
    two_waiting(uow)
    mailbox = Mailbox(DeliveryFailed("connection refused", unreachable=True))
    factory, _ = units_of_work(uow)
    assert handlers.deliver_due(factory, mailbox.send) == 0
    [tried] = [m for m in uow.repo.messages.values() if m.attempts]  # the other was not tried
    assert tried.status == PENDING and tried.next_attempt_at > utcnow()
    assert tried.last_error == "connection refused" and mailbox.sent == []
    assert [line.outcome for line in uow.repo.delivery_log] == [FAILED]


def test_a_permanent_refusal_fails_that_message_and_the_pass_goes_on(uow):
    two_waiting(uow)
    mailbox = Mailbox(DeliveryFailed("550 no such mailbox", permanent=True))
    factory, _ = units_of_work(uow)
    assert handlers.deliver_due(factory, mailbox.send) == 1
    assert sorted(m.status for m in uow.repo.messages.values()) == [FAILED, SENT]


# --- operators -------------------------------------------------------------------------------


def test_operators_see_a_students_messages_and_nobody_else_does(uow):
    register(uow, "s-1")
    with uow:
        page = handlers.list_messages(uow, actor=an_admin(), student_id="s-1")
        [message] = page["items"]
        assert message.to_address == "asa@example.org" and page["next_cursor"] is None
        for other in (a_student_actor("s-1"), a_coordinator()):
            with pytest.raises(Forbidden):
                handlers.list_messages(uow, actor=other, student_id="s-1")


def test_the_delivery_log_is_read_a_page_at_a_time_oldest_first_and_only_by_its_own_cursors(uow):
    register(uow, "s-1")
    [first] = uow.repo.messages_to("s-1")
    for number in range(1, 5):
        copy = replace(first, message_id=f"m-{number}", created_at=first.created_at + timedelta(minutes=number))
        uow.repo.messages[copy.message_id] = copy
    seen, cursor = [], None
    with uow:
        while True:
            page = handlers.list_messages(uow, actor=an_admin(), student_id="s-1", page=Page(cursor=cursor, limit=2))
            assert len(page["items"]) <= 2
            seen += [m.message_id for m in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                break
        assert seen == [m.message_id for m in uow.repo.messages_to("s-1")] and len(seen) == 5
        with pytest.raises(NotFound):  # another list's cursor names no page of this one
            handlers.list_messages(uow, actor=an_admin(), student_id="s-1", page=Page(cursor=encode_cursor("x", [1])))


def test_a_students_chosen_language_is_used_from_the_next_message_on(uow):
    register(uow, "s-1", language="sv")
    student = a_student_actor("s-1")
    with uow:
        assert handlers.get_preferences(uow, actor=student).language == "sv"  # as registered
        chosen = handlers.set_preferences(uow, actor=student, language="en", digest_time=None)
    assert (chosen.language, chosen.digest_time) == ("en", None)
    message_id = handle(uow, ACTIVITY_REJECTED, a_decision("s-1", comment="Too short."))
    message = uow.repo.messages[message_id]
    assert message.language == "en" and message.subject == "Your CIM activity was not approved"


def test_a_coordinator_chooses_the_digest_time_and_nobody_else_has_one(uow):
    coordinator = a_coordinator("MBIOM", subject="c-1")
    with uow:
        assert handlers.get_preferences(uow, actor=coordinator).digest_time == "08:00"
        assert (
            handlers.set_preferences(uow, actor=coordinator, language=None, digest_time="07:30").digest_time == "07:30"
        )
    assert uow.repo.preferences[(coordinator.issuer, "c-1")].digest_time == "07:30"
    register(uow, "s-2")
    with pytest.raises(Invalid, match="only coordinators"), uow:
        handlers.set_preferences(uow, actor=a_student_actor("s-2"), language=None, digest_time="07:30")
