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
    """The delivery tags of one AMQP channel not acked or rejected yet, and which of them are
    committed (their effects stored) and so may be acked.

    A channel's tags rise with each delivery, and `basic.ack` with `multiple` settles every tag up
    to the one it names. So committed tags are acked with one frame at the highest of those that
    nothing still pending comes before. A batch committed while an earlier delivery is still in
    its transaction (another batch, another queue's, one being retried alone) waits, committed,
    until that one settles; `releasable` then names the tag that acks them all. Waiting costs
    nothing but prefetch: should the connection fail first, the broker delivers them again and
    the dedupe by (source, id) knows them."""

    def __init__(self):
        self._pending: set[int] = set()
        self._committed: set[int] = set()

    def __len__(self) -> int:
        return len(self._pending) + len(self._committed)

    def received(self, tag: int):
        self._pending.add(tag)

    def settled(self, tag: int):
        """Acked or rejected alone (dead-lettered, retried, requeued)."""
        self._pending.discard(tag)
        self._committed.discard(tag)

    def knows(self, tags: list[int]) -> bool:
        """Whether every tag is pending (a tag settled or never seen must not be acked again)."""
        return bool(tags) and self._pending.issuperset(tags)

    def committed(self, tags: list[int]) -> int | None:
        """The tags' effects are stored (each pending): the tag for one `multiple` ack now, or None."""
        if not self.knows(tags):
            raise ValueError("only pending deliveries can be committed")
        self._pending.difference_update(tags)
        self._committed.update(tags)
        return self.releasable()

    def releasable(self) -> int | None:
        """The highest committed tag below every pending one (acking it with `multiple` settles
        those committed tags, which then count as settled), or None when none is."""
        low = min(self._pending, default=None)
        ready = [tag for tag in self._committed if low is None or tag < low]
        if not ready:
            return None
        self._committed.difference_update(ready)
        return max(ready)
