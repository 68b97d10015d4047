"""Per-identity rate limits, shared by every gateway replica through Redis.

A sliding-window counter: each (bucket, caller) has a counter per fixed window; a request is
allowed while `this window's count + last window's count * (the part of last window still inside
the sliding window)` stays within the rate. Refused requests count too (hammering keeps you out).
When Redis cannot be reached the request is allowed and the failure logged: an outage of the
limiter must not become an outage of the API.

Used by `route()` (bucket "write" for every POST/PUT/PATCH/DELETE, "lookup" for the public
verification routes) and available to route modules for their own buckets:

    self.security.limit("verify-miss", ratelimit.caller(request, identity), Rate(5, 60))
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Callable

import redis

from services.gateway.errors import RateLimited

log = logging.getLogger(__name__)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Rate:
    """At most `count` requests per `per_s` seconds."""

    count: int
    per_s: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'60/60' -> 60 requests per 60 seconds."""
        count, sep, per = str(text).partition("/")
        try:
            rate = cls(int(count), int(per) if sep else 60)
        except ValueError:
            raise ValueError(f"a rate is '<count>/<seconds>', got {text!r}") from None
        if rate.count < 1 or rate.per_s < 1:
            raise ValueError(f"a rate needs a positive count and window, got {text!r}")
        return rate


def caller(request, identity) -> str:
    """Who a request counts against: the person (iss, sub), or for the public, the client address."""
    if identity is not None:
        person = f"{identity.issuer}\x00{identity.subject}".encode()
        return "id:" + hashlib.sha256(person).hexdigest()[:32]
    return "ip:" + (getattr(request, "remote_addr", None) or "unknown")


class RateLimiter:
    def __init__(self, client: redis.Redis, prefix: str = "cim:rl", clock: Callable[[], float] = time.time):
        self.client = client
        self.prefix = prefix
        self._clock = clock

    @classmethod
    def from_url(cls, url: str = DEFAULT_REDIS_URL, prefix: str = "cim:rl") -> "RateLimiter":
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30)
        return cls(client, prefix)

    def hit(self, bucket: str, who: str, rate: Rate) -> tuple[bool, int]:
        """Count one request; (allowed, seconds until it would be allowed again)."""
        now = self._clock()
        window = int(now // rate.per_s)
        elapsed = now - window * rate.per_s
        current = f"{self.prefix}:{bucket}:{who}:{window}"
        previous = f"{self.prefix}:{bucket}:{who}:{window - 1}"
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(current)
            pipe.expire(current, rate.per_s * 2 + 1)
            pipe.get(previous)
            count, _, before = pipe.execute()
        except redis.RedisError as exc:
            log.error("rate limiter unavailable, allowing the request: %s", exc)
            return True, 0
        weighted = int(count) + int(before or 0) * (1 - elapsed / rate.per_s)
        if weighted <= rate.count:
            return True, 0
        # When a next request would be allowed, if none came meanwhile: later in this window once
        # the previous window's share has faded enough, or else in the next window once this
        # window's share (it becomes the previous one) has.
        count, before = int(count), int(before or 0)
        if count + 1 <= rate.count:
            wait = rate.per_s * (1 - (rate.count - count - 1) / before) - elapsed
        else:
            wait = (rate.per_s - elapsed) + rate.per_s * (1 - (rate.count - 1) / count)
        return False, max(1, math.ceil(wait))

    def check(self, bucket: str, who: str, rate: Rate):
        """Count one request; RateLimited (429 with Retry-After) when over the rate."""
        allowed, retry_after = self.hit(bucket, who, rate)
        if not allowed:
            raise RateLimited(f"too many requests of this kind; try again in {retry_after} s", retry_after)


class FailedLookups:
    """Unknown codes per client in Redis: after `limit` in `window_s` seconds, a pause.

    The window starts at a client's first failure; once it holds `limit` failures, every
    look-up from that client is refused until the window ends (its remaining time is the
    Retry-After). Redis unavailable: look-ups are allowed, and that is logged.
    """

    def __init__(self, client: redis.Redis, prefix: str, limit: int, window_s: int):
        self.client, self.prefix, self.limit, self.window_s = client, prefix, limit, window_s

    def key(self, who: str) -> str:
        return f"{self.prefix}:verify-failures:{who}"

    def retry_after(self, who: str) -> int:
        """0 when `who` may look a code up now, else the seconds to wait."""
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(self.key(who))
            pipe.ttl(self.key(who))
            count, ttl = pipe.execute()
        except redis.RedisError as exc:
            log.error("failed-lookup counter unavailable, allowing the look-up: %s", exc)
            return 0
        if count is None or int(count) < self.limit:
            return 0
        return max(1, int(ttl)) if ttl and ttl > 0 else self.window_s

    def record_failure(self, who: str) -> None:
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(self.key(who))
            pipe.expire(self.key(who), self.window_s, nx=True)
            pipe.execute()
        except redis.RedisError as exc:
            log.error("failed-lookup counter unavailable: %s", exc)
