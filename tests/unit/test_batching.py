"""Gathering deliveries into batches: full ones go at once, a lingering one when its timer fires,
and a timer of a batch that has already gone takes nothing; a batch is acked with one frame only
when nothing else unsettled on its channel comes before its last delivery."""

import pytest

from shared.batching import Batcher, Unsettled, first_of_each


def test_a_batch_goes_when_it_is_full_and_the_next_one_begins():
    batches = Batcher(3)
    first = batches.add("a")
    assert first.full == [] and first.started == 0  # the first item starts a batch: a timer is due
    assert batches.add("b").started is None  # later ones do not start another timer
    assert batches.add("c").full == ["a", "b", "c"]
    assert len(batches) == 0
    assert batches.add("d").started == 1


def test_a_timer_takes_its_own_batch_only():
    batches = Batcher(2)
    started = batches.add("a").started
    assert batches.add("b").full == ["a", "b"]  # full before the timer fired
    later = batches.add("c").started
    assert batches.take(started) == []  # the first timer fires: its batch has gone
    assert batches.take(later) == ["c"]
    assert batches.take(later) == []  # nothing twice


def test_a_batch_of_one_goes_at_once():
    batches = Batcher(1)
    assert batches.add("a").full == ["a"]
    assert batches.add("b").full == ["b"]


def test_a_batch_holds_at_least_one():
    with pytest.raises(ValueError):
        Batcher(0)


def test_repeats_are_told_apart_from_first_occurrences_in_order():
    items = [("s", "1"), ("s", "2"), ("s", "1"), ("t", "1"), ("s", "2")]
    firsts, repeats = first_of_each(items, key=lambda x: x)
    assert firsts == [("s", "1"), ("s", "2"), ("t", "1")]
    assert repeats == [("s", "1"), ("s", "2")]


def unsettled(*tags):
    tracked = Unsettled()
    for tag in tags:
        tracked.received(tag)
    return tracked


def test_a_batch_with_nothing_pending_before_it_is_acked_at_its_highest_tag():
    tracked = unsettled(*range(1, 11))
    assert tracked.committed([1, 2, 3, 4, 5]) == 5
    assert len(tracked) == 5  # 6..10 still pending
    assert tracked.committed([8, 9, 10]) is None  # 6 and 7 come first: it waits, committed
    assert len(tracked) == 5  # 6, 7 pending; 8, 9, 10 committed, not acked


def test_a_batch_that_waited_is_acked_with_the_one_it_waited_for():
    tracked = unsettled(*range(1, 7))
    assert tracked.committed([4, 5, 6]) is None  # committed first, behind 1..3
    assert tracked.committed([3, 1, 2]) == 6  # one frame settles both batches
    assert len(tracked) == 0 and tracked.releasable() is None


def test_deliveries_settled_alone_release_what_waited_behind_them():
    # two queues share the channel: their deliveries interleave
    tracked = unsettled(*range(1, 9))
    even = [2, 4, 6, 8]
    assert tracked.committed(even) is None  # 1, 3, 5, 7 (the other batch) are pending below
    tracked.settled(1)  # rejected, dead-lettered or acked alone
    assert tracked.releasable() == 2  # 2 is committed and nothing pending is below it now
    tracked.settled(3)
    tracked.settled(5)
    assert tracked.releasable() == 6
    assert tracked.releasable() is None  # 6 counts as settled: it is never named twice
    tracked.settled(7)
    assert tracked.releasable() == 8
    assert len(tracked) == 0


def test_later_deliveries_do_not_stop_a_batch_from_being_acked_at_once():
    tracked = unsettled(4, 5, 6, 7, 8)
    assert tracked.committed([6, 4, 5]) == 6  # any order; 7 and 8 come after it
    assert tracked.committed([7, 8]) == 8


def test_tags_not_pending_are_never_acked_together():
    tracked = unsettled(1, 2)
    tracked.settled(2)
    assert not tracked.knows([1, 2])  # 2 was settled already: acking it again would close the channel
    assert not tracked.knows([]) and not tracked.knows([9])
    with pytest.raises(ValueError):
        tracked.committed([1, 2])
    assert tracked.committed([1]) == 1
