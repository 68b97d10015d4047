"""Gathering deliveries into batches: full ones go at once, a lingering one when its timer fires,
and a timer of a batch that has already gone takes nothing."""

import pytest

from shared.batching import Batcher, first_of_each


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
