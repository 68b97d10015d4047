"""Gathering deliveries into batches: at most `size` each, or what came within a linger.

Plain logic, no broker and no clock: the consumer (shared.campus.amqp) adds each checked delivery,
sends a batch when one is full, and starts a timer when a batch begins; when the timer fires it
takes what is there, unless that batch has been sent already (its generation has passed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Added(Generic[T]):
    """What one `add` asks of the caller: send `full` now; start a timer for `started`."""

    full: list[T] = field(default_factory=list)
    started: int | None = None  # the generation of a batch this item began


class Batcher(Generic[T]):
    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"a batch holds at least one item, not {size}")
        self.size = size
        self.generation = 0
        self._items: list[T] = []

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T) -> Added[T]:
        self._items.append(item)
        started = self.generation if len(self._items) == 1 else None
        if len(self._items) >= self.size:
            return Added(full=self._take(), started=None)
        return Added(started=started)

    def take(self, generation: int | None = None) -> list[T]:
        """What is gathered, as one batch; nothing when `generation`'s batch has gone already."""
        if generation is not None and generation != self.generation:
            return []
        return self._take()

    def _take(self) -> list[T]:
        items, self._items = self._items, []
        if items:
            self.generation += 1
        return items


def first_of_each(items: list[Any], key) -> tuple[list[Any], list[Any]]:
    """Items whose key is new in the list, in order, and the later repeats (duplicates)."""
    seen, firsts, repeats = set(), [], []
    for item in items:
        k = key(item)
        if k in seen:
            repeats.append(item)
        else:
            seen.add(k)
            firsts.append(item)
    return firsts, repeats


class Unsettled:
    """The delivery tags of one AMQP channel that are neither acked nor rejected yet.

    A channel's tags rise with each delivery, and `basic.ack` with `multiple` settles every
    unsettled tag up to the one it names. So a batch can be acked with one frame when nothing
    else unsettled on the channel comes before its highest tag (another queue's batch still in
    its transaction, say); `covering` says which tag that is, or None (then ack one by one)."""

    def __init__(self):
        self._tags: set[int] = set()

    def __len__(self) -> int:
        return len(self._tags)

    def received(self, tag: int):
        self._tags.add(tag)

    def settled(self, tag: int):
        self._tags.discard(tag)

    def covering(self, tags: list[int]) -> int | None:
        """The tag for one `multiple` ack of exactly `tags` (then they count as settled), or None."""
        batch = set(tags)
        if not batch or not batch <= self._tags:
            return None
        top = max(batch)
        if any(tag <= top and tag not in batch for tag in self._tags):
            return None
        self._tags -= batch
        return top
