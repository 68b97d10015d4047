"""The memory of an RPC service's replies (shared.rpc_replies): what it recalls, and its bounds."""

from __future__ import annotations

import eventlet

from shared import rpc_replies
from shared.rpc_replies import RepliesSent


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_an_answered_request_is_recalled_with_its_result_or_its_error():
    replies = RepliesSent()
    replies.started("c1")
    replies.answered("c1", {"id": 7}, None, acknowledged=True)
    failure = ValueError("no such ceremony")
    replies.started("c2")
    replies.answered("c2", None, failure, acknowledged=False)
    assert replies.recall("c1") == ({"id": 7}, None)
    assert replies.recall("c2") == (None, failure)
    assert replies.recall("c3") is None


def test_a_request_still_running_is_recalled_as_a_wait_for_its_reply():
    replies = RepliesSent()
    replies.started("c1")
    waiting = replies.recall("c1")
    assert not isinstance(waiting, tuple)
    eventlet.spawn_after(0.01, replies.answered, "c1", "done", None, True)
    assert waiting.wait() == ("done", None)
    assert replies.recall("c1") == ("done", None)


def test_acknowledged_replies_are_kept_briefly_and_unacknowledged_ones_longer():
    clock = Clock()
    replies = RepliesSent(clock=clock)
    replies.answered("acked", 1, None, acknowledged=True)
    replies.answered("unacked", 2, None, acknowledged=False)
    clock.now += rpc_replies.RECENT_S + 1
    assert replies.recall("acked") is None
    assert replies.recall("unacked") == (2, None)
    clock.now += rpc_replies.UNACKED_S
    assert replies.recall("unacked") is None


def test_the_memory_holds_at_most_its_bound_the_oldest_going_first(monkeypatch):
    monkeypatch.setattr(rpc_replies, "RECENT_MOST", 3)
    replies = RepliesSent()
    for number in range(5):
        replies.answered(f"c{number}", number, None, acknowledged=True)
    assert [replies.recall(f"c{number}") for number in range(5)] == [None, None, (2, None), (3, None), (4, None)]
    assert len(replies._recent) == 3
