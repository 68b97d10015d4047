"""The gateway's short-lived memory of who is which student: (issuer, subject) -> student id.

A student's route needs the caller's student id before it can ask the owning service anything;
registration answers it (`find_student`), one RPC round trip per request. That answer hardly
ever changes: registering creates it, re-registering after a withdrawal keeps the same id, a
withdrawal keeps it (the owning services learn of the withdrawal and refuse what a withdrawn
student may not do), and only an erasure removes it (registration replaces the login, so the
token finds nothing). So each gateway process keeps the answers it got for `CIM_STUDENT_CACHE_TTL_S`
seconds (default 5), at most `CIM_STUDENT_CACHE_SIZE` people (default 10,000; the least recently
used go first). Not kept: "not registered" (a registration is seen at once).

Staleness, and why it is safe: an entry only ever maps a person to their own student id (ids
are never reused), and every owning service still checks every object against that id and its
own state. What a stale entry can do is let an erased person's token reach their own, already
erased id for at most the TTL. The gateway process that takes the student's own withdrawal or an
admin's erasure forgets the entry at once (and refuses for one TTL to remember an erased id
that a lookup in flight brings back); the gateway runs as several replicas, each with its own
memory, so on the other replicas the change takes effect within the TTL, as does an erasure or
unenrolment that did not come through the gateway. Erasure itself reaches the services by an
event, so it is not instant anywhere; the TTL is of the same order. docs/decisions/0014.

One process's greenlets share it; eventlet switches only on I/O, and no method here does any.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable

from nameko.extensions import DependencyProvider

from shared.settings import SettingsSource

DEFAULT_TTL_S = 5.0
DEFAULT_SIZE = 10_000


class StudentIds:
    """A bounded LRU of (issuer, subject) -> (student id, time it expires)."""

    def __init__(self, ttl_s: float = DEFAULT_TTL_S, max_size: int = DEFAULT_SIZE, clock: Callable = time.monotonic):
        if max_size < 1 or ttl_s < 0:
            raise ValueError("the student cache needs a size of at least 1 and a TTL of at least 0")
        self.ttl_s, self.max_size, self._clock = ttl_s, max_size, clock
        self._entries: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()
        self._erased: dict[str, float] = {}  # student id -> until when a lookup may not bring it back
        self.lookups = 0  # how often `find` was asked (tests, metrics)

    def __len__(self) -> int:
        return len(self._entries)

    def student_id(self, issuer: str, subject: str, find: Callable[[str, str], dict]) -> str:
        """The person's student id, from memory while fresh, else from `find(issuer, subject)`
        (registration's `find_student`; its NotFound passes through and is not remembered)."""
        key, now = (issuer, subject), self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[1] > now:
            self._entries.move_to_end(key)
            return entry[0]
        self.lookups += 1
        student_id = find(issuer, subject)["student_id"]
        self._remember(key, student_id, self._clock())
        return student_id

    def _remember(self, key, student_id: str, now: float):
        if self.ttl_s == 0 or self._erased.get(student_id, float("-inf")) > now:
            self._entries.pop(key, None)
            return
        self._entries[key] = (student_id, now + self.ttl_s)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def forget_person(self, issuer: str, subject: str):
        """The person's own withdrawal (or anything else they did that changes who they are)."""
        self._entries.pop((issuer, subject), None)

    def forget_student(self, student_id: str):
        """An erasure: every entry naming the id goes, and for one TTL no lookup may bring it
        back (one that started before the erasure could still answer the old row)."""
        now = self._clock()
        self._erased = {sid: until for sid, until in self._erased.items() if until > now}
        self._erased[student_id] = now + self.ttl_s
        for key in [key for key, (sid, _) in self._entries.items() if sid == student_id]:
            del self._entries[key]


class StudentIdCache(DependencyProvider):
    """`students = StudentIdCache()`: one StudentIds per gateway process, shared by its workers."""

    def setup(self):
        source = SettingsSource(self.container.service_name, self.container.config)
        self.students = StudentIds(
            ttl_s=float(source.get("CIM_STUDENT_CACHE_TTL_S", str(DEFAULT_TTL_S))),
            max_size=int(source.get("CIM_STUDENT_CACHE_SIZE", str(DEFAULT_SIZE))),
        )

    def get_dependency(self, worker_ctx):
        return self.students
