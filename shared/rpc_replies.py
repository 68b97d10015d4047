"""What an RPC service answered lately, so a request the broker delivers again is answered again.

A request is delivered again when its acknowledgement never reached the broker: the connection
broke after the worker committed (a broker restart, a cut link). Run again, the request would
meet its own effect ("you have already booked this ceremony") or, for a write that no rule
guards, make it twice. So a delivery the broker marks `redelivered` is first looked up here by
its correlation id (the caller's id of that one call):
- answered already: the same reply is sent again, and the worker does not run;
- still running (the redelivery overtook the first worker): the reply is sent when it finishes;
- unknown (this process did not answer it: it died, or another replica took it): it runs, and
  the handlers' own rules are what stand between it and a second effect (docs/decisions/0021).

Replies whose acknowledgement failed are kept longest (they are certain to come back); the others
for a short while, in case an acknowledgement was lost without an error. Both are bounded.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from eventlet.event import Event

REQUEST_ID = "cim_request_id"  # in an RPC worker's context data: the request's correlation id
RECENT_MOST = 1_000  # replies acknowledged without an error: the last ones...
RECENT_S = 120.0  # ...for this long
UNACKED_MOST = 10_000  # replies whose request was not acknowledged: the broker delivers it again
UNACKED_S = 900.0
DROPPED = ("dropped", None)  # what a delivery waiting on a dropped request receives


class _Bounded:
    """key -> value for at most `most` keys and `keep_s` seconds, the oldest dropped first."""

    def __init__(self, most: int, keep_s: float, clock):
        self.most, self.keep_s, self._clock = most, keep_s, clock
        self._items: OrderedDict[str, tuple[float, object]] = OrderedDict()

    def put(self, key: str, value) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock(), value)
        self._trim()

    def get(self, key: str):
        self._trim()
        found = self._items.get(key)
        return None if found is None else found[1]

    def __len__(self) -> int:
        return len(self._items)

    def _trim(self) -> None:
        oldest = self._clock() - self.keep_s
        while self._items and (len(self._items) > self.most or next(iter(self._items.values()))[0] < oldest):
            self._items.popitem(last=False)


class RepliesSent:
    """The replies of one service process, by request correlation id.

    A reply is `(result, error)`: the call's result, or the exception it answered with (kept
    without its traceback). `started` and `answered` bracket each request's worker."""

    def __init__(self, clock=time.monotonic):
        self._recent = _Bounded(RECENT_MOST, RECENT_S, clock)
        self._unacked = _Bounded(UNACKED_MOST, UNACKED_S, clock)
        self._running: dict[str, Event] = {}

    def started(self, correlation_id: str) -> None:
        self._running.setdefault(correlation_id, Event())

    def answered(self, correlation_id: str, result, error, acknowledged: bool) -> None:
        reply = (result, error)
        (self._recent if acknowledged else self._unacked).put(correlation_id, reply)
        waiting = self._running.pop(correlation_id, None)
        if waiting is not None:
            waiting.send(reply)

    def dropped(self, correlation_id: str) -> None:
        """The request was not answered (an earlier delivery had applied it): a delivery waiting
        for its reply is dropped too."""
        waiting = self._running.pop(correlation_id, None)
        if waiting is not None:
            waiting.send(DROPPED)

    def recall(self, correlation_id: str):
        """The reply sent for this request; an `Event` whose `wait()` gives it, when the request
        is still running; None when this process does not know it."""
        reply = self._unacked.get(correlation_id) or self._recent.get(correlation_id)
        if reply is not None:
            return reply
        return self._running.get(correlation_id)
