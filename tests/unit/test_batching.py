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


def test_a_batch_with_nothing_unsettled_before_it_is_acked_at_its_highest_tag():
    tracked = unsettled(*range(1, 11))
    assert tracked.covering([1, 2, 3, 4, 5]) == 5
    assert len(tracked) == 5  # 6..10 still unsettled
    assert tracked.covering([8, 9, 10]) is None  # 6 and 7 come first: one by one instead
    assert len(tracked) == 5  # and nothing counted as settled


def test_a_batch_behind_another_batch_waits_for_nothing_once_that_one_settled():
    # two queues share the channel: their deliveries interleave
    tracked = unsettled(*range(1, 9))
    odd, even = [1, 3, 5, 7], [2, 4, 6, 8]
    assert tracked.covering(even) is None  # 1, 3, 5, 7 (the other batch) are unsettled below 8
    for tag in odd:  # settled one by one (rejected, dead-lettered, or acked alone)
        tracked.settled(tag)
    assert tracked.covering(even) == 8
    assert len(tracked) == 0


def test_later_deliveries_do_not_stop_a_batch_from_being_acked_at_once():
    tracked = unsettled(4, 5, 6, 7, 8)
    assert tracked.covering([6, 4, 5]) == 6  # any order; 7 and 8 come after it
    assert tracked.covering([7, 8]) == 8


def test_tags_not_unsettled_are_never_acked_together():
    tracked = unsettled(1, 2)
    tracked.settled(2)
    assert tracked.covering([1, 2]) is None  # 2 was settled already: acking it again would close the channel
    assert tracked.covering([]) is None
    assert tracked.covering([1]) == 1
