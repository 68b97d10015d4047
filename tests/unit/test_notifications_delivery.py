"""A message's hand-over to the mail server, claimed before and recorded after (decision 0020):
a process that dies in between leaves it `sending`; once the claim has expired it is sent again
with the same id (so the same Message-ID), and the delivery log says that it was interrupted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.notifications import handlers
from services.notifications.domain import kinds
from services.notifications.domain.delivery import (
    FAILED,
    INTERRUPTED,
    INTERRUPTED_AFTER,
    MAX_ATTEMPTS,
    PENDING,
    SENDING,
    SENT,
    UNKNOWN,
    DeliveryFailed,
)
from services.notifications.domain.messages import new_message
from shared.db import utcnow
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.notifications import FakeNotificationsRepository
from tests.unit.test_notifications_domain import COMPOSER, DECISION, NOW, recipient
from tests.unit.test_notifications_handlers import Mailbox, register, units_of_work


class Killed(BaseException):
    """The process dying mid-hand-over: nothing after it runs."""


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeNotificationsRepository(), producer="notifications")


def test_a_claim_marks_the_message_sending_until_its_claim_expires():
    message = new_message(
        event_id="e-1", kind=kinds.ACTIVITY_APPROVED, recipient=recipient(), data=DECISION, now=NOW, composer=COMPOSER
    )
    assert message.claim(NOW) is False
    assert (message.status, message.attempts, message.next_attempt_at) == (SENDING, 0, NOW + INTERRUPTED_AFTER)
    message.delivery_failed("451 try later", NOW)
    assert message.status == PENDING and message.attempts == 1


def test_claiming_a_message_still_sending_counts_the_interrupted_try_and_gives_up_after_the_last():
    message = new_message(
        event_id="e-1", kind=kinds.ACTIVITY_APPROVED, recipient=recipient(), data=DECISION, now=NOW, composer=COMPOSER
    )
    message.claim(NOW)
    assert message.claim(NOW + INTERRUPTED_AFTER) is True
    assert (message.status, message.attempts, message.last_error) == (SENDING, 1, INTERRUPTED)
    for _ in range(MAX_ATTEMPTS - 1):
        message.claim(NOW)
    assert (message.status, message.attempts, message.next_attempt_at) == (FAILED, MAX_ATTEMPTS, None)


def test_the_claim_is_committed_before_the_hand_over(uow):
    register(uow)
    seen = []

    def send(message):
        stored = uow.repo.message(message.message_id)
        seen.append((stored.status, uow.committed))

    factory, _ = units_of_work(uow)
    assert handlers.deliver_due(factory, send) == 1
    assert seen == [(SENDING, True)]
    assert [m.status for m in uow.repo.messages.values()] == [SENT]


def test_a_hand_over_cut_by_a_crash_is_sent_again_once_its_claim_expired_and_logged(uow, monkeypatch):
    first = register(uow)
    mailbox, (factory, _) = Mailbox(), units_of_work(uow)

    def dies(message):
        mailbox.send(message)  # the server took it
        raise Killed()  # ... and the process died before recording that

    with pytest.raises(Killed):
        handlers.deliver_due(factory, dies)
    message = uow.repo.messages[first]
    assert message.status == SENDING and uow.repo.delivery_log == []
    assert handlers.deliver_due(factory, mailbox.send) == 0  # the claim has not expired yet

    later = utcnow() + INTERRUPTED_AFTER + timedelta(seconds=1)
    monkeypatch.setattr(handlers, "utcnow", lambda: later)
    assert handlers.deliver_due(factory, mailbox.send) == 1
    assert [m.message_id for m in mailbox.sent] == [first, first]  # twice, with one Message-ID
    assert (message.status, message.attempts) == (SENT, 2)
    assert [(line.outcome, line.error) for line in uow.repo.delivery_log] == [(UNKNOWN, INTERRUPTED), (SENT, None)]
    assert handlers.deliver_due(factory, mailbox.send) == 0  # and never a third time


def test_a_failed_hand_over_leaves_the_message_pending_for_its_next_try(uow):
    first = register(uow)
    factory, _ = units_of_work(uow)
    assert handlers.deliver_due(factory, Mailbox(DeliveryFailed("451 later")).send) == 0
    message = uow.repo.messages[first]
    assert (message.status, message.attempts, message.last_error) == (PENDING, 1, "451 later")
